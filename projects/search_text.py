"""The text of a call as the catalogue search and the interest-profile alerts see it.

One definition, so that a keyword of an interest profile matches a call exactly when the catalogue search for that
keyword finds it: the call's title, description and questions to the market, its need's title, summary and
problem description, and the labels of the need's category and themes in Swedish and in English.
"""

from bisect import bisect_left
from functools import lru_cache

from django.utils import translation

from . import analysis
from .models import Call, Category, Theme

LANGUAGES = ("sv", "en")


@lru_cache(maxsize=256)
def _choice_labels(kind: str, value: str) -> str:
    choices = dict((Category if kind == "category" else Theme).choices)
    if value not in choices:
        return ""
    labels = []
    for language in LANGUAGES:
        with translation.override(language):
            labels.append(str(choices[value]))
    return " ".join(labels)


def call_text(call: Call) -> str:
    """Everything the search indexes for a call, as one text (uses `call.need`; no other query)."""
    need = call.need
    parts = [
        call.title,
        call.description,
        call.questions_to_market,
        need.title,
        need.summary,
        need.problem,
        _choice_labels("category", need.category or ""),
        *(_choice_labels("theme", theme) for theme in need.themes or []),
    ]
    return "\n".join(part for part in parts if part)


class AnalysedText:
    """The terms of a text, analysed once, for testing many queries against it (each a prefix look-up)."""

    def __init__(self, text: str):
        self.terms = sorted(set(analysis.terms(text)))

    def has_prefix(self, prefix: str) -> bool:
        index = bisect_left(self.terms, prefix)
        return index < len(self.terms) and self.terms[index].startswith(prefix)

    def matches_terms(self, wanted) -> bool:
        """Same as `analysis.matches(query, text)` for `wanted = analysis.query_terms(query)`."""
        return bool(wanted) and all(self.has_prefix(prefix) for prefix in wanted)


@lru_cache(maxsize=2048)
def analysed(text: str) -> AnalysedText:
    """The analysed text, remembered per text in this process (a dashboard tests the same open calls again)."""
    return AnalysedText(text)


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
