"""What the interest-profile alerts match a call against: the call's terms as the catalogue search indexes them.

One definition, so that a keyword of an interest profile matches a call exactly when the catalogue search for that
keyword finds it: both use the terms `projects.search_index.call_parts` stores for the call (its title,
description and questions to the market; its need's title, summary, problem, desired effects, who is affected,
category and theme labels in Swedish and English, CPV codes and labels, the public summary of its market-gap
assessment), and both ask that every term of the query begins one of them.
"""

from bisect import bisect_left
from functools import lru_cache

from . import analysis, search_index
from .models import Call


def call_terms(call: Call) -> tuple[str, ...]:
    """The call's indexed terms; computed the same way when the call has not been indexed yet."""
    stored = " ".join(part for part in (call.search_title, call.search_summary, call.search_body) if part)
    if not stored:
        need = call.need
        summary = need.assessments.order_by("-version").values_list("public_summary", flat=True).first() or ""
        need_body = search_index.need_parts(need, need.cpv_codes.all(), summary)["search_body"]
        stored = " ".join(search_index.call_parts(call, need, need_body).values())
    return tuple(stored.split())


def call_text(call: Call) -> "AnalysedText":
    """The call's terms, ready for many keyword look-ups (remembered per set of terms in this process)."""
    return analysed_terms(call_terms(call))


class AnalysedText:
    """The terms of a text, analysed once, for testing many queries against it (each a prefix look-up)."""

    def __init__(self, text: str = "", *, terms=None):
        self.terms = sorted(set(analysis.terms(text) if terms is None else terms))

    def has_prefix(self, prefix: str) -> bool:
        index = bisect_left(self.terms, prefix)
        return index < len(self.terms) and self.terms[index].startswith(prefix)

    def matches_terms(self, wanted) -> bool:
        """Same as `analysis.matches(query, text)` for `wanted = analysis.query_terms(query)`."""
        return bool(wanted) and all(self.has_prefix(prefix) for prefix in wanted)


@lru_cache(maxsize=2048)
def analysed_terms(terms: tuple[str, ...]) -> AnalysedText:
    """Terms ready for look-ups, remembered in this process (a dashboard tests the same open calls again)."""
    return AnalysedText(terms=terms)


@lru_cache(maxsize=8192)
def keyword_terms(keywords: str) -> tuple[tuple[str, ...], ...]:
    """The query terms of each keyword of a profile's keywords (comma or line separated); empty ones dropped."""
    from .models import InterestProfile

    result = []
    for keyword in InterestProfile.split_keywords(keywords):
        wanted = tuple(analysis.query_terms(keyword))
        if wanted:
            result.append(wanted)
    return tuple(result)


def keywords_match(keywords: str, text: AnalysedText) -> bool:
    """True when any keyword matches the text by the search rule (`analysis.matches`)."""
    return any(text.matches_terms(wanted) for wanted in keyword_terms(keywords))
