"""The one Swedish text analysis: the catalogue search, the interest-profile alerts and the CPV picker use it.

A text becomes a list of *terms*: words (letters and digits) folded to lower case with Unicode case folding
(so "HEMTJÄNST" and "hemtjänst" are one word; Å, Ä and Ö stay letters of their own, as in Swedish, while
accents that Swedish does not distinguish are dropped: "idé" → "ide"), each cut to its stem by the Snowball
Swedish stemmer ("solceller" → "solcell", "laddstolpar" → "laddstolp"). A query matches a text when every
query term is the beginning of some term of the text, so the first part of a compound finds the compound
("solcell" finds "solcellsdrivna", "laddstolpe" finds "laddstolpar").
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# At most this many terms of a query are used, each at most this long: a 10 000-character query costs no more
# than a short one.
MAX_QUERY_TERMS = 12
MAX_TERM_LENGTH = 40
# Shorter query terms than this would match half the catalogue as prefixes; they are dropped.
MIN_PREFIX_LENGTH = 2

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_KEEP = {"å", "ä", "ö"}
_stemmer = snowballstemmer.stemmer("swedish")


def fold(text: str) -> str:
    """Lower case with Unicode case folding; combining accents dropped except on å, ä and ö."""
    text = unicodedata.normalize("NFC", (text or "").replace("\x00", " ")).casefold()
    out = []
    for char in text:
        if char in _KEEP or char.isascii():
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return [word[:MAX_TERM_LENGTH] for word in _WORD.findall(fold(text))]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """The stemmed terms of a text, in order (with repeats)."""
    return [stem(word) for word in words(text)]


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, in order; terms too short to be useful prefixes are dropped."""
    seen: dict[str, None] = {}
    for term in terms(query[: MAX_QUERY_TERMS * (MAX_TERM_LENGTH + 1) * 4]):
        if len(term) >= MIN_PREFIX_LENGTH:
            seen.setdefault(term, None)
        if len(seen) >= MAX_QUERY_TERMS:
            break
    return list(seen)


def index_text(*texts: str) -> str:
    """The terms of the texts as one space-separated string: what an index stores for a row."""
    return " ".join(term for text in texts if text for term in terms(text))


def matches(query: str, text: str) -> bool:
    """True when every term of the query begins some term of the text (the rule every search here follows)."""
    wanted = query_terms(query)
    if not wanted:
        return False
    have = set(terms(text))
    return all(any(term.startswith(prefix) for term in have) for prefix in wanted)
