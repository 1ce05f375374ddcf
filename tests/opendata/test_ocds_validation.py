"""The OCDS data of the demo, validated against the standard itself (issue 19): every package the endpoints serve
has no error against the OCDS 1.1.5 schemas and closed codelists, and each record's compiled release is what the
OCDS maintainers' merge library (ocdsmerge) makes from its releases."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from ocdsmerge import Merger
from ocdsmerge.rules import get_merge_rules

from opendata.models import Release
from opendata.ocds_merge import MERGE_RULES
from projects.models import Need
from tests.factories import OrganisationFactory
from tests.projects.factories import AssessmentFactory, CallFactory, NeedFactory

from .ocds_schema import errors, release_schema_path, require_schemas
from .ocds_world import rich_need

pytestmark = pytest.mark.django_db


def test_the_merge_rules_are_those_of_the_ocds_release_schema():
    require_schemas()
    assert MERGE_RULES == get_merge_rules(release_schema_path())


def _packages_of_the_demo(client) -> tuple[list[dict], list[dict], list[dict]]:
    """Every need's release and record package, and the pages of the list of everything (three a page)."""
    release_packages, record_packages, pages = [], [], []
    for pk in Need.objects.filter(visibility=Need.Visibility.PUBLISHED).values_list("pk", flat=True):
        response = client.get(reverse("opendata:ocds_need_releases", args=[pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        release_packages.append(json.loads(response.content))
        response = client.get(reverse("opendata:ocds_need_record", args=[pk]))
        assert response.status_code == 200
        record_packages.append(json.loads(response.content))
    url = reverse("opendata:ocds_releases") + "?page_size=3"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(json.loads(response.content))
        url = pages[-1].get("links", {}).get("next")
    return release_packages, record_packages, pages


def test_every_package_of_the_demo_is_valid_ocds_and_every_record_is_what_ocdsmerge_compiles(
    client, settings, monkeypatch, tmp_path
):
    require_schemas()
    monkeypatch.setenv("CPV_DATA_FILE", str(tmp_path / "missing.json"))  # the demo with the 45 divisions only
    settings.OCDS_OCID_PREFIX = "ocds-t3st00"
    settings.OPEN_DATA_PUBLISHER_URI = "https://www.example.org/"
    need = rich_need()
    # A need written in English, of an organisation that lost its number (no SE-BLV identifier).
    english = NeedFactory(language="en", organisation=OrganisationFactory(org_number=None), stage=Need.Stage.FOLLOW_UP)
    AssessmentFactory(need=english, chosen_procedure="functional")
    CallFactory(need=english, language="en")
    call_command("seed_demo", stdout=io.StringIO())
    call_command("ocds_sync", stdout=io.StringIO())
    # Changes after the first releases: an edited need and a new call make planning updates.
    need.title = "Fossilfria arbetsmaskiner i kommunen"
    need.stage = Need.Stage.PROCUREMENT
    need.save()
    call_command("ocds_sync", stdout=io.StringIO())
    assert Release.objects.filter(tag="planningUpdate").exists()
    assert Release.objects.filter(need=need).count() == 2

    release_packages, record_packages, pages = _packages_of_the_demo(client)
    release_packages += pages

    assert len(record_packages) == Need.objects.filter(visibility=Need.Visibility.PUBLISHED).count() > 5
    problems = [f"release package {i}{line}" for i, p in enumerate(release_packages) for line in errors(p, "release")]
    problems += [f"record package {i}{line}" for i, p in enumerate(record_packages) for line in errors(p, "record")]
    assert problems == []
    merger = Merger(schema=release_schema_path())
    for package in record_packages:
        (record,) = package["records"]
        assert record["compiledRelease"] == merger.create_compiled_release(record["releases"])
    english_record = next(p for p in record_packages if p["records"][0]["ocid"].endswith(f"-need-{english.pk}"))
    compiled = english_record["records"][0]["compiledRelease"]
    assert compiled["language"] == "en" and "identifier" not in compiled["parties"][0]
    assert compiled["tender"]["procurementMethodDetails"] == "Procurement with functional requirements"
    # The list of everything served every stored release once.
    listed = [release["id"] for page in pages for release in page["releases"]]
    assert sorted(listed) == sorted(Release.objects.values_list("release_id", flat=True))


def test_the_validator_finds_a_closed_codelist_value_a_bad_date_and_a_missing_field():
    require_schemas()
    release = {
        "ocid": "ocds-t3st00-need-1",
        "id": "ocds-t3st00-need-1-1",
        "date": "igår",
        "tag": ["planning"],
        "initiationType": "tender",
        "tender": {"id": "1", "status": "pågår", "value": {"amount": 1, "currency": "KRONOR"}},
    }
    package = {"uri": "https://example.org/p.json", "version": "1.1", "publishedDate": "2026-01-01T00:00:00Z"}

    found = errors({**package, "publisher": {"name": "P"}, "releases": [release]}, "release")
    missing = errors({**package, "releases": [release]}, "release")

    assert any("/releases/0/date" in line for line in found)
    assert any("/releases/0/tender/status" in line and "tenderStatus.csv" in line for line in found)
    assert any("/releases/0/tender/value/currency" in line for line in found)
    assert any("'publisher' is a required property" in line for line in missing)
