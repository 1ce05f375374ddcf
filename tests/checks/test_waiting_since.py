"""`Application.waiting_since`: set by the applicant's moves only (services._move), filled for existing rows by the
migration, and read by the queue's days waiting, "overdue" tab and sort."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from checks import selectors, services
from checks.models import Application, StateChange
from tests.factories import make_handler

from .factories import make_application, reply_date

pytestmark = pytest.mark.django_db
S = Application.State


def _last_change(application):
    return application.state_changes.order_by("-created_at", "-id").first()


def test_submitting_sets_waiting_since_to_the_moment_of_the_state_change():
    application = make_application(state=S.SUBMITTED)

    change = _last_change(application)
    assert change.to_state == S.SUBMITTED
    assert application.waiting_since == change.created_at


def test_a_handlers_move_leaves_it_and_a_returned_completion_sets_it_again():
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW, assigned_to=handler)
    submitted = application.waiting_since
    services.request_completion(application=application, by=handler, message="Komplettera.", reply_by=reply_date())
    application.refresh_from_db()
    assert application.waiting_since == submitted  # the applicant's turn now: the handler's move is not counted

    services.resubmit_application(application=application, by=application.contact, message="Klart")
    application.refresh_from_db()

    assert application.waiting_since == _last_change(application).created_at > submitted


def test_submitting_the_final_report_sets_it_and_accepting_it_does_not():
    handler = make_handler()
    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    reported = application.waiting_since
    assert reported == _last_change(application).created_at

    services.accept_final_report(application=application, by=handler)
    application.refresh_from_db()

    assert application.state == S.CLOSED and application.waiting_since == reported


def test_the_migration_fills_it_from_the_history_or_else_the_submission():
    migration = importlib.import_module("checks.migrations.0009_g_perf")
    resubmitted = make_application(state=S.COMPLETION_REQUESTED)
    services.resubmit_application(application=resubmitted, by=resubmitted.contact, message="Klart")
    without_history = make_application(state=S.SUBMITTED)
    draft = make_application()
    now = timezone.now()
    StateChange.objects.filter(application=resubmitted).update(created_at=now - timedelta(days=40))
    returned = now - timedelta(days=10)
    StateChange.objects.filter(application=resubmitted, from_state=S.COMPLETION_REQUESTED).update(created_at=returned)
    StateChange.objects.filter(application=without_history).delete()
    Application.objects.update(waiting_since=None)

    migration.fill_waiting_since(apps, None)

    resubmitted.refresh_from_db(), without_history.refresh_from_db(), draft.refresh_from_db()
    assert resubmitted.waiting_since == returned
    assert without_history.waiting_since == without_history.submitted_at
    assert draft.waiting_since is None


def test_the_queue_reads_the_stored_moment(client, settings):
    settings.PUBLIC_PAGE_CACHE = False
    old, fresh = make_application(state=S.SUBMITTED), make_application(state=S.SUBMITTED)
    Application.objects.filter(pk=old.pk).update(waiting_since=timezone.now() - timedelta(days=20))
    client.force_login(make_handler())

    rows = list(client.get(reverse("checks:queue") + "?view=all&sort=waiting").context["applications"])

    assert rows == [old, fresh]
    assert (rows[0].days_waiting, rows[0].overdue) == (20, True)
    assert (rows[1].days_waiting, rows[1].overdue) == (0, False)
    assert selectors.days_waiting(fresh) == 0
