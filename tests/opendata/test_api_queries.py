"""The read API's lists and items make as many queries for one row as for many (page cache off: the API's own)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from projects import services
from tests.checks.factories import GrantCallFactory
from tests.projects.factories import CallFactory, NeedFactory, cpv
from tests.webinars.factories import SpeakerFactory, WebinarFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
MANY = 12


def _count(client, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content)
    return len(context.captured_queries), response.json()


def _assert_flat(client, url: str, add) -> None:
    add(1)
    client.get(url)  # once first: what a process loads once is not the endpoint's
    one, body = _count(client, url)
    add(MANY)
    many, more = _count(client, url)
    assert many == one, f"{url}: {one} queries with one row, {many} with many"
    assert many <= 4, f"{url}: {many} queries"
    assert len(more.get("results", more.get("calls", []))) > len(body.get("results", body.get("calls", [])))


def _needs(count: int) -> None:
    for n in range(count):
        need = NeedFactory(title=f"Solceller {n}")
        need.cpv_codes.add(cpv(f"0933120{n % 10}"), cpv("09000000", "3"))
        CallFactory(need=need)
        services.update_search_vectors(need=need)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/needs/",
        "/api/v1/needs/?q=solceller",
        "/api/v1/needs/?calls=open&cpv_division=09&sort=closing",
        "/api/v1/calls/",
        "/api/v1/calls/?state=all&q=utlysning&sort=newest",
    ],
)
def test_catalogue_lists_have_a_constant_number_of_queries(client, url):
    _assert_flat(client, url, _needs)


def test_a_later_page_has_as_many_queries_as_the_first(client):
    _needs(MANY)
    first, body = _count(client, "/api/v1/needs/?limit=3")
    later, _body = _count(client, body["next"])
    assert later == first


def test_webinar_list_has_a_constant_number_of_queries(client):
    def add(count):
        for _n in range(count):
            SpeakerFactory(webinar=WebinarFactory())
            SpeakerFactory(webinar=WebinarFactory(starts_at=timezone.now() + timedelta(days=3)))

    _assert_flat(client, "/api/v1/webinars/?when=all", add)


def test_grant_call_list_has_a_constant_number_of_queries(client):
    _assert_flat(client, "/api/v1/grant-calls/", lambda count: [GrantCallFactory() for _n in range(count)])


def test_need_item_has_a_constant_number_of_queries_with_its_calls(client):
    need = NeedFactory()

    def add(count):
        for _n in range(count):
            CallFactory(need=need)

    _assert_flat(client, f"/api/v1/needs/{need.pk}/", add)
