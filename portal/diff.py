"""Word-level comparison of two texts, for readable `<ins>`/`<del>` views of what changed between versions."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass
class Segment:
    kind: str  # "equal", "insert" or "delete"
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """The words of `old` and `new` as unchanged, removed and added runs (a replacement is removed, then added)."""
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments


def whole_diff(old: str, new: str) -> list[Segment]:
    """A value that changes as a whole (a number, a choice): removed, then added."""
    if old == new:
        return [Segment("equal", new)] if new else []
    return [Segment(kind, text) for kind, text in (("delete", old), ("insert", new)) if text]
