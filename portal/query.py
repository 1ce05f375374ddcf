"""Query parameters (request.GET) of list and filter pages, made safe before anything reads them.

A link can carry anything: NUL bytes (PostgreSQL refuses them in text, so a filter with one failed with a
DataError), other control characters, thousands of characters, words where numbers belong. Pages never answer
that with an error: `clean_param` turns a value into harmless text, `QueryFilterForm` is the base of every filter
form (each value cleaned before the fields see it; a value that is still invalid is ignored, so a stale or
crafted link shows the unfiltered list), and `LenientPaginationMixin` shows the nearest page for a page number
that is not one.
"""

import re
from collections.abc import Callable
from functools import cached_property

from django import forms
from django.core.paginator import Paginator
from django.http import QueryDict

# C0 control characters (NUL included) and DEL; tabs and newlines have no place in a filter either.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_PARAM_LENGTH = 200


def clean_param(value: str | None, *, max_length: int = MAX_PARAM_LENGTH) -> str:
    """A query parameter as text: control characters removed, whitespace trimmed, at most `max_length` long."""
    return CONTROL_CHARACTERS.sub("", value or "").strip()[:max_length]


def clean_query(query: QueryDict, *, max_length: int = MAX_PARAM_LENGTH) -> QueryDict:
    """A copy of `request.GET` with every name and value passed through `clean_param`."""
    cleaned = QueryDict(mutable=True)
    for name, values in query.lists():
        key = clean_param(name, max_length=max_length)
        if key:
            cleaned.setlist(key, [clean_param(value, max_length=max_length) for value in values])
    return cleaned


class QueryFilterForm(forms.Form):
    """Base of the filter forms of list pages: bind it to `request.GET` (or None)."""

    max_param_length = MAX_PARAM_LENGTH

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = clean_query(data, max_length=self.max_param_length)
        super().__init__(data, *args, **kwargs)

    def filters(self) -> dict:
        """Cleaned filters; invalid values are ignored (a stale link never breaks the page)."""
        if not self.is_bound:
            return {}
        if self.is_valid():
            return self.cleaned_data
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}


class KeptCountPaginator(Paginator):
    """A paginator whose count (of the filter's hits: a scan of the filtered rows) is kept by `keep`, which is given
    the way to count and returns the count kept under a key that changes with the rows (a data version and the
    filter), counting only when nothing is kept."""

    def __init__(self, *args, keep: Callable[[Callable[[], int]], int], **kwargs):
        super().__init__(*args, **kwargs)
        self.keep = keep

    @cached_property
    def count(self) -> int:
        return self.keep(lambda: Paginator.count.func(self))


class LenientPaginationMixin:
    """For ListViews: `?page=` that is not a number, or past the end, shows the first or last page (not a 404)."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=self.get_allow_empty()
        )
        page = paginator.get_page(clean_param(self.request.GET.get(self.page_kwarg), max_length=20))
        return paginator, page, page.object_list, page.has_other_pages()
