"""The read API (/api/v1/): what each list and item shows and hides, the catalogue's filters, cursor pagination,
the error body for bad input, and the rules of every URL (read-only, rate limit, page cache)."""

import os
import uuid
from datetime import date, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.core import signing
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.models import GrantCall
from opendata import api
from projects import services
from projects.models import Need
from tests.checks.factories import GrantCallFactory
from tests.factories import make_buyer, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, closed_call, cpv, draft_call
from tests.webinars.factories import SeriesFactory, SpeakerFactory, WebinarFactory
from webinars.models import Webinar

pytestmark = pytest.mark.django_db


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def _ids(body) -> list[int]:
    return [item["id"] for item in body["results"]]


def _error(client, url, status, code, method="get"):
    response = getattr(client, method)(url)
    assert response.status_code == status, (url, response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    return response


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


def _all_pages(client, url) -> list[int]:
    ids = []
    while url:
        body = _get(client, url)
        ids += _ids(body)
        url = body["next"]
    return ids


# --- needs ---------------------------------------------------------------------------------------------------------


def test_need_list_shows_published_needs_only():
    published = NeedFactory(title="Solceller på skolor")
    NeedFactory(visibility=Need.Visibility.DRAFT)
    from django.test import Client

    body = _get(Client(), "/api/v1/needs/")
    assert _ids(body) == [published.pk]
    item = body["results"][0]
    assert item["title"] == "Solceller på skolor"
    assert item["url"] == f"/api/v1/needs/{published.pk}/"
    assert item["html_url"] == f"/needs/{published.pk}/"
    assert item["organisation"] == {"id": published.organisation_id, "name": published.organisation.name}
    assert body["next"] is None


def test_need_list_filters_like_the_catalogue(client):
    energy = NeedFactory(category="energi", stage=Need.Stage.DIALOGUE)
    energy.cpv_codes.add(cpv("09331200", "0", "Solar panels"))
    it = NeedFactory(category="it", stage=Need.Stage.NEED, themes=["sakerhet"])
    with_open_call = CallFactory(need=NeedFactory(category="vard")).need
    assert _ids(_get(client, "/api/v1/needs/?category=energi")) == [energy.pk]
    assert _ids(_get(client, "/api/v1/needs/?stage=dialog")) == [energy.pk]
    assert _ids(_get(client, "/api/v1/needs/?cpv_division=09")) == [energy.pk]
    assert _ids(_get(client, "/api/v1/needs/?theme=sakerhet")) == [it.pk]
    assert _ids(_get(client, "/api/v1/needs/?calls=open")) == [with_open_call.pk]
    assert _ids(_get(client, f"/api/v1/needs/?organisation={it.organisation_id}")) == [it.pk]
    assert _get(client, "/api/v1/needs/?category=energi")["results"][0]["cpv"] == [
        {"code": "09331200-0", "label": "Solar panels", "label_sv": ""}
    ]


def test_need_list_search_finds_words_and_ranks_them(client):
    title = NeedFactory(title="Vätgas för bussar")
    summary = NeedFactory(title="Kollektivtrafik", summary="Bussar som drivs med vätgas.")
    NeedFactory(title="Skolmat")
    for need in Need.objects.all():
        services.update_search_vectors(need=need)
    assert _ids(_get(client, "/api/v1/needs/?q=vätgas")) == [title.pk, summary.pk]
    assert _all_pages(client, "/api/v1/needs/?q=vätgas&limit=1") == [title.pk, summary.pk]


def test_need_list_pages_by_cursor_in_every_order(client):
    today = date.today()
    needs = [NeedFactory(planned_start=today + timedelta(days=n % 3) if n % 2 else None) for n in range(7)]
    newest_first = sorted(needs, key=lambda need: (need.published_at, need.pk), reverse=True)
    assert _all_pages(client, "/api/v1/needs/?limit=3") == [need.pk for need in newest_first]
    assert _all_pages(client, "/api/v1/needs/?sort=newest&limit=2") == [need.pk for need in newest_first]
    closing = _all_pages(client, "/api/v1/needs/?sort=closing&limit=2")
    assert closing == _ids(_get(client, "/api/v1/needs/?sort=closing&limit=100"))
    assert len(set(closing)) == 7
    starts = [Need.objects.get(pk=pk).planned_start for pk in closing]
    dated = [start for start in starts if start is not None]
    assert dated == sorted(dated) and starts[len(dated) :] == [None] * (7 - len(dated))


def test_need_list_next_link_keeps_the_filters(client):
    for _n in range(3):
        NeedFactory(category="it")
    NeedFactory(category="energi")
    body = _get(client, "/api/v1/needs/?category=it&limit=2")
    assert "category=it" in body["next"] and "limit=2" in body["next"]
    assert len(_all_pages(client, "/api/v1/needs/?category=it&limit=2")) == 3


def test_need_detail_shows_its_published_calls_only(client):
    call = CallFactory(description="Vi söker lösningar.")
    draft_call(need=call.need)
    body = _get(client, f"/api/v1/needs/{call.need_id}/")
    assert body["problem"] == "Problemet."
    assert [item["id"] for item in body["calls"]] == [call.pk]
    assert body["calls"][0]["state"] == "open"


def test_need_detail_of_a_draft_is_not_found_even_for_its_buyer(client):
    buyer = make_buyer()
    draft = NeedFactory(organisation=organisation_of(buyer), visibility=Need.Visibility.DRAFT)
    client.force_login(buyer)
    _error(client, f"/api/v1/needs/{draft.pk}/", 404, "not_found")
    _error(client, "/api/v1/needs/999999999/", 404, "not_found")
    _error(client, "/api/v1/needs/99999999999999999999999/", 404, "not_found")


# --- calls ---------------------------------------------------------------------------------------------------------


def test_call_list_shows_open_calls_unless_asked(client):
    open_call = CallFactory()
    closed = closed_call()
    draft_call()
    assert _ids(_get(client, "/api/v1/calls/")) == [open_call.pk]
    assert _ids(_get(client, "/api/v1/calls/?state=closed")) == [closed.pk]
    assert sorted(_ids(_get(client, "/api/v1/calls/?state=all"))) == sorted([open_call.pk, closed.pk])
    assert _ids(_get(client, "/api/v1/calls/?kind=consultation")) == []


def test_call_detail_of_a_draft_is_not_found(client):
    call = CallFactory(questions_to_market="Vad finns?")
    body = _get(client, f"/api/v1/calls/{call.pk}/")
    assert body["questions_to_market"] == "Vad finns?"
    assert body["need"] == {"id": call.need_id, "title": call.need.title, "url": f"/api/v1/needs/{call.need_id}/"}
    _error(client, f"/api/v1/calls/{draft_call().pk}/", 404, "not_found")


# --- webinars ------------------------------------------------------------------------------------------------------


def test_webinar_list_never_shows_the_join_link_nor_drafts(client):
    upcoming = WebinarFactory()
    SpeakerFactory(webinar=upcoming, name="Anna")
    WebinarFactory(status=Webinar.Status.DRAFT)
    response = client.get("/api/v1/webinars/")
    assert b"secret-room" not in response.content
    assert _ids(response.json()) == [upcoming.pk]
    assert response.json()["results"][0]["speakers"] == [{"name": "Anna", "title": "Expert", "organisation": "Agency"}]
    assert b"secret-room" not in client.get(f"/api/v1/webinars/{upcoming.pk}/").content


def test_webinar_list_past_shows_the_recording(client):
    now = timezone.now()
    series = SeriesFactory(slug="i-fokus")
    past = WebinarFactory(
        series=series,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
        recording_url="https://video.example.org/1.mp4",
    )
    WebinarFactory()
    body = _get(client, "/api/v1/webinars/?when=past&series=i-fokus")
    assert _ids(body) == [past.pk]
    assert body["results"][0]["recording_url"] == "https://video.example.org/1.mp4"
    assert _ids(_get(client, "/api/v1/webinars/?series=other")) == []


def test_webinar_detail_of_a_draft_is_not_found(client):
    _error(client, f"/api/v1/webinars/{WebinarFactory(status=Webinar.Status.DRAFT).pk}/", 404, "not_found")


# --- grant calls ---------------------------------------------------------------------------------------------------


def test_grant_calls_show_published_calls_with_tracks_and_criteria(client):
    call = GrantCallFactory()
    draft = GrantCallFactory(published=False)
    body = _get(client, "/api/v1/grant-calls/")
    assert _ids(body) == [call.pk]
    assert body["results"][0]["phase"] == "open"
    assert [track["cap_one_sek"] for track in body["results"][0]["tracks"]] == [200_000, 200_000]
    detail = _get(client, f"/api/v1/grant-calls/{call.pk}/")
    assert [(criterion["name"], criterion["weight"]) for criterion in detail["criteria"]] == [
        ("Innovationshöjd", 3),
        ("Genomförbarhet", 1),
    ]
    assert draft.status == GrantCall.Status.DRAFT
    _error(client, f"/api/v1/grant-calls/{draft.pk}/", 404, "not_found")


# --- bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["limit=101", "limit=100000000000000000000", "limit=0", "limit=abc", "stage=junk", "category=", "sort=oldest"],
)
def test_a_bad_value_is_refused(client, query):
    _error(client, f"/api/v1/needs/?{query}", 400, "invalid_parameter")


def test_a_control_character_in_the_search_is_refused(client):
    _error(client, "/api/v1/needs/?q=sol%00celler", 400, "invalid_parameter")


@pytest.mark.parametrize("url", ["/api/v1/needs/?page=2", "/api/v1/calls/?calls=open", "/api/v1/needs/1/?x=1"])
def test_an_unknown_parameter_is_refused(client, url):
    response = _error(client, url, 400, "unknown_parameter")
    assert "openapi.json" in response.json()["error"]["message"]


def test_a_malformed_cursor_is_refused(client):
    for _n in range(3):
        NeedFactory()
    cursor = _cursor(_get(client, "/api/v1/needs/?limit=1")["next"])
    _error(client, "/api/v1/needs/?cursor=abc", 400, "invalid_cursor")
    _error(client, f"/api/v1/needs/?cursor={quote(cursor[:-2])}", 400, "invalid_cursor")
    _error(client, f"/api/v1/needs/?cursor={quote(cursor[1:])}", 400, "invalid_cursor")
    forged = signing.dumps({"k": "x", "v": [1]}, salt="opendata.api.cursor")
    _error(client, f"/api/v1/needs/?cursor={forged}", 400, "invalid_cursor")
    _error(client, f"/api/v1/needs/?cursor={'a' * 1001}", 400, "invalid_parameter")


def test_a_cursor_of_other_filters_is_refused(client):
    for _n in range(3):
        NeedFactory(category="it")
    cursor = _cursor(_get(client, "/api/v1/needs/?category=it&limit=1")["next"])
    _error(client, f"/api/v1/needs/?category=energi&limit=1&cursor={quote(cursor)}", 400, "invalid_cursor")
    _error(client, f"/api/v1/calls/?cursor={quote(cursor)}", 400, "invalid_cursor")
    assert _get(client, f"/api/v1/needs/?category=it&limit=2&cursor={quote(cursor)}")["results"]


def test_an_unknown_address_answers_a_json_404(client):
    _error(client, "/api/v1/tenders/", 404, "not_found")
    _error(client, "/api/v1/needs/abc/", 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_answer_405(client, method):
    response = _error(client, "/api/v1/needs/", 405, "method_not_allowed", method=method)
    assert response["Allow"] == "GET, HEAD"


def test_head_answers_as_get(client):
    NeedFactory()
    response = client.head("/api/v1/needs/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_post_needs_no_csrf_token_to_be_refused_with_405():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/api/v1/needs/")
    assert response.status_code == 405


# --- rate limit and cache ------------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after(client, settings):
    settings.OPEN_DATA_API_REQUESTS_PER_MINUTE = 3
    for _n in range(3):
        assert client.get("/api/v1/needs/").status_code == 200
    response = _error(client, "/api/v1/grant-calls/", 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    other = client.get("/api/v1/needs/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_rate_limit_counts_requests_served_from_the_cache(client, settings):
    settings.OPEN_DATA_API_REQUESTS_PER_MINUTE = 2
    client.get("/api/v1/needs/")
    client.get("/api/v1/needs/")
    assert client.get("/api/v1/needs/").status_code == 429


def test_list_is_served_from_the_page_cache_until_a_need_changes(client):
    need = NeedFactory(title="Före")
    _get(client, "/api/v1/needs/")  # stored, under the generation the factory's write had at the end of this request
    _get(client, "/api/v1/needs/")  # stored under the generation now
    with CaptureQueriesContext(connection) as queries:
        body = _get(client, "/api/v1/needs/")
    assert len(queries) == 0
    assert body["results"][0]["title"] == "Före"
    assert client.get("/api/v1/needs/")["Access-Control-Allow-Origin"] == "*"
    need.title = "Efter"
    need.save()
    assert _get(client, "/api/v1/needs/")["results"][0]["title"] == "Efter"


def test_index_lists_the_resources(client, settings):
    settings.OPEN_DATA_LICENSE = "https://example.org/licence"
    body = _get(client, "/api/v1/")
    assert body["resources"] == {
        "needs": "/api/v1/needs/",
        "calls": "/api/v1/calls/",
        "webinars": "/api/v1/webinars/",
        "grant-calls": "/api/v1/grant-calls/",
    }
    assert body["openapi"] == "/api/v1/openapi.json"
    assert body["license"] == "https://example.org/licence"


def test_error_messages_are_swedish_unless_english_was_chosen(client, settings):
    swedish = client.get("/api/v1/needs/?x=1", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/api/v1/needs/?x=1").json()["error"]["message"]
    assert swedish == "Okänd frågeparameter: x. Se /api/v1/openapi.json."
    assert english == "Unknown query parameter: x. See /api/v1/openapi.json."


def test_cursor_pages_pass_needs_without_a_publication_time_once(client):
    """Needs published before `published_at` was kept have none: first when newest come first, as the catalogue's
    index sorts them (PostgreSQL's nulls above every value), each exactly once across the pages."""
    dated = [NeedFactory() for _n in range(3)]
    undated = [NeedFactory(published_at=None) for _n in range(3)]
    pages = _all_pages(client, "/api/v1/needs/?limit=2")
    assert sorted(pages) == sorted(need.pk for need in dated + undated)
    assert set(pages[:3]) == {need.pk for need in undated}
    assert _all_pages(client, "/api/v1/needs/?limit=1&sort=newest") == pages


REDIS_URL = os.environ.get("REDIS_URL", "")


def _redis_cache(location: str) -> dict:
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    return {
        "default": {"BACKEND": "portal.cache_backends.TolerantRedisCache", "LOCATION": location, "OPTIONS": options}
    }


@pytest.mark.skipif(not REDIS_URL, reason="needs the Redis of REDIS_URL")
def test_rate_limit_on_redis_counts_in_one_window(client, settings):
    settings.CACHES = _redis_cache(REDIS_URL)
    settings.PUBLIC_PAGE_CACHE = False
    settings.OPEN_DATA_API_REQUESTS_PER_MINUTE = 2
    key = f"192.0.2.{uuid.uuid4().int % 250}:window"
    assert [api._allow(key, 2) for _n in range(3)] == [True, True, False]
    assert api._allow(key + "-next", 2)
    ttl = (
        caches["default"]
        ._cache.get_client()
        .ttl(caches["default"].make_and_validate_key(f"ratelimit:opendata-api:{key}"))
    )
    assert 0 < ttl <= 120


def test_rate_limit_lets_requests_through_while_redis_is_down(settings):
    settings.CACHES = _redis_cache("redis://127.0.0.1:1/0")
    assert api._allow("192.0.2.1:1", 1)
    assert api._allow("192.0.2.1:1", 1)
