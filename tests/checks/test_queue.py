"""The handler's queue: opens on "needs action", tabs (mine, unassigned, awaiting decision, overdue, all), search,
days waiting, invalid filters named and the rest kept, batch assignment (conflicts refused) and batch export."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checks import selectors, services
from checks.models import Application, StateChange
from tests.factories import make_buyer, make_handler, make_portal_admin

from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
S = Application.State


def _queue(client, query=""):
    response = client.get(reverse("checks:queue") + query)
    assert response.status_code == 200
    return response


def _listed(client, query=""):
    return set(_queue(client, query).context["applications"])


def _age(application, days):
    """Pretend the applicant acted `days` days ago."""
    moment = timezone.now() - timedelta(days=days)
    Application.objects.filter(pk=application.pk).update(submitted_at=moment, waiting_since=moment)
    StateChange.objects.filter(application=application).update(created_at=moment)


@pytest.fixture
def states():
    call = make_call()
    return {state: make_application(call=call, state=state) for state in S if state != S.DRAFT}


def test_the_queue_opens_on_needs_action_without_decided_closed_or_withdrawn(client, states):
    client.force_login(make_handler())

    listed = _listed(client)

    assert listed == {states[S.SUBMITTED], states[S.IN_REVIEW], states[S.FINAL_REPORT_SUBMITTED]}
    assert _listed(client, "?view=all") == set(states.values())


def test_a_chosen_state_shows_that_state_whatever_the_default_tab(client, states):
    client.force_login(make_handler())

    assert _listed(client, "?state=closed") == {states[S.CLOSED]}


def test_mine_and_unassigned_tabs(client):
    handler = make_handler()
    mine = make_application(state=S.IN_REVIEW, assigned_to=handler)
    colleagues = make_application(state=S.IN_REVIEW, assigned_to=make_handler())
    nobodys = make_application(state=S.SUBMITTED)
    make_application(state=S.REJECTED)
    client.force_login(handler)

    assert _listed(client, "?view=mine") == {mine}
    assert _listed(client, "?view=unassigned") == {nobodys}
    assert colleagues in _listed(client, "?view=needs_action")


def test_awaiting_decision_is_in_review_with_a_review(client):
    call = make_call()
    handler = make_handler()
    reviewed = make_application(call=call, state=S.IN_REVIEW)
    make_application(call=call, state=S.IN_REVIEW)
    services.save_review(
        application=reviewed,
        handler=handler,
        scores={c.pk: (3, "") for c in call.criteria.all()},
        recommendation="approve",
    )
    client.force_login(handler)

    assert _listed(client, "?view=awaiting_decision") == {reviewed}


def test_overdue_is_needs_action_waiting_longer_than_the_limit(client):
    old = make_application(state=S.IN_REVIEW)
    fresh = make_application(state=S.IN_REVIEW)
    old_but_the_applicants_turn = make_application(state=S.COMPLETION_REQUESTED)
    _age(old, selectors.OVERDUE_DAYS + 1)
    _age(fresh, selectors.OVERDUE_DAYS - 1)
    _age(old_but_the_applicants_turn, 60)
    client.force_login(make_handler())

    response = _queue(client, "?view=overdue")

    assert set(response.context["applications"]) == {old}
    row = response.context["applications"][0]
    assert row.days_waiting == selectors.OVERDUE_DAYS + 1 and row.overdue is True


def test_days_waiting_counts_from_the_applicants_last_action_a_resubmission(client):
    application = make_application(state=S.COMPLETION_REQUESTED)
    _age(application, 30)
    services.resubmit_application(application=application, by=application.contact, message="Klart")
    client.force_login(make_handler())

    row = next(a for a in _queue(client).context["applications"] if a.pk == application.pk)

    assert row.days_waiting == 0 and row.overdue is False


def test_search_over_reference_organisation_and_title(client):
    call = make_call()
    first = make_application(call=call, state=S.SUBMITTED)
    second = make_application(call=call, state=S.SUBMITTED)
    Application.objects.filter(pk=second.pk).update(title="Drönare för snöröjning")
    client.force_login(make_handler())

    assert _listed(client, f"?q={first.reference}") == {first}
    assert _listed(client, "?q=drönare") == {second}
    assert _listed(client, f"?q={second.organisation.name}") == {second}
    assert _listed(client, "?q=finnsinte") == set()


def test_an_invalid_filter_is_named_and_the_other_filters_are_kept(client):
    call, other_call = make_call(), make_call()
    wanted = make_application(call=call, state=S.SUBMITTED)
    make_application(call=other_call, state=S.SUBMITTED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(make_handler())

    response = _queue(client, f"?call={call.pk}&state=nonsense&sort=drop")

    assert set(response.context["applications"]) == {wanted}
    page = response.content.decode()
    assert "Värdet för ”Status” är ogiltigt och används inte." in page
    assert "Värdet för ”Sortera efter” är ogiltigt och används inte." in page


def test_the_queue_page_shows_days_waiting_and_grouped_amounts(client):
    make_application(state=S.SUBMITTED, amount=200_000)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(make_handler())

    page = _queue(client).content.decode()

    assert "Dagar i kö" in page
    assert "200\u00a0000\u00a0kr" in page


# --- batch assignment ----------------------------------------------------------------------------------------------


def test_a_handler_assigns_ticked_applications_to_a_colleague(client):
    handler, colleague = make_handler(), make_handler()
    first, second = make_application(state=S.SUBMITTED), make_application(state=S.IN_REVIEW)
    untouched = make_application(state=S.SUBMITTED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(handler)

    response = client.post(
        reverse("checks:queue_batch") + "?view=all",
        {"action": "assign", "handler": colleague.pk, "application": [first.pk, second.pk]},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("checks:queue") + "?view=all", 302)]
    assert "2 ansökningar har tilldelats" in response.content.decode()
    first.refresh_from_db(), second.refresh_from_db(), untouched.refresh_from_db()
    assert first.assigned_to == colleague and first.state == S.IN_REVIEW
    assert second.assigned_to == colleague
    assert untouched.assigned_to is None


def test_batch_assignment_refuses_a_handler_with_a_declared_conflict_per_application(client):
    handler, conflicted = make_handler(), make_handler()
    conflicting, fine = make_application(state=S.SUBMITTED), make_application(state=S.SUBMITTED)
    services.declare_conflict(handler=conflicted, reason="Min syster", organisation=conflicting.organisation)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(handler)

    response = client.post(
        reverse("checks:queue_batch"),
        {"action": "assign", "handler": conflicted.pk, "application": [conflicting.pk, fine.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert f"{conflicting.reference}: Handläggaren har anmält jäv för ansökan." in page
    conflicting.refresh_from_db(), fine.refresh_from_db()
    assert conflicting.assigned_to is None and fine.assigned_to == conflicted


def test_batch_assignment_of_a_decided_application_is_refused(client):
    colleague = make_handler()
    rejected = make_application(state=S.REJECTED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(make_handler())

    response = client.post(
        reverse("checks:queue_batch"),
        {"action": "assign", "handler": colleague.pk, "application": [rejected.pk]},
        follow=True,
    )

    assert f"{rejected.reference}: Bara ansökningar under handläggning kan tilldelas." in response.content.decode()
    rejected.refresh_from_db()
    assert rejected.assigned_to is None


def test_batch_without_a_handler_or_ticks_shows_the_queue_again_with_the_ticks_kept(client):
    application = make_application(state=S.SUBMITTED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(make_handler())

    response = client.post(reverse("checks:queue_batch"), {"action": "assign", "application": [application.pk]})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Välj handläggaren som ska tilldelas." in page
    assert f'value="{application.pk}" id="select-{application.pk}" checked' in page

    response = client.post(reverse("checks:queue_batch"), {"action": "csv"})
    assert response.status_code == 400
    assert "Markera minst en ansökan." in response.content.decode()


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc"])
def test_a_tick_that_is_no_id_is_refused_without_an_error(client, value):
    client.force_login(make_handler())

    response = client.post(reverse("checks:queue_batch"), {"action": "csv", "application": [value]})

    assert response.status_code == 400


def test_drafts_cannot_be_ticked(client):
    draft = make_application()
    client.force_login(make_handler())

    response = client.post(reverse("checks:queue_batch"), {"action": "csv", "application": [draft.pk]})

    assert response.status_code == 400


@pytest.mark.parametrize("make_user", [make_buyer, make_portal_admin])
def test_batch_is_for_handlers_only(client, make_user):
    application = make_application(state=S.SUBMITTED)
    client.force_login(make_user())

    response = client.post(
        reverse("checks:queue_batch"),
        {"action": "assign", "handler": make_handler().pk, "application": [application.pk]},
    )

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.assigned_to is None


# --- batch export --------------------------------------------------------------------------------------------------


def test_batch_csv_export_has_decimal_commas_and_named_recommendation_columns(client):
    call = make_call()
    handler = make_handler()
    chosen = make_application(call=call, state=S.IN_REVIEW, amount=200_000)
    left_out = make_application(call=call, state=S.IN_REVIEW)
    services.save_review(
        application=chosen,
        handler=handler,
        scores={c.pk: (c.position % 2 + 3, "") for c in call.criteria.all()},
        recommendation="approve",
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(handler)

    response = client.post(reverse("checks:queue_batch"), {"action": "csv", "application": [chosen.pk]})

    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    header, row = response.content.decode("utf-8-sig").splitlines()
    assert "Granskningar som föreslår bifall;Granskningar som föreslår avslag;Granskningar osäkra" in header
    assert row.startswith(f"{chosen.reference};")
    average = f"{chosen.reviews.get().weighted_score:.2f}".replace(".", ",")
    assert ";200000;" in row and row.endswith(f";1;{average};1;0;0;;;")
    assert left_out.reference not in response.content.decode("utf-8-sig")


def test_batch_xlsx_export_has_the_same_rows_with_numbers_as_numbers(client):
    chosen = make_application(state=S.SUBMITTED, amount=200_000)
    client.force_login(make_handler())

    response = client.post(reverse("checks:queue_batch"), {"action": "xlsx", "application": [chosen.pk]})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.rows]
    assert len(rows) == 2
    assert rows[1][0] == chosen.reference and rows[1][7] == 200_000


def test_call_export_as_xlsx_keeps_a_formula_typed_as_a_title_as_text(client):
    call = make_call()
    application = make_application(call=call, state=S.SUBMITTED)
    Application.objects.filter(pk=application.pk).update(title="=HYPERLINK(1)")
    client.force_login(make_handler())

    response = client.get(reverse("checks:call_export_xlsx", args=[call.pk]))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cell = list(sheet.rows)[1][2]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


# --- queries -----------------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "query", ["", "?view=mine", "?view=overdue", "?view=awaiting_decision", "?view=applicant_late", "?view=all&q=a"]
)
def test_queue_queries_do_not_grow_with_rows(client, settings, query):
    settings.PUBLIC_PAGE_CACHE = False
    handler = make_handler()
    call = make_call()

    def add():
        application = make_application(call=call, state=S.IN_REVIEW, assigned_to=handler)
        services.save_review(
            application=application,
            handler=handler,
            scores={c.pk: (3, "") for c in call.criteria.all()},
            recommendation="approve",
        )
        _age(application, 30)

    add()
    client.force_login(handler)
    url = reverse("checks:queue") + query
    client.get(url)
    one = _count(client, url)
    for _ in range(5):
        add()
    many = _count(client, url)
    assert many == one and many <= 15
