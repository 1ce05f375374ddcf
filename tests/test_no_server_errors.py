"""Bad input never gets a server error: every form on every page a role can open is sent back with junk.

For each role, every GET page of the role-access table that answers 200 is parsed; each POST form on it is
submitted three times — empty, with over-long text, and with odd values (NUL bytes, markup, huge numbers,
impossible dates) in every field it names. No answer may be a 500.
"""

from html.parser import HTMLParser
from urllib.parse import parse_qsl

import pytest
from django.urls import reverse

from tests.access import ROLES, build_world
from tests.test_role_access import _cases

SKIP_ACTIONS = ("/accounts/logout/", "/i18n/setlang/")
NOT_HTML = ("download", "csv", "export", "ics", "calendar", "status", "letter", "json", "healthz", "readyz")


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea") and attrs.get("name"):
            if attrs.get("type") in ("file", "submit"):
                return
            self._form["fields"].setdefault(attrs["name"], attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def junk_variants(fields: dict) -> list[dict]:
    keep = {name: value for name, value in fields.items() if name == "csrfmiddlewaretoken"}
    junk = [name for name in fields if name not in keep]
    if not junk:  # a form with nothing to fill in (a button): every variant would be the same request
        return [keep]
    odd_values = ["\x00nul", "<script>alert(1)</script>", "9" * 40, "-1", "2026-02-31", "1e309", "å" * 3]
    return [
        keep,
        {**keep, **dict.fromkeys(junk, "x" * 20000)},
        *[{**keep, **dict.fromkeys(junk, value)} for value in odd_values],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_form_answers_500_to_bad_input(client, role):
    world = build_world()
    if world[role] is not None:
        client.force_login(world[role])
    client.raise_request_exception = False
    failures, forms_sent, seen = [], 0, set()
    for case in _cases(world):
        if case.method != "get" or case.expected_for(role) != 200:
            continue
        if any(word in f"{case.name} {case.query}".lower() for word in NOT_HTML):
            continue
        path = reverse(case.name, kwargs=case.kwargs) + (f"?{case.query}" if case.query else "")
        page = client.get(path)
        if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
            continue
        parser = FormParser()
        parser.feed(page.content.decode())
        for form in parser.forms:
            action = form["action"] or path
            if action.startswith(SKIP_ACTIONS) or not action.startswith("/"):
                continue
            # The same form on several pages (e.g. the e-mail form) is the same requests: send it once.
            if (action, tuple(form["fields"])) in seen:
                continue
            seen.add((action, tuple(form["fields"])))
            for data in junk_variants(form["fields"]):
                response = client.post(action, data)
                forms_sent += 1
                if response.status_code >= 500:
                    failures.append(f"POST {action} from {path} with {sorted(data)[:6]}: {response.status_code}")
    assert forms_sent > 20, f"only {forms_sent} forms were sent as {role}"
    assert not failures, f"As {role}:\n" + "\n".join(sorted(set(failures)))


# --- query parameters of list and filter pages ----------------------------------------------------------------------

# Read from request.GET by some views without being in a form or link on the page.
EXTRA_PARAMS = ("page", "q", "format", "series", "action", "next", "return_to")
JUNK_PARAMS = {"nul": "a\x00b", "long": "x" * 5000, "not a number": "abc", "huge": "9" * 40}


class QueryParser(HTMLParser):
    """Names of the fields of the page's GET forms and of the query parameters in its links."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif self.in_get_form and tag in ("input", "select", "textarea") and attrs.get("name"):
            if attrs.get("type") != "submit":
                self.names.add(attrs["name"])
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            self.names.update(name for name, _value in parse_qsl(attrs["href"].split("?", 1)[1], True))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


def _is_json_error(response) -> bool:
    return response.get("Content-Type", "").startswith("application/json") and b'"error"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_no_list_page_answers_500_to_odd_query_parameters(client, role):
    """NUL bytes (PostgreSQL refuses them in text), over-long and non-numeric values in every query parameter.

    Every GET page the role may open gets all its parameters (those of its filter forms and links, plus the ones
    views read directly) set to a NUL or an over-long value at once; a list page (one with a filter form or query
    links) also gets each parameter alone with each odd value. The answer must be a page or a redirect.
    """
    world = build_world()
    if world[role] is not None:
        client.force_login(world[role])
    client.raise_request_exception = False
    failures, list_pages, sent = [], set(), 0
    for case in _cases(world):
        if case.method != "get" or case.expected_for(role) != 200:
            continue
        path = reverse(case.name, kwargs=case.kwargs)
        base = dict(parse_qsl(case.query, True))
        page = client.get(path, base)
        if page.status_code != 200:
            continue
        names = set(base)
        if "text/html" in page.get("Content-Type", ""):
            parser = QueryParser()
            parser.feed(page.content.decode())
            names |= parser.names - {"csrfmiddlewaretoken"}
        if names:
            list_pages.add(case.name)
        # All at once: text values only (the numeric ones matter for discovered parameters, sent alone below).
        everywhere = {*names, *EXTRA_PARAMS}
        variants = [{**base, **dict.fromkeys(everywhere, JUNK_PARAMS[kind])} for kind in ("nul", "long")]
        variants += [{**base, name: value} for name in sorted(names) for value in JUNK_PARAMS.values()]
        for params in variants:
            response = client.get(path, params)
            sent += 1
            # A JSON endpoint of the open data answers bad input with a 4xx and a JSON error (issue 19); a page never.
            if response.status_code >= (500 if _is_json_error(response) else 400):
                odd = sorted(f"{k}={v[:8]!r}" for k, v in params.items() if v in JUNK_PARAMS.values())
                failures.append(f"GET {path} ({case.name}) with {', '.join(odd)[:200]}: {response.status_code}")
    assert sent > 50, f"only {sent} requests were sent as {role}"
    assert not failures, f"As {role}:\n" + "\n".join(sorted(set(failures)))
