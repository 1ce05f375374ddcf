"""The content of an application version (a snapshot) and a readable comparison of two of them."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal.diff import Segment, whole_diff, word_diff

from ..models import Application, BudgetLine

TEXT_FIELDS = ("title", "purpose", "background", "expected_results")
VALUE_FIELDS = ("requested_amount", "period_start", "period_end")


def application_content(application) -> dict:
    """The fields the applicant can change and the budget lines, as plain JSON values."""
    fields = {name: getattr(application, name) or "" for name in TEXT_FIELDS}
    for name in VALUE_FIELDS:
        value = getattr(application, name)
        fields[name] = value.isoformat() if hasattr(value, "isoformat") else value
    fields["track"] = application.track.name
    lines = [
        {"kind": line.kind, "description": line.description, "amount": line.amount}
        for line in application.budget_lines.all()
    ]
    return {"fields": fields, "budget": lines}


@dataclass
class FieldChange:
    label: str
    changed: bool
    segments: list[Segment] = field(default_factory=list)


@dataclass
class LineChange:
    change: str  # "added", "removed" or "changed"
    kind: str
    description: str
    before: int | None = None
    after: int | None = None


def _text(value) -> str:
    return "" if value is None else str(value)


def compare_fields(old: dict, new: dict) -> list[FieldChange]:
    """Each field of two versions: texts word by word, values (amounts, dates, the track) as a whole."""
    result = []
    for name in (*TEXT_FIELDS, "track", *VALUE_FIELDS):
        before, after = _text(old["fields"].get(name)), _text(new["fields"].get(name))
        label = _("Track") if name == "track" else Application._meta.get_field(name).verbose_name
        segments = word_diff(before, after) if name in TEXT_FIELDS else whole_diff(before, after)
        result.append(FieldChange(str(label).capitalize(), before != after, segments))
    return result


def compare_lines(old: dict, new: dict) -> list[LineChange]:
    """Budget lines added, removed or with a new amount; a line is known by its kind and description."""
    kinds = dict(BudgetLine.Kind.choices)

    def keyed(lines):
        result: dict[tuple, list[dict]] = {}
        for line in lines:
            result.setdefault((line["kind"], line["description"]), []).append(line)
        return result

    before, after = keyed(old.get("budget", [])), keyed(new.get("budget", []))
    changes = []
    for key in list(before) + [key for key in after if key not in before]:
        old_lines, new_lines = before.get(key, []), after.get(key, [])
        kind, description = str(kinds.get(key[0], key[0])), key[1]
        for old_line, new_line in zip(old_lines, new_lines, strict=False):
            if old_line["amount"] != new_line["amount"]:
                changes.append(LineChange("changed", kind, description, old_line["amount"], new_line["amount"]))
        for old_line in old_lines[len(new_lines) :]:
            changes.append(LineChange("removed", kind, description, before=old_line["amount"]))
        for new_line in new_lines[len(old_lines) :]:
            changes.append(LineChange("added", kind, description, after=new_line["amount"]))
    return changes
