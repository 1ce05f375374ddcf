"""What the projects views share: the app's `PermissionView`s and pagination."""

from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render

from portal.cache import PageFragments
from portal.query import clean_param, clean_query
from portal.rules import active_organisation
from portal.views.access import PermissionView

PAGE_SIZE = 20
# A cached fragment not used for an hour leaves the cache; its key changes long before that when its rows do.
FRAGMENT_TTL = 60 * 60


def fragments(families: tuple[str, ...], parts: dict[str, object]) -> dict:
    """Context for the page's `{% fragment "name" %}` parts (portal.cache.PageFragments): the same for everyone who
    sees them and showing only rows of `families`; `parts` names each and what else it depends on (the language
    is added). See docs/performance.md."""
    return {"page_fragments": PageFragments(families, parts, FRAGMENT_TTL)}


def query_string(request) -> str:
    params = clean_query(request.GET)
    params.pop("page", None)
    return params.urlencode()


def search_without_filters(request, *, unfiltered: dict | None = None, keep: dict | None = None) -> str:
    """The query string of the same search without its filters (offered on a page without hits), or "" when there
    is no search or no filter to remove. `unfiltered` names values that are no filter (the call catalogue's
    default state); `keep` is added to the link (the call catalogue then shows calls in every state)."""
    params = clean_query(request.GET)
    q = params.get("q", "")
    unfiltered = unfiltered or {}
    filtered = any(
        value and unfiltered.get(name) != value for name, value in params.items() if name not in ("q", "page", "sort")
    )
    if not q or not filtered:
        return ""
    link = QueryDict(mutable=True)
    link["q"] = q
    for name, value in (keep or {}).items():
        link[name] = value
    return link.urlencode()


def paginate(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(clean_param(request.GET.get("page"), max_length=20))


class ProjectsView(PermissionView):
    """A page of the projects app; `organisation` is the one the user acts for."""

    @property
    def organisation(self):
        return active_organisation(self.request.user)


class PublicView(ProjectsView):
    """Open to visitors; the object (if any) still comes through a scoped selector."""

    login_required = False


class BuyerView(ProjectsView):
    """Pages for buyers of a verified public body; an unverified one is told why it must wait."""

    permission_required = "projects.create_need"

    def permission_denied(self):
        organisation = self.organisation
        if organisation is not None and organisation.is_public_body and not organisation.is_verified:
            return render(self.request, "projects/not_verified.html", {"organisation": organisation}, status=403)
        return super().permission_denied()
