import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from projects import analysis
from projects.cpv import (
    default_cpv_path,
    default_cpv_sv_path,
    is_descendant_or_same,
    load_cpv_file,
    load_cpv_mapping,
    load_divisions,
    resolve_codes,
    search_codes,
)
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


# --- Swedish labels, the picker and labels by language -----------------------------------------------------------

SV_FILE = default_cpv_sv_path()
needs_both_files = pytest.mark.skipif(
    not (CPV_FILE.exists() and SV_FILE.exists()), reason="CPV data files (cpv_en.json, cpv_sv.json) not found"
)
CREDIT_EN = "Source: EU Publications Office, CPV 2008"
CREDIT_SV = "Källa: EU:s publikationsbyrå, CPV 2008"


def test_default_swedish_path_is_beside_the_repository(monkeypatch):
    monkeypatch.delenv("CPV_SV_DATA_FILE", raising=False)
    assert default_cpv_sv_path() == Path(settings.BASE_DIR).parent / "shared" / "data" / "cpv_sv.json"
    monkeypatch.setenv("CPV_SV_DATA_FILE", "/data/sv.json")
    assert default_cpv_sv_path() == Path("/data/sv.json")


def test_loading_both_labels_is_idempotent_and_fills_the_search_terms():
    english = {"09331200-0": "Solar photovoltaic modules", "45000000-7": "Construction work"}
    swedish = {"09331200-0": "Solcellsmoduler", "45000000-7": "Anläggningsarbete"}
    first = load_cpv_mapping(english, swedish)
    assert first.created == 2
    code = CpvCode.objects.get(code="09331200")
    assert (code.label, code.label_sv) == ("Solar photovoltaic modules", "Solcellsmoduler")
    assert code.terms_sv == " solcellsmodul"
    assert code.terms_en == " " + analysis.index_text("Solar photovoltaic modules")
    second = load_cpv_mapping(english, swedish)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    # English alone keeps the Swedish labels.
    assert load_cpv_mapping(english).unchanged == 2
    assert CpvCode.objects.get(code="09331200").label_sv == "Solcellsmoduler"


def test_load_cpv_command_reads_the_swedish_file_given_or_beside(tmp_path, capsys):
    (tmp_path / "en.json").write_text(json.dumps({"09331200-0": "Solar photovoltaic modules"}), encoding="utf-8")
    (tmp_path / "sv.json").write_text(json.dumps({"09331200-0": "Solcellsmoduler"}), encoding="utf-8")
    call_command("load_cpv", str(tmp_path / "en.json"))
    assert CpvCode.objects.get(code="09331200").label_sv == ""
    call_command("load_cpv", str(tmp_path / "en.json"), "--sv", str(tmp_path / "sv.json"))
    assert CpvCode.objects.get(code="09331200").label_sv == "Solcellsmoduler"
    (tmp_path / "cpv_en.json").write_text(json.dumps({"45000000-7": "Construction work"}), encoding="utf-8")
    (tmp_path / "cpv_sv.json").write_text(json.dumps({"45000000-7": "Anläggningsarbete"}), encoding="utf-8")
    call_command("load_cpv", str(tmp_path / "cpv_en.json"))
    assert CpvCode.objects.get(code="45000000").label_sv == "Anläggningsarbete"
    assert "cpv_sv.json" in capsys.readouterr().out


@needs_both_files
def test_load_cpv_loads_the_official_swedish_labels_once():
    call_command("load_cpv", str(CPV_FILE), "--sv", str(SV_FILE))
    swedish = json.loads(SV_FILE.read_text(encoding="utf-8"))
    assert CpvCode.objects.exclude(label_sv="").count() == len(swedish)
    assert CpvCode.objects.get(code="09331200").label_sv == swedish["09331200-0"] == "Solcellsmoduler"
    result = load_cpv_file(CPV_FILE, SV_FILE)
    assert result.created == result.updated == 0


@needs_both_files
@pytest.mark.parametrize(
    ("query", "language", "code", "label"),
    [
        ("solceller", "sv", "09331200-0", "Solcellsmoduler"),
        ("sol", "sv", "09331200-0", "Solcellsmoduler"),
        ("photovoltaic", "en", "09331200-0", "Solar photovoltaic modules"),
        ("solcellsmodul", "en", "09331200-0", "Solar photovoltaic modules"),  # Swedish words in English too
        ("09331", "en", "09331200-0", "Solar photovoltaic modules"),
    ],
)
def test_the_picker_searches_both_labels_and_shows_the_pages_language(client, query, language, code, label):
    load_cpv_file(CPV_FILE, SV_FILE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("projects:cpv_search"), {"q": query})
    text = page.content.decode()
    assert code in text and label in text
    assert (CREDIT_SV if language == "sv" else CREDIT_EN) in text
    data = client.get(reverse("projects:cpv_search"), {"q": query, "format": "json"}).json()
    assert {"code": code, "label": label} in data["results"]


@needs_both_files
def test_the_picker_answers_within_50_ms_on_the_whole_vocabulary():
    import time

    load_cpv_file(CPV_FILE, SV_FILE)
    for query in ("solceller", "bygg arbete", "medical equipment", "laddstolpe"):
        search_codes(query)  # warm
        started = time.perf_counter()
        list(search_codes(query))
        assert time.perf_counter() - started < 0.05, query


def test_the_picker_follows_the_search_rule():
    load_cpv_mapping(
        {"09331200-0": "Solar photovoltaic modules", "45000000-7": "Construction work"},
        {
            "09331200-0": "Solcellsmoduler",
            "45000000-7": "Anläggningsarbete",
        },
    )
    assert [c.code for c in search_codes("solceller")] == ["09331200"]
    assert [c.code for c in search_codes("SOLAR modules")] == ["09331200"]
    assert [c.code for c in search_codes("solar anläggning")] == []
    assert list(search_codes("s")) == []  # too short a prefix
    assert [c.code for c in search_codes("4500")] == ["45000000"]


def test_labels_follow_the_readers_language():
    code = CpvCode.objects.create(code="09331200", check_digit="0", label="Solar modules", label_sv="Solcellsmoduler")
    assert code.label_for("sv") == "Solcellsmoduler"
    assert code.label_for("en") == "Solar modules"
    with translation.override("en"):
        assert code.display_label == "Solar modules"
    with translation.override("sv"):
        assert code.display_label == "Solcellsmoduler"
    code.label_sv = ""
    assert code.label_for("sv") == "Solar modules"  # no Swedish label loaded: the English one


def test_the_need_page_shows_cpv_labels_in_the_readers_language_with_the_credit(client):
    from .factories import NeedFactory

    code = CpvCode.objects.create(code="09331200", check_digit="0", label="Solar modules", label_sv="Solcellsmoduler")
    need = NeedFactory(visibility="published")
    need.cpv_codes.set([code])
    url = reverse("projects:need_detail", args=[need.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Solar modules" in english and CREDIT_EN in english and "Solcellsmoduler" not in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    swedish = client.get(url).content.decode()
    assert "Solcellsmoduler" in swedish and CREDIT_SV in swedish
