"""CPV codes: parsing what people type, loading the vocabulary, and the descendant rule.

A CPV code is eight digits and a check digit ("45000000-7"). People type it with
or without the check digit; the official 2008 list has check digits that follow
no single rule, so a code is validated by looking it up in the table.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .cpv_divisions import DIVISIONS
from .models import CpvCode

CODE_RE = re.compile(r"^(\d{8})(?:-(\d))?$")
FILE_KEY_RE = re.compile(r"^(\d{8})-(\d)$")
# Placeholder rows in some published CPV files that are not codes of the vocabulary.
NOT_CPV = {"99999999-9"}
TOKEN_SPLIT_RE = re.compile(r"[\s,;]+")


def default_cpv_path() -> Path:
    """The CPV data file: $CPV_DATA_FILE, else ../shared/data/cpv_en.json beside the repository."""
    import os

    from django.conf import settings

    configured = os.environ.get("CPV_DATA_FILE")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "cpv_en.json"


def default_cpv_sv_path() -> Path:
    """The Swedish CPV labels: $CPV_SV_DATA_FILE, else ../shared/data/cpv_sv.json beside the repository."""
    import os

    from django.conf import settings

    configured = os.environ.get("CPV_SV_DATA_FILE")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "cpv_sv.json"


def swedish_path_for(path) -> Path | None:
    """The Swedish labels to load with the English file at `path`: cpv_sv.json beside it, or None."""
    candidate = Path(path).with_name("cpv_sv.json")
    if candidate.is_file() and candidate.resolve() != Path(path).resolve():
        return candidate
    return None


def parse_code(text: str) -> tuple[str, str | None] | None:
    """("45000000", "7") for "45000000-7", ("45000000", None) for "45000000", None if malformed."""
    match = CODE_RE.match(text.strip())
    if not match:
        return None
    return match.group(1), match.group(2)


def significant_prefix(code: str) -> str:
    """The digits that matter for "is descendant of": 45200000 → 452 (trailing zeros dropped, at least 2)."""
    stripped = code.rstrip("0")
    return stripped if len(stripped) >= 2 else code[:2]


def is_descendant_or_same(code: str, ancestor: str) -> bool:
    return code.startswith(significant_prefix(ancestor))


def resolve_codes(text: str) -> list[CpvCode]:
    """The CpvCode rows for a text of codes separated by commas, spaces or new lines.

    Accepts codes with or without the check digit and also the "code label" form the
    picker fills in. Raises ValidationError naming every code that is malformed, unknown
    or has the wrong check digit.
    """
    tokens = []
    for part in re.split(r"[,;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        # "45000000-7 Construction work" → take the first word only.
        tokens.append(TOKEN_SPLIT_RE.split(part)[0])
    parsed, errors = [], []
    for token in tokens:
        result = parse_code(token)
        if result is None:
            errors.append(
                _("“%(code)s” is not a CPV code (eight digits, optionally a dash and a check digit).") % {"code": token}
            )
        else:
            parsed.append((token, *result))
    found = CpvCode.objects.in_bulk([code for _token, code, _check in parsed])
    codes: list[CpvCode] = []
    for token, code, check in parsed:
        row = found.get(code)
        if row is None:
            errors.append(_("There is no CPV code %(code)s.") % {"code": token})
        elif check is not None and check != row.check_digit:
            errors.append(
                _("The check digit of %(code)s is wrong; the code is %(full)s.")
                % {"code": token, "full": row.full_code}
            )
        elif row not in codes:
            codes.append(row)
    if errors:
        raise ValidationError(errors)
    return codes


def format_codes(codes) -> str:
    return ", ".join(code.full_code for code in codes)


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] | None = None

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged


def _entries(mapping: dict, skipped: list[str]) -> dict[str, tuple[str, str]]:
    rows: dict[str, tuple[str, str]] = {}
    for key, label in mapping.items():
        match = FILE_KEY_RE.match(str(key).strip())
        if not match or key in NOT_CPV or not isinstance(label, str) or not label.strip():
            skipped.append(str(key))
            continue
        rows[match.group(1)] = (match.group(2), label.strip()[:400])
    return rows


@transaction.atomic
def load_cpv_mapping(mapping: dict[str, str], sv_mapping: dict[str, str] | None = None) -> LoadResult:
    """Create or update CpvCode rows from {"XXXXXXXX-Y": English label} and, when given, {"XXXXXXXX-Y": Swedish
    label}. Idempotent; skips entries that are not CPV codes. Without Swedish labels the stored ones stay (the
    divisions' own). A code only in the Swedish file gets its Swedish label as the English one too."""
    result = LoadResult(skipped=[])
    english = _entries(mapping, result.skipped)
    swedish = _entries(sv_mapping or {}, [])
    existing = CpvCode.objects.in_bulk(list(english.keys() | swedish.keys()))
    to_create, to_update = [], []
    for code in sorted(english.keys() | swedish.keys()):
        check, label = english.get(code) or swedish[code]
        row = existing.get(code)
        label_sv = swedish[code][1] if code in swedish else (row.label_sv if row else "")
        if row is None:
            row = CpvCode(code=code, check_digit=check, label=label, label_sv=label_sv)
            row.set_terms()
            to_create.append(row)
            continue
        if code not in english:
            label = row.label
        old = (row.check_digit, row.label, row.label_sv, row.terms_sv, row.terms_en)
        row.check_digit, row.label, row.label_sv = check, label, label_sv
        row.set_terms()
        if (row.check_digit, row.label, row.label_sv, row.terms_sv, row.terms_en) != old:
            to_update.append(row)
        else:
            result.unchanged += 1
    CpvCode.objects.bulk_create(to_create, batch_size=1000)
    CpvCode.objects.bulk_update(
        to_update, ["check_digit", "label", "label_sv", "terms_sv", "terms_en"], batch_size=1000
    )
    result.created, result.updated = len(to_create), len(to_update)
    _apply_division_labels()
    return result


def _read(path) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object of code: label")
    return data


def load_cpv_file(path, sv_path=None) -> LoadResult:
    """Load a JSON file in the format of cpv_en.json and Swedish labels from `sv_path` (same format) when given.
    Raises ValueError for an unreadable file."""
    return load_cpv_mapping(_read(path), _read(sv_path) if sv_path else None)


def _apply_division_labels() -> None:
    for code, _check, _en, sv in DIVISIONS:
        for row in CpvCode.objects.filter(code=code, label_sv=""):
            row.label_sv = sv
            row.save(update_fields=["label_sv"])


def load_vocabulary() -> LoadResult | None:
    """Load the whole vocabulary (English and Swedish labels) when the data files are there, else None."""
    path, sv_path = default_cpv_path(), default_cpv_sv_path()
    if not path.is_file():
        return None
    return load_cpv_file(path, sv_path if sv_path.is_file() else swedish_path_for(path))


@transaction.atomic
def load_divisions() -> int:
    """Make sure the 45 division codes exist (for the demo); existing rows stay. Returns how many were made."""
    existing = set(CpvCode.objects.filter(code__in=[d[0] for d in DIVISIONS]).values_list("code", flat=True))
    new = [
        CpvCode(code=code, check_digit=check, label=en, label_sv=sv)
        for code, check, en, sv in DIVISIONS
        if code not in existing
    ]
    for row in new:
        row.set_terms()
    CpvCode.objects.bulk_create(new)
    _apply_division_labels()
    return len(new)


def search_codes(text: str, limit: int = 50):
    """CPV codes for the picker: by the first digits of a code, or by words in the Swedish or English label.

    Words follow the one search rule (`projects.analysis`): every query term begins a term of the label (Swedish
    and English together), e.g. "solceller" finds "Solcellsmoduler". The database filters on the stored terms with
    `LIKE '% term%'`, so it takes the same few milliseconds on SQLite and PostgreSQL.
    """
    from django.db.models import Q

    from .analysis import query_terms

    text = (text or "").strip()
    digits = text.replace("-", "").replace(" ", "")
    if digits.isascii() and digits.isdigit():
        return CpvCode.objects.filter(code__startswith=digits[:8]).order_by("code")[:limit]
    wanted = query_terms(text)
    if not wanted:
        return CpvCode.objects.none()
    condition = Q()
    for term in wanted:
        condition &= Q(terms_sv__contains=" " + term) | Q(terms_en__contains=" " + term)
    return CpvCode.objects.filter(condition).order_by("code")[:limit]
