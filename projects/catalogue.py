"""What the needs catalogue (`/needs/`, also searched and filtered) keeps between requests.

A page of the catalogue shows the same rows to everyone who asks for it with the same filters, page and
language: the visitor, a signed-in buyer and a company alike (what differs for a signed-in user — the header —
and what is read from the request — the form's values, the pager's links — are rendered every time). Three
things are kept, each under the data's version (`portal.cache.fragment_version` of the families the page shows:
needs with their calls and CPV codes, and organisations), so that a write to one of those rows, or a call opening
or closing by the clock, makes them stale on every web process at once, and nothing else does (a response saved,
a webinar registration):

- the organisations of the filter (`publisher_choices`): a query over every public body with a published need;
- the number of hits of a filter (`paginate`): the pager's count, for a search or a CPV division a scan
  of every matching row;
- the rendered rows of one page (`rows`): the page's query and its 20 cards.

Each is kept in the shared cache (Redis) and in this process's memory (the last `LOCAL_SIZE` entries): the keys
carry the version, which is read from the shared cache on every request, so a copy in memory is used only while
its data has not changed. Keys are made from the validated filters only, never from the raw query string: a
value the form refuses is not a filter, the search text is reduced to the terms the search uses (at most
`analysis.MAX_QUERY_TERMS`), and the page number is one of the pages there are. So a crafted link cannot make a
new key for the same results, and whatever is stored leaves the shared cache after `FRAGMENT_TTL`.
docs/performance.md, "Needs catalogue and search, uncached (issue 20)".
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from hashlib import sha256
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from portal.cache import fragment_version
from portal.query import KeptCountPaginator

from . import selectors
from .analysis import query_terms
from .forms import KeptOptions

FAMILIES = ("needs", "organisations")
FRAGMENT_TTL = 10 * 60  # seconds: an entry whose version is gone is never read again; this frees its memory
LOCAL_SIZE = 256
FILTER_NAMES = ("theme", "category", "cpv_division", "stage", "organisation", "calls", "sort")
ROWS_TEMPLATE = "projects/includes/need_cards.html"


class _Local:
    """The last entries this process used (keys carry the data's version, so an entry is never stale)."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key) -> Any:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_local = _Local(LOCAL_SIZE)


def kept(key: str, compute: Callable[[], Any]) -> Any:
    """The value under `key` from this process, else from the shared cache, else `compute()` (then stored in both)."""
    key = f"catalogue:{key}"
    value = _local.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, FRAGMENT_TTL)
        _local.put(key, value)
    return value


def version() -> str:
    """The token of the data the catalogue shows: one round trip to the shared cache."""
    return fragment_version(*FAMILIES)


def filters_key(filters: dict) -> str:
    """A digest of what decides the hits and their order: the cleaned filters (NeedFilterForm.filters())."""
    text = filters.get("q") or ""
    # As selectors.apply_search and order_search read it: no text, or its terms (none usable: no hits).
    normalized: dict[str, Any] = {"q": query_terms(text) if text.strip() else None}
    for name in FILTER_NAMES:
        value = filters.get(name) or ""
        normalized[name] = str(getattr(value, "pk", value))
    return sha256(json.dumps(normalized, sort_keys=True).encode()).hexdigest()[:32]


def publisher_choices(data_version: str) -> KeptOptions:
    """The organisation filter's options (selectors.publishers()) as (pk, name)."""
    return kept(
        f"publisher-options:{data_version}", lambda: KeptOptions(selectors.publishers().values_list("pk", "name"))
    )


def paginate(queryset, raw_page: str, *, data_version: str, key: str, per_page: int):
    """A page of the hits; their count is kept under the data's version and the filter's key."""
    paginator = KeptCountPaginator(queryset, per_page, keep=lambda count: kept(f"count:{data_version}:{key}", count))
    return paginator.get_page(raw_page)


_forms = _Local(LOCAL_SIZE)
FORM_TEMPLATE = "projects/includes/filters.html"


def filter_form(request, form, data_version: str) -> str:
    """The filter form as FORM_TEMPLATE renders it. Kept in this process only, never in the shared cache: its key
    holds the values of the query string as they were typed (they are shown in the form), so a crafted link can
    only push an older form out of this process's last LOCAL_SIZE."""
    data = None
    if form.is_bound:
        data = tuple((name, tuple(form.data.getlist(name))) for name in form.fields if name in form.data)
    key = (data_version, get_language(), request.path, type(form).__name__, data)
    html = _forms.get(key)
    if html is None:
        html = str(render_to_string(FORM_TEMPLATE, {"form": form, "request": request}))
        _forms.put(key, html)
    return mark_safe(html)


def rows(page_obj, *, data_version: str, key: str) -> str:
    """The page's cards (ROWS_TEMPLATE) in the active language; the page's query runs only when they are rendered."""
    html = kept(
        f"rows:{data_version}:{get_language()}:{key}:{page_obj.number}",
        lambda: str(render_to_string(ROWS_TEMPLATE, {"page_obj": page_obj})).strip(),
    )
    return mark_safe(html)
