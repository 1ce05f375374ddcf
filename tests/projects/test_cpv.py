import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from projects.cpv import default_cpv_path, is_descendant_or_same, load_cpv_mapping, load_divisions, resolve_codes
from projects.cpv_divisions import DIVISIONS
from projects.models import CpvCode

CPV_FILE = default_cpv_path()
needs_file = pytest.mark.skipif(not CPV_FILE.exists(), reason=f"CPV data file not found at {CPV_FILE}")

pytestmark = pytest.mark.django_db


def test_default_path_is_beside_the_repository(monkeypatch):
    monkeypatch.delenv("CPV_DATA_FILE", raising=False)
    assert default_cpv_path() == Path(settings.BASE_DIR).parent / "shared" / "data" / "cpv_en.json"
    monkeypatch.setenv("CPV_DATA_FILE", "/data/cpv.json")
    assert default_cpv_path() == Path("/data/cpv.json")


@needs_file
def test_load_cpv_command_loads_the_full_file_and_is_idempotent(capsys):
    call_command("load_cpv", str(CPV_FILE))
    first = capsys.readouterr().out
    count = CpvCode.objects.count()
    entries = json.loads(CPV_FILE.read_text(encoding="utf-8"))
    assert count == len(entries) - 1  # the placeholder 99999999-9 is skipped
    assert "99999999-9" in first and f"Loaded {count} CPV codes" in first
    assert not CpvCode.objects.filter(code="99999999").exists()
    assert CpvCode.objects.get(code="45000000").check_digit == "7"
    call_command("load_cpv", str(CPV_FILE))
    second = capsys.readouterr().out
    assert CpvCode.objects.count() == count
    assert "0 new, 0 updated" in second


def test_load_cpv_command_skips_entries_that_are_not_codes(tmp_path, capsys):
    path = tmp_path / "cpv.json"
    path.write_text(
        json.dumps(
            {
                "45000000-7": "Construction work",
                "abc": "x",
                "1234-5": "short",
                "99999999-9": "Not here",
                "72000000-5": "IT services",
            }
        ),
        encoding="utf-8",
    )
    call_command("load_cpv", str(path))
    out = capsys.readouterr().out
    assert sorted(CpvCode.objects.values_list("code", flat=True)) == ["45000000", "72000000"]
    assert "Skipped 3" in out


def test_load_cpv_command_reports_an_unreadable_file(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_cpv", str(tmp_path / "missing.json"))


def test_loading_updates_a_changed_label_and_keeps_swedish_division_labels():
    load_divisions()
    result = load_cpv_mapping({"45000000-7": "Construction work (new label)"})
    code = CpvCode.objects.get(code="45000000")
    assert result.updated == 1
    assert code.label == "Construction work (new label)"
    assert code.label_sv == "Byggentreprenad"


def test_load_divisions_makes_45_codes_once():
    assert len(DIVISIONS) == 45
    assert load_divisions() == 45
    assert load_divisions() == 0
    assert CpvCode.objects.count() == 45
    assert all(code.endswith("000000") for code, *_ in DIVISIONS)


@pytest.mark.parametrize("text", ["45000000-7", "45000000", " 45000000-7 Construction work ", "45000000;"])
def test_resolve_codes_accepts_code_with_or_without_check_digit(text):
    load_divisions()
    assert [c.code for c in resolve_codes(text)] == ["45000000"]


def test_resolve_codes_handles_several_and_removes_duplicates():
    load_divisions()
    codes = resolve_codes("45000000-7, 72000000\n45000000")
    assert [c.code for c in codes] == ["45000000", "72000000"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12345678", "There is no CPV code 12345678"),
        ("45000000-1", "check digit"),
        ("4500", "is not a CPV code"),
        ("bygg", "is not a CPV code"),
    ],
)
def test_resolve_codes_rejects_bad_codes_with_a_clear_message(text, message):
    load_divisions()
    with translation.override("en"), pytest.raises(ValidationError) as error:
        resolve_codes(text)
    assert message in " ".join(error.value.messages)


@pytest.mark.parametrize(
    ("code", "ancestor", "expected"),
    [
        ("45210000", "45000000", True),
        ("45000000", "45000000", True),
        ("45210000", "45200000", True),
        ("45310000", "45200000", False),
        ("72000000", "45000000", False),
        ("45000000", "45200000", False),
    ],
)
def test_a_code_matches_its_descendants(code, ancestor, expected):
    assert is_descendant_or_same(code, ancestor) is expected
