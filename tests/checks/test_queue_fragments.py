"""The handler queue's stored fragments (checks.views.review.queue_rows; the filter and batch forms): a related
write shows at once, the handler's own conflict of interest and the ticks are never stored, and each language has
its own copy. The page cache is off here: these are the fragments of a page rendered on every request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from checks import services
from checks.models import Application, GrantCall, Track
from portal.models import Organisation
from tests.factories import make_handler

from .factories import make_application, make_call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
S = Application.State
QUEUE = reverse("checks:queue") + "?view=all"


def _page(client, url=QUEUE) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_row_shows_a_related_write_at_once(client):
    handler = make_handler()
    call = make_call()
    application = make_application(call=call, state=S.IN_REVIEW, assigned_to=handler)
    client.force_login(handler)
    _page(client)
    before = _page(client)  # from the stored fragments
    assert application.title in before and application.organisation.name in before

    Application.objects.filter(pk=application.pk).update(title="Ny titel på ansökan")
    assert "Ny titel på ansökan" in _page(client)

    Organisation.objects.filter(pk=application.organisation_id).update(name="Omdöpt kommun")
    assert "Omdöpt kommun" in _page(client)

    Track.objects.filter(pk=application.track_id).update(name="Nytt spår")
    assert "Nytt spår" in _page(client)

    scores = {criterion.pk: (4, "") for criterion in call.criteria.all()}
    services.save_review(application=application, handler=make_handler(), scores=scores, recommendation="approve")
    row = _page(client).split(application.reference, 2)[2]
    assert "<td>1</td>" in row.split("</tr>")[0]  # the review count


def test_the_filter_form_shows_a_new_grant_call_at_once(client):
    handler = make_handler()
    make_application(state=S.SUBMITTED)
    client.force_login(handler)
    _page(client)
    GrantCall.objects.filter(pk=make_call().pk).update(reference_number="NY-2026")
    assert "NY-2026" in _page(client)


def test_a_handlers_conflict_is_not_shared_with_another_handler(client):
    conflicted, other = make_handler(), make_handler()
    application = make_application(state=S.SUBMITTED)
    services.declare_conflict(handler=conflicted, reason="Min syster", application=application)
    client.force_login(conflicted)
    assert "Min syster" in _page(client)
    client.force_login(other)
    page = _page(client)  # the row's cells come from the fragment the conflicted handler's request stored
    assert application.reference in page and "Min syster" not in page
    client.force_login(conflicted)
    assert "Min syster" in _page(client)


def test_ticks_are_not_stored(client):
    handler = make_handler()
    ticked, other = make_application(state=S.SUBMITTED), make_application(state=S.SUBMITTED)
    client.force_login(handler)
    _page(client)
    response = client.post(
        reverse("checks:queue_batch") + "?view=all", {"action": "assign", "application": [ticked.pk]}
    )
    assert response.status_code == 400  # no handler chosen: the queue again, with the tick kept
    page = response.content.decode()
    assert f'value="{ticked.pk}" id="select-{ticked.pk}" checked' in page
    assert f'id="select-{other.pk}" checked' not in page
    assert f'id="select-{ticked.pk}" checked' not in _page(client)


def test_each_language_has_its_own_rows(client):
    handler = make_handler()
    make_application(state=S.SUBMITTED)
    client.force_login(handler)
    with translation.override("sv"):
        swedish = str(Application.State.SUBMITTED.label)
    with translation.override("en"):
        english = str(Application.State.SUBMITTED.label)
    assert swedish != english
    assert swedish in _page(client)
    client.cookies["django_language"] = "en"
    page = _page(client)
    assert english in page and "Unassigned" in page


def _caption(page: str) -> str:
    return page.split("<caption>", 1)[1].split("</caption>", 1)[0].strip()


def _count_queries(captured) -> int:
    return sum("SELECT COUNT(*)" in query["sql"] for query in captured.captured_queries)


def test_the_count_of_hits_is_kept_until_an_application_changes(client):
    handler = make_handler()
    first = make_application(state=S.SUBMITTED)
    make_application(state=S.IN_REVIEW)
    client.force_login(handler)
    with CaptureQueriesContext(connection) as captured:
        assert _caption(_page(client)) == "2 ansökningar"
    assert _count_queries(captured) == 1
    _page(client)  # (the test's own writes above start new generations when this client's first request ends)
    with CaptureQueriesContext(connection) as captured:
        assert _caption(_page(client)) == "2 ansökningar"
    assert _count_queries(captured) == 0  # kept with the page's fragments

    make_application(state=S.SUBMITTED)
    assert _caption(_page(client)) == "3 ansökningar"
    Application.objects.filter(pk=first.pk).update(state=S.DRAFT)  # a draft never shows
    assert _caption(_page(client)) == "2 ansökningar"


def test_the_kept_count_is_per_handler_and_filter(client):
    me, colleague = make_handler(), make_handler()
    make_application(state=S.IN_REVIEW, assigned_to=me)
    make_application(state=S.IN_REVIEW, assigned_to=colleague)
    make_application(state=S.COMPLETION_REQUESTED, assigned_to=colleague)
    submitted = make_application(state=S.SUBMITTED)
    mine = reverse("checks:queue") + "?view=mine"
    client.force_login(me)
    _page(client)
    assert _caption(_page(client, mine)) == "1 ansökan"
    assert _caption(_page(client, mine)) == "1 ansökan"  # kept
    assert _caption(_page(client, QUEUE)) == "4 ansökningar"
    assert _caption(_page(client, QUEUE + "&state=submitted")) == "1 ansökan"
    assert _caption(_page(client, QUEUE + f"&q={submitted.reference}")) == "1 ansökan"
    client.force_login(colleague)
    assert _caption(_page(client, mine)) == "2 ansökningar"  # the colleague's own, not the count kept for me
    assert _caption(_page(client, QUEUE)) == "4 ansökningar"


def test_the_overdue_tab_is_always_counted(client):
    handler = make_handler()
    make_application(state=S.SUBMITTED)
    client.force_login(handler)
    overdue = reverse("checks:queue") + "?view=overdue"
    _page(client, overdue)
    _page(client, overdue)
    with CaptureQueriesContext(connection) as captured:
        _page(client, overdue)
    assert _count_queries(captured) == 1  # its rows pass the line by the clock, not by a write
