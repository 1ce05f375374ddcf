"""OCDS releases of published needs (issue 19): what a release maps, when a new one is stored, and the
endpoints with their bad input, pagination, caching and query counts."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opendata import ocds_services
from opendata.models import Release
from opendata.ocds import iso
from opendata.schedule import BEAT_SCHEDULE
from opendata.tasks import sync_ocds_releases
from projects.models import Call, Need
from tests.projects.factories import AssessmentFactory, CallFactory, NeedFactory, QuestionFactory

from .ocds_world import SECRET, rich_need

pytestmark = pytest.mark.django_db


def _release(need) -> dict:
    return json.loads(Release.objects.filter(need=need).order_by("sequence").last().json)


def _get(client, url):
    response = client.get(url)
    return response, json.loads(response.content)


# --- what a release says ------------------------------------------------------------------------------------------


def test_release_names_the_buyer_by_its_organisationsnummer(settings):
    settings.OCDS_OCID_PREFIX = "ocds-t3st00"
    need = NeedFactory()
    ocds_services.sync_releases()

    release = _release(need)

    digits = need.organisation.org_number.replace("-", "")
    assert release["ocid"] == f"ocds-t3st00-need-{need.pk}"
    assert release["id"] == f"ocds-t3st00-need-{need.pk}-1"
    assert release["tag"] == ["planning"] and release["initiationType"] == "tender"
    assert release["parties"] == [
        {
            "id": f"SE-BLV-{digits}",
            "name": need.organisation.name,
            "identifier": {"scheme": "SE-BLV", "id": digits, "legalName": need.organisation.name},
            "roles": ["buyer", "procuringEntity"],
        }
    ]
    assert release["buyer"] == {"id": f"SE-BLV-{digits}", "name": need.organisation.name}


def test_release_maps_cpv_value_planned_start_calls_files_answers_amendments_and_milestones():
    need = rich_need()
    ocds_services.sync_releases()

    release = _release(need)
    tender = release["tender"]

    assert tender["status"] == "planning" and release["language"] == "sv"
    assert tender["items"] == [
        {
            "id": "1",
            "description": "Fossilfria arbetsmaskiner",
            "classification": {"scheme": "CPV", "id": "09310000", "description": "El"},
            "additionalClassifications": [
                {"scheme": "CPV", "id": "43200000", "description": "Maskiner för jordförflyttning"}
            ],
        }
    ]
    assert tender["value"] == {"amount": 4_500_000, "currency": "SEK"}
    assert tender["tenderPeriod"]["startDate"].startswith(need.planned_start.isoformat() + "T00:00:00+0")
    public = need.calls.exclude(published_at=None)
    assert len(tender["milestones"]) == 2 * public.count() == 8
    by_id = {milestone["id"]: milestone for milestone in tender["milestones"]}
    closed, cancelled = public.get(status=Call.Status.CLOSED), public.get(status=Call.Status.CANCELLED)
    scheduled, open_call = public.get(status=Call.Status.DRAFT), public.get(status=Call.Status.OPEN)
    assert by_id[f"call-{closed.pk}-closes"]["status"] == "met"
    assert by_id[f"call-{open_call.pk}-opens"]["status"] == "met"
    assert by_id[f"call-{open_call.pk}-closes"]["status"] == "scheduled"
    assert by_id[f"call-{scheduled.pk}-opens"]["status"] == "scheduled"
    assert by_id[f"call-{cancelled.pk}-closes"]["status"] == "notMet"
    assert "Ingen budget." in by_id[f"call-{cancelled.pk}-closes"]["description"]
    assert {milestone["type"] for milestone in tender["milestones"]} == {"engagement"}
    documents = {document["id"]: document for document in tender["documents"]}
    assert documents[f"call-{open_call.pk}"]["documentType"] == "plannedProcurementNotice"
    assert documents[f"call-{open_call.pk}"]["url"].endswith(f"/calls/{open_call.pk}/")
    files = sorted(d["title"] for d in tender["documents"] if d["id"].startswith("attachment-"))
    assert files == ["bilaga.pdf", "kravbild.pdf", "kravbild2.pdf"]
    replaced = next(d for d in tender["documents"] if d["title"] == "kravbild.pdf")
    assert "Ersatt genom ändring 1." in replaced["description"] and "/files/" in replaced["url"]
    answers = documents[f"call-{open_call.pk}-answers"]
    assert answers["documentType"] == "clarifications"
    assert "Gäller det även hjullastare?" in answers["description"] and tender["hasEnquiries"] is True
    assert [a["description"] for a in tender["amendments"]] == ["Kravbilden är rättad."]
    # The span of the market dialogue: from the first opening to the last closing of the calls held.
    held = public.exclude(status=Call.Status.CANCELLED)
    assert tender["enquiryPeriod"]["startDate"] == iso(min(call.opens_at for call in held))
    assert tender["enquiryPeriod"]["endDate"] == iso(max(call.closes_at for call in held))
    planning = {document["id"]: document for document in release["planning"]["documents"]}
    assert release["planning"]["rationale"] == "Dieselmaskinerna släpper ut för mycket."
    assert planning["need"]["documentType"] == "needsAssessment"
    assert "Marknaden har prototyper" in planning["market-analysis"]["description"]
    assert "Slutsats" in planning["market-analysis"]["description"]


def test_release_leaves_out_drafts_responses_unpublished_questions_and_the_internal_assessment():
    need = rich_need()
    NeedFactory(organisation=need.organisation, visibility=Need.Visibility.DRAFT, title=SECRET, published_at=None)
    ocds_services.sync_releases()

    assert Release.objects.count() == 1
    text = Release.objects.get().json
    assert SECRET not in text
    assert "procurementMethod" not in text  # the chosen procedure is internal while the need is in the dialogue


def test_the_chosen_procedure_is_published_once_the_need_has_moved_on_to_the_procurement():
    need = NeedFactory(stage=Need.Stage.PROCUREMENT)
    AssessmentFactory(need=need, chosen_procedure="competitive_dialogue")
    other = NeedFactory(stage=Need.Stage.FOLLOW_UP)
    AssessmentFactory(need=other, chosen_procedure="pcp")
    ocds_services.sync_releases()

    tender, other_tender = _release(need)["tender"], _release(other)["tender"]

    assert tender["status"] == "planned"
    assert (tender["procurementMethod"], tender["procurementMethodDetails"]) == (
        "selective",
        "Konkurrenspräglad dialog",
    )
    assert "procurementMethod" not in other_tender
    assert other_tender["procurementMethodDetails"] == "Förkommersiell upphandling"


# --- when a release is stored ---------------------------------------------------------------------------------------


def test_sync_stores_a_planning_update_only_when_the_public_content_changed():
    need = NeedFactory()
    assert ocds_services.sync_releases() == 1
    first = Release.objects.get()

    assert ocds_services.sync_releases() == 0  # nothing changed
    CallFactory(need=need)
    assert ocds_services.sync_need_releases(need=need) == 1

    second = Release.objects.order_by("sequence").last()
    assert (first.tag, second.tag, second.sequence) == ("planning", "planningUpdate", 2)
    assert second.date > first.date
    assert json.loads(second.json)["tag"] == ["planningUpdate"]
    assert Release.objects.get(pk=first.pk).json == first.json  # a release never changes


def test_an_amendment_a_published_answer_and_a_call_closing_by_the_clock_are_planning_updates(monkeypatch):
    need = NeedFactory()
    call = CallFactory(need=need, closes_at=timezone.now() + timedelta(hours=1))
    ocds_services.sync_releases()
    QuestionFactory(call=call)  # pending: not public
    assert ocds_services.sync_releases() == 0

    QuestionFactory(call=call, published=True)
    assert ocds_services.sync_releases() == 1
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(ocds_services, "database_now", lambda: later)
    assert ocds_services.sync_releases() == 1  # the call closed by its dates, before any task moved it

    closes = next(m for m in _release(need)["tender"]["milestones"] if m["code"] == "callCloses")
    assert closes["status"] == "met"
    assert list(Release.objects.order_by("sequence").values_list("tag", flat=True)) == [
        "planning",
        "planningUpdate",
        "planningUpdate",
    ]


def test_a_need_back_in_draft_has_no_releases_to_anyone(client):
    need = NeedFactory()
    ocds_services.sync_releases()
    Need.objects.filter(pk=need.pk).update(visibility=Need.Visibility.DRAFT)

    for name in ("opendata:ocds_need_releases", "opendata:ocds_need_record"):
        response, body = _get(client, reverse(name, args=[need.pk]))
        assert response.status_code == 404 and body["error"]["code"] == "not_found"
    assert client.get(reverse("opendata:ocds_releases")).status_code == 404


def test_beat_runs_the_sync_every_five_minutes():
    NeedFactory()
    entry = BEAT_SCHEDULE["opendata-sync-ocds-releases"]

    assert entry["task"] == sync_ocds_releases.name and entry["schedule"] == 300
    assert sync_ocds_releases() == 1


# --- the endpoints --------------------------------------------------------------------------------------------------


def test_the_record_holds_every_release_and_the_compiled_release(client):
    need = NeedFactory()
    ocds_services.sync_releases()
    CallFactory(need=need)
    ocds_services.sync_releases()

    response, package = _get(client, reverse("opendata:ocds_need_record", args=[need.pk]))

    (record,) = package["records"]
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert [release["tag"] for release in record["releases"]] == [["planning"], ["planningUpdate"]]
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert record["compiledRelease"]["tender"]["milestones"] == record["releases"][1]["tender"]["milestones"]
    assert package["packages"] == ["http://127.0.0.1:8000" + reverse("opendata:ocds_need_releases", args=[need.pk])]


def test_packages_name_the_publisher_licence_and_publication_policy(client, settings):
    settings.OPEN_DATA_PUBLISHER_NAME = "Myndigheten"
    settings.OPEN_DATA_PUBLISHER_URI = "https://myndigheten.example/"
    settings.OPEN_DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
    need = NeedFactory()
    ocds_services.sync_releases()

    _response, package = _get(client, reverse("opendata:ocds_need_releases", args=[need.pk]))

    assert package["publisher"] == {"name": "Myndigheten", "uri": "https://myndigheten.example/"}
    assert package["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert package["publicationPolicy"] == "http://127.0.0.1:8000/oppna-data/"
    assert package["version"] == "1.1"
    assert package["uri"] == "http://127.0.0.1:8000" + reverse("opendata:ocds_need_releases", args=[need.pk])


def test_the_list_of_everything_is_paged_with_links_next_and_a_link_header(client):
    NeedFactory.create_batch(5)
    ocds_services.sync_releases()

    seen, url, pages = [], reverse("opendata:ocds_releases") + "?since=2000-01-01&page_size=2", 0
    while url:
        response, package = _get(client, url)
        assert response.status_code == 200
        pages += 1
        seen += [release["id"] for release in package["releases"]]
        url = package.get("links", {}).get("next")
        if url:
            assert response["Link"] == f'<{url}>; rel="next"'
            assert "since=2000-01-01" in url and "page_size=2" in url
        else:
            assert "Link" not in response

    assert pages == 3 and sorted(seen) == sorted(Release.objects.values_list("release_id", flat=True))


def test_since_keeps_only_releases_dated_at_or_after_it(client, monkeypatch):
    old, new = NeedFactory(), NeedFactory()
    monkeypatch.setattr(ocds_services, "database_now", lambda: timezone.now() - timedelta(days=10))
    ocds_services.sync_releases(need_ids=[old.pk])
    monkeypatch.undo()
    ocds_services.sync_releases(need_ids=[new.pk])
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    _response, package = _get(client, reverse("opendata:ocds_releases") + f"?since={since}")

    assert [release["ocid"].rsplit("-", 1)[1] for release in package["releases"]] == [str(new.pk)]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("since=igår", "invalid_since"),
        ("since=2026-13-01", "invalid_since"),
        ("since=2026-05-01T08:00:00", "invalid_since"),  # no time zone
        ("since=0001-01-01", "invalid_since"),
        ("since=%00", "invalid_since"),
        ("page_size=many", "invalid_page_size"),
        ("page_size=0", "invalid_page_size"),
        ("cursor=not-a-cursor", "invalid_cursor"),
        ("cursor=MjAyNg", "invalid_cursor"),
        ("state=open", "unknown_parameter"),
    ],
)
def test_bad_input_to_the_list_is_a_400_with_a_json_error(client, query, code):
    NeedFactory()
    ocds_services.sync_releases()

    response, body = _get(client, reverse("opendata:ocds_releases") + "?" + query)

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert body["error"]["code"] == code and body["error"]["message"]


def test_a_huge_page_size_is_capped_and_a_page_beyond_the_end_is_a_404(client):
    NeedFactory()
    ocds_services.sync_releases()
    response, package = _get(client, reverse("opendata:ocds_releases") + "?page_size=100000000000")
    assert response.status_code == 200 and len(package["releases"]) == 1

    release = Release.objects.get()
    from opendata.ocds_views import make_cursor

    response, body = _get(client, reverse("opendata:ocds_releases") + f"?cursor={make_cursor(release)}")
    assert response.status_code == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("pk", ["999999", "abc", "1%00", "-1", "9" * 40])
def test_an_unknown_need_is_a_404_with_a_json_error(client, pk):
    NeedFactory()
    ocds_services.sync_releases()
    for name in ("opendata:ocds_need_releases", "opendata:ocds_need_record"):
        response, body = _get(client, reverse(name, args=[pk]))
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert body == {"error": {"code": "not_found", "message": "Det finns inget publicerat behov med detta id."}}


def test_the_endpoints_are_read_only(client):
    need = NeedFactory()
    ocds_services.sync_releases()
    assert client.post(reverse("opendata:ocds_need_releases", args=[need.pk])).status_code == 405


def test_a_stored_package_is_served_without_a_query_with_its_headers_and_is_stale_after_a_new_release(
    client, django_assert_num_queries
):
    need = NeedFactory.create_batch(3)[0]
    ocds_services.sync_releases()
    url = reverse("opendata:ocds_releases") + "?page_size=2"
    client.get(url)  # a write made in the test ends its request here: the page is stored again below
    first = client.get(url)

    with django_assert_num_queries(0):
        again = client.get(url)

    assert again.content == first.content and again["Link"] == first["Link"]
    assert again["Content-Type"] == "application/json" and again["Access-Control-Allow-Origin"] == "*"
    CallFactory(need=need)
    ocds_services.sync_releases()
    assert client.get(reverse("opendata:ocds_need_releases", args=[need.pk])).content.count(b'"planningUpdate"') == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_of_everything_makes_as_many_queries_for_one_need_as_for_many(client, uncached_pages):
    NeedFactory()
    ocds_services.sync_releases()
    one = _queries(client, reverse("opendata:ocds_releases"))
    for need in NeedFactory.create_batch(15):
        CallFactory(need=need)
    ocds_services.sync_releases()

    assert _queries(client, reverse("opendata:ocds_releases")) == one


def test_a_needs_packages_make_as_many_queries_for_one_release_as_for_many(client, uncached_pages):
    need = NeedFactory()
    ocds_services.sync_releases()
    urls = [reverse(name, args=[need.pk]) for name in ("opendata:ocds_need_releases", "opendata:ocds_need_record")]
    one = [_queries(client, url) for url in urls]
    for _ in range(4):
        CallFactory(need=need)
        ocds_services.sync_releases()

    assert Release.objects.filter(need=need).count() == 5
    assert [_queries(client, url) for url in urls] == one


def test_the_sync_makes_as_many_queries_for_one_need_as_for_many():
    rich_need()
    with CaptureQueriesContext(connection) as one:
        ocds_services.sync_releases()
    for _ in range(5):
        rich_need()
    Release.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        ocds_services.sync_releases()

    assert Release.objects.count() == 6
    assert len(many) == len(one)
