"""The role-access table: every named URL × every role.

Each app contributes `tests/<app>/access.py` with `cases(world) -> list[AccessCase]`.
`world` is built by `build_world()`: one user per role plus their organisations;
an app's `cases` may create the objects its URLs need. `tests/test_role_access.py`
walks the URL resolver and fails when a named URL has no case.
"""

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from .factories import make_buyer, make_company_user, make_handler, make_member, make_portal_admin, organisation_of

ROLES = ["anonymous", "buyer", "company", "handler", "admin", "unverified_buyer"]
APPS = ["portal", "projects", "checks", "webinars"]
# Modules with `cases(world)`: one per app, plus the decision documents (a part of projects with its own rows).
ACCESS_MODULES = [*(f"tests.{app}.access" for app in APPS), "tests.documents_access"]
# Open data (issue 19): one module per part.
ACCESS_MODULES += ["tests.opendata.access_api", "tests.opendata.access_feeds", "tests.opendata.ocds_access"]
# Namespaces or names that are not ours to test here.
EXCLUDED_NAMESPACES = {"admin"}


@dataclass
class AccessCase:
    name: str
    expect: dict[str, int]
    kwargs: dict = field(default_factory=dict)
    default: int | None = None
    method: str = "get"
    data: dict | None = None
    query: str = ""

    def expected_for(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if self.default is None:
            raise KeyError(f"{self.name}: no expectation for {role}")
        return self.default


def all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    if entry.namespace in EXCLUDED_NAMESPACES:
                        continue
                    ns = f"{namespace}{entry.namespace}:"
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns, "")
    return names


def build_world() -> dict:
    buyer = make_buyer(email="buyer@example.org")
    company = make_company_user(email="company@example.org")
    unverified = make_member(email="unverified@example.org", status="pending")
    return {
        "anonymous": None,
        "buyer": buyer,
        "company": company,
        "handler": make_handler(email="handler@example.org"),
        "admin": make_portal_admin(email="admin@example.org"),
        "unverified_buyer": unverified,
        "buyer_org": organisation_of(buyer),
        "company_org": organisation_of(company),
        "unverified_org": organisation_of(unverified),
    }
