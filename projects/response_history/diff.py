"""A readable comparison of two versions of a response, word by word, for `<ins>`/`<del>` with text labels."""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _

from portal.diff import Segment, word_diff
from portal.diff import whole_diff as _whole_diff

from ..models import TRL_LEVELS, Response
from .content import PART_LABELS, RESPONSE_FIELDS

TEXT_FIELDS = {"summary", "description", "references"}


@dataclass
class PartComparison:
    label: str
    changed: bool
    segments: list[Segment] = field(default_factory=list)


def _field_text(name: str, value) -> str:
    if value is None or value == "":
        return ""
    if name == "trl":
        return str(dict(TRL_LEVELS).get(value, value))
    if name == "price_indication":
        return f"{intcomma(value)} kr"
    return str(value)


def _lines(items: list[dict]) -> str:
    return "\n".join(f"{item['name']} (SHA-256 {item['sha256']})" for item in items)


def compare(old: dict | None, new: dict) -> list[PartComparison]:
    """Each part of two snapshots (`content.response_content`) side by side; `old` None: the first version."""
    old = old or {"fields": {}, "attachments": []}
    parts = []
    for name in RESPONSE_FIELDS:
        before = _field_text(name, old["fields"].get(name))
        after = _field_text(name, new["fields"].get(name))
        label = Response._meta.get_field(name).verbose_name
        # A choice or a number changes as a whole; a text word by word.
        segments = word_diff(before, after) if name in TEXT_FIELDS else _whole_diff(before, after)
        parts.append(PartComparison(str(label), before != after, segments))
    old_answers = {item["number"]: item for item in old.get("answers", [])}
    new_answers = {item["number"]: item for item in new.get("answers", [])}
    for number in sorted(old_answers.keys() | new_answers.keys()):
        before = old_answers.get(number, {}).get("text", "")
        after = new_answers.get(number, {}).get("text", "")
        label = _("Answer to question %(number)s") % {"number": number}
        parts.append(PartComparison(str(label), before != after, word_diff(before, after)))
    for key, label in PART_LABELS.items():
        before, after = _lines(old.get(key, [])), _lines(new.get(key, []))
        parts.append(PartComparison(str(label), before != after, _line_diff(before, after)))
    return parts


def _line_diff(old: str, new: str) -> list[Segment]:
    a, b = old.splitlines(keepends=False), new.splitlines(keepends=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.extend(Segment("equal", line + "\n") for line in a[i1:i2])
            continue
        segments.extend(Segment("delete", line + "\n") for line in a[i1:i2])
        segments.extend(Segment("insert", line + "\n") for line in b[j1:j2])
    return segments
