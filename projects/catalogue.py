"""What the needs catalogue (`/needs/`, also searched and filtered) keeps between requests.

A page of the catalogue shows the same rows to everyone who asks for it with the same filters, page and
language: the visitor, a signed-in buyer and a company alike (what differs for a signed-in user — the header —
is outside what is kept). Three things are kept in the shared cache, each under the data's version
(`portal.cache.fragment_version` of the families the page shows: needs and their calls, organisations), so a
write to a need, a call or an organisation, or a call opening or closing by the clock, makes them stale on every
web process at once; nothing else does (a response saved, a webinar registration):

- the organisations of the filter (`publisher_choices`): a query over every public body with a published need;
- the number of hits of a filter (`CountedPaginator`): the pager's count, which for a search or a CPV division is
  a scan of every matching row;
- the rendered rows of one page (`{% cache %}` in projects/need_list.html, keyed by `rows_key`): the page's
  query and the rendering of its 20 cards.

Keys are made from the validated filters only, never from the raw query string: a value the form refuses is not
a filter, the search text is reduced to the terms the search uses (at most `analysis.MAX_QUERY_TERMS`), and the
page number is one of the pages there are. So a crafted link cannot make a new key for the same results, and
whatever is stored leaves the cache after `FRAGMENT_TTL` at the latest. The rule is in docs/performance.md,
"Needs catalogue and search, uncached (issue 20)".
"""

import json
from functools import cached_property
from hashlib import sha256

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.translation import get_language

try:
    from portal.cache import fragment_version
except ImportError:  # TEMPORARY (until the lead's fragment_version is on main): the page cache's generation
    from django.utils import timezone

    from portal.cache import BOUNDARY_KEY, GENERATION_KEY, next_time_boundary

    def fragment_version(*families: str) -> str:
        stored = cache.get_many([GENERATION_KEY, BOUNDARY_KEY])
        generation, boundary = stored.get(GENERATION_KEY), stored.get(BOUNDARY_KEY)
        if generation is None or boundary is None or boundary <= timezone.now().timestamp():
            import uuid

            generation = uuid.uuid4().hex
            cache.set_many(
                {GENERATION_KEY: generation, BOUNDARY_KEY: next_time_boundary(timezone.now()).timestamp()}, None
            )
        return generation


from . import selectors
from .analysis import query_terms

FAMILIES = ("needs", "organisations")
FRAGMENT_TTL = 10 * 60  # seconds; a stale entry is never read (its version is gone), this only frees memory
FILTER_NAMES = ("theme", "category", "cpv_division", "stage", "organisation", "calls", "sort")


def version() -> str:
    """The token of the data the catalogue shows (short: it goes into every key)."""
    return sha256(fragment_version(*FAMILIES).encode()).hexdigest()[:24]


def filters_key(filters: dict) -> str:
    """A digest of what decides the hits and their order: the cleaned filters (NeedFilterForm.filters())."""
    text = filters.get("q") or ""
    # As selectors.apply_search reads it: no text, or its terms (none usable: no hits).
    normalized = {"q": query_terms(text) if text.strip() else None}
    for name in FILTER_NAMES:
        value = filters.get(name) or ""
        normalized[name] = str(getattr(value, "pk", value))
    return sha256(json.dumps(normalized, sort_keys=True).encode()).hexdigest()[:32]


def publisher_choices(data_version: str) -> list[tuple[int, str]]:
    """The organisation filter's options (selectors.publishers()) as (pk, name), kept under the data's version."""
    key = f"catalogue:publishers:{data_version}"
    choices = cache.get(key)
    if choices is None:
        choices = list(selectors.publishers().values_list("pk", "name"))
        cache.set(key, choices, FRAGMENT_TTL)
    return choices


class CountedPaginator(Paginator):
    """A paginator whose count (of the filter's hits) is kept under the data's version."""

    def __init__(self, *args, count_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        count = cache.get(self.count_key)
        if count is None:
            count = super().count
            cache.set(self.count_key, count, FRAGMENT_TTL)
        return count


def paginate(queryset, raw_page: str, *, data_version: str, key: str, per_page: int):
    paginator = CountedPaginator(queryset, per_page, count_key=f"catalogue:needs:count:{data_version}:{key}")
    return paginator.get_page(raw_page)


def rows_key(data_version: str, key: str, page_number: int) -> str:
    """What the rows fragment varies on: the data's version, the page's language, the filters and the page."""
    return f"{data_version}:{get_language()}:{key}:{page_number}"
