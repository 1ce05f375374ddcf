"""Notifications and reminders: handlers told of new work (immediately or in a daily digest), applicants reminded
of a completion's reply date and of the final report's due date, once each (checks/notifications.py)."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from checks import notifications, services
from checks.models import (
    Application,
    ConflictOfInterest,
    FinalReport,
    GrantCallFollow,
    HandlerNotice,
    HandlerSettings,
    StateChange,
)
from portal.models import Mail
from tests.factories import make_handler

from .factories import give_decide_right, make_application, make_call, make_decider

pytestmark = pytest.mark.django_db
S = Application.State
NOTICE = "checks/mail/handler_notice"
DIGEST = "checks/mail/handler_digest"


def _follow(handler, call):
    GrantCallFollow.objects.create(user=handler, call=call)
    return handler


def _notices_to(template=NOTICE) -> list[str]:
    return sorted(Mail.objects.filter(template=template).values_list("to", flat=True))


def _digest(handler):
    HandlerSettings.objects.create(user=handler, mode=HandlerSettings.Mode.DIGEST)
    return handler


def _report(application, by):
    return services.submit_final_report(
        application=application,
        by=by,
        results="R",
        outcome="O",
        procurement_started=False,
        procedure=FinalReport.Procedure.NOT_STARTED,
        actual_costs={},
    )


def _at(hour, day=None):
    day = day or timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


# --- handlers: who is told ----------------------------------------------------------------------------------------


def test_a_submitted_application_is_mailed_to_the_calls_followers_only():
    call = make_call()
    follower = _follow(make_handler(email="foljer@example.org"), call)
    _follow(make_handler(email="annan@example.org"), make_call())
    draft = make_application(call=call)

    services.submit_application(application=draft, by=draft.created_by)

    assert _notices_to() == ["foljer@example.org"]
    mail = Mail.objects.get(template=NOTICE)
    draft.refresh_from_db()
    assert mail.subject == f"Innovationscheck {draft.reference}: En ny ansökan i en utlysning du följer"
    assert reverse("checks:review_detail", args=[draft.pk]) in mail.body
    assert draft.title in mail.body
    assert HandlerNotice.objects.get().handler == follower


def test_a_follower_with_a_conflict_of_interest_is_not_told():
    call = make_call()
    follower = _follow(make_handler(), call)
    draft = make_application(call=call)
    ConflictOfInterest.objects.create(handler=follower, organisation=draft.organisation, reason="Släkt")

    services.submit_application(application=draft, by=draft.created_by)

    assert _notices_to() == []
    assert not HandlerNotice.objects.exists()


def test_an_assignment_by_someone_else_is_told_to_the_assignee_but_taking_it_oneself_is_not():
    application = make_application(state=S.SUBMITTED)
    colleague, assignee = make_handler(), make_handler(email="tilldelad@example.org")

    services.assign_application(application=application, handler=assignee, by=colleague)
    services.assign_application(application=application, handler=colleague, by=colleague)

    assert _notices_to() == ["tilldelad@example.org"]
    assert Mail.objects.get(template=NOTICE).subject.endswith(": En ansökan har tilldelats dig")


def test_a_returned_completion_is_told_to_the_assignee():
    handler = make_handler(email="handl@example.org")
    _follow(make_handler(email="foljer@example.org"), make_call())
    application = make_application(state=S.COMPLETION_REQUESTED, assigned_to=handler)
    buyer = application.created_by

    services.resubmit_application(application=application, by=buyer)

    assert _notices_to() == ["handl@example.org"]
    assert Mail.objects.get(template=NOTICE).subject.endswith(": Sökanden har skickat in en komplettering")


def test_a_returned_completion_without_an_assignee_is_told_to_the_followers():
    call = make_call()
    _follow(make_handler(email="foljer@example.org"), call)
    application = make_application(call=call, state=S.COMPLETION_REQUESTED)
    Mail.objects.all().delete()

    services.resubmit_application(application=application, by=application.created_by)

    assert _notices_to() == ["foljer@example.org"]


def test_a_final_report_is_told_to_the_assignee():
    handler = make_handler(email="handl@example.org")
    application = make_application(state=S.APPROVED, assigned_to=handler)

    _report(application, application.created_by)

    assert _notices_to() == ["handl@example.org"]
    assert Mail.objects.get(template=NOTICE).subject.endswith(": En slutrapport har kommit in")


def test_a_proposal_is_told_to_every_decider_but_the_presenter_and_the_conflicted():
    application = make_application(state=S.IN_REVIEW)
    presenter = make_decider(email="foredragande@example.org")
    make_decider(email="beslut@example.org")
    conflicted = make_decider(email="jav@example.org")
    make_handler(email="utan-ratt@example.org")
    ConflictOfInterest.objects.create(handler=conflicted, application=application, reason="Släkt")

    services.propose_decision(application=application, by=presenter, outcome="rejected", reasoning="Nej.")

    assert _notices_to() == ["beslut@example.org"]
    assert Mail.objects.get(template=NOTICE).subject.endswith(": Ett beslutsförslag väntar på ditt beslut")


def test_a_correction_proposal_is_told_to_the_deciders_too():
    application = make_application(state=S.APPROVED)
    Mail.objects.all().delete()
    presenter = make_handler()
    decider = give_decide_right(make_handler(email="beslut2@example.org"))

    services.propose_correction(
        application=application, by=presenter, reason="Fel belopp.", reasoning="Rätt.", granted_amount=100_000
    )

    assert decider.email in _notices_to()
    assert presenter.email not in _notices_to()


def test_the_actor_is_never_told_of_their_own_act():
    call = make_call()
    handler = _follow(make_handler(), call)
    application = make_application(call=call, state=S.SUBMITTED)
    HandlerNotice.objects.all().delete()

    assert notifications.notify(application=application, kind="assigned", recipients=[handler], by=handler) == 0
    assert not HandlerNotice.objects.exists()


# --- handlers: the daily digest -----------------------------------------------------------------------------------


def test_a_handler_in_digest_mode_gets_no_mail_at_once_but_one_digest_a_day():
    call = make_call()
    handler = _digest(_follow(make_handler(email="digest@example.org"), call))
    first, second = make_application(call=call, state=S.SUBMITTED), make_application(call=call, state=S.SUBMITTED)
    assert _notices_to() == []
    assert HandlerNotice.objects.filter(handler=handler, mailed_at__isnull=True).count() == 2

    assert notifications.send_handler_digests(now=_at(6)) == 0  # before 07:00 nothing goes out
    assert notifications.send_handler_digests(now=_at(8)) == 1
    assert notifications.send_handler_digests(now=_at(9)) == 0  # run again: nothing more

    mail = Mail.objects.get(template=DIGEST)
    assert mail.to == "digest@example.org"
    assert mail.subject == "Innovationscheckar: 2 nya händelser"
    assert first.reference in mail.body and second.reference in mail.body
    assert not HandlerNotice.objects.filter(mailed_at__isnull=True).exists()
    assert HandlerNotice.objects.filter(in_digest=True).count() == 2


def test_a_notice_after_the_days_digest_waits_for_the_next_day():
    call = make_call()
    _digest(_follow(make_handler(), call))
    make_application(call=call, state=S.SUBMITTED)
    notifications.send_handler_digests(now=_at(8))
    make_application(call=call, state=S.SUBMITTED)

    assert notifications.send_handler_digests(now=_at(8) + timedelta(hours=3)) == 0
    assert HandlerNotice.objects.filter(mailed_at__isnull=True).count() == 1
    assert notifications.send_handler_digests(now=_at(8) + timedelta(days=1)) == 1
    assert Mail.objects.filter(template=DIGEST).count() == 2


def test_immediate_notices_are_not_in_the_digest():
    call = make_call()
    _follow(make_handler(), call)
    make_application(call=call, state=S.SUBMITTED)

    assert notifications.send_handler_digests(now=_at(8)) == 0
    assert _notices_to(DIGEST) == []


# --- the settings page --------------------------------------------------------------------------------------------


def test_the_settings_page_saves_the_mode_and_the_followed_calls(client):
    handler = make_handler()
    followed, dropped = make_call(name="Följd"), make_call(name="Släppt")
    _follow(handler, dropped)
    client.force_login(handler)
    url = reverse("checks:notification_settings")

    page = client.get(url)
    assert page.status_code == 200
    assert "Följd" in page.content.decode() and "Ett mejl för varje händelse, direkt" in page.content.decode()

    response = client.post(url, {"mode": "digest", "calls": [followed.pk]})

    assert response.status_code == 302 and response["Location"] == url
    assert notifications.mode_of(handler) == "digest"
    assert notifications.followed_call_ids(handler) == {followed.pk}


def test_the_settings_page_refuses_an_unknown_mode_and_keeps_the_page(client):
    handler = make_handler()
    client.force_login(handler)

    response = client.post(reverse("checks:notification_settings"), {"mode": "sometimes"})

    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert not HandlerSettings.objects.exists()


def test_a_handler_follows_a_call_from_its_overview_and_stops_again(client):
    handler = make_handler()
    call = make_call()
    client.force_login(handler)
    overview = reverse("checks:call_overview", args=[call.pk])
    assert "Följ utlysningen" in client.get(overview).content.decode()

    response = client.post(reverse("checks:follow_call", args=[call.pk]), {"follow": "1"})

    assert response.status_code == 302 and response["Location"] == overview
    assert notifications.followed_call_ids(handler) == {call.pk}
    assert "Sluta följa utlysningen" in client.get(overview).content.decode()
    client.post(reverse("checks:follow_call", args=[call.pk]), {"follow": "0"})
    assert notifications.followed_call_ids(handler) == set()


def test_an_admin_cannot_follow_a_call(client):
    from tests.factories import make_portal_admin

    call = make_call()
    client.force_login(make_portal_admin())

    response = client.post(reverse("checks:follow_call", args=[call.pk]), {"follow": "1"})

    assert response.status_code == 403
    assert not GrantCallFollow.objects.exists()


def test_the_queue_links_to_the_settings(client):
    client.force_login(make_handler())

    response = client.get(reverse("checks:queue"))

    assert reverse("checks:notification_settings") in response.content.decode()


# --- applicants: reminders ----------------------------------------------------------------------------------------


def test_a_completion_reminder_goes_out_three_days_before_the_reply_date_once():
    application = make_application(state=S.COMPLETION_REQUESTED)
    request = StateChange.objects.get(application=application, to_state=S.COMPLETION_REQUESTED)
    owners = {person.email for person in services.selectors.people_to_mail(application)}

    assert notifications.send_applicant_reminders(today=request.reply_by - timedelta(days=4)) == 0
    assert notifications.send_applicant_reminders(today=request.reply_by - timedelta(days=3)) == len(owners)
    assert notifications.send_applicant_reminders(today=request.reply_by - timedelta(days=2)) == 0  # once

    mails = Mail.objects.filter(template="checks/mail/completion_reminder")
    assert {mail.to for mail in mails} == owners
    assert mails[0].subject == (
        f"Påminnelse: komplettera innovationscheck {application.reference} senast {request.reply_by:%Y-%m-%d}"
    )


def test_no_completion_reminder_after_the_completion_came_back_or_after_the_date():
    application = make_application(state=S.COMPLETION_REQUESTED)
    reply_by = StateChange.objects.get(application=application, to_state=S.COMPLETION_REQUESTED).reply_by

    assert notifications.send_applicant_reminders(today=reply_by + timedelta(days=1)) == 0
    services.resubmit_application(application=application, by=application.created_by)
    assert notifications.send_applicant_reminders(today=reply_by - timedelta(days=1)) == 0


def test_a_final_report_reminder_goes_out_fourteen_days_before_it_is_due_once():
    application = make_application(state=S.APPROVED)
    due = application.final_report_due

    assert notifications.send_applicant_reminders(today=due - timedelta(days=15)) == 0
    sent = notifications.send_applicant_reminders(today=due - timedelta(days=14))
    assert sent == len(services.selectors.people_to_mail(application)) > 0
    assert notifications.send_applicant_reminders(today=due - timedelta(days=14)) == 0
    assert notifications.send_applicant_reminders(today=due) == 0

    mail = Mail.objects.filter(template="checks/mail/final_report_reminder").first()
    assert mail.subject == (
        f"Påminnelse: slutrapporten för innovationscheck {application.reference} ska lämnas senast {due:%Y-%m-%d}"
    )
    assert reverse("checks:final_report", args=[application.pk]) in mail.body


def test_a_moved_due_date_gets_its_own_reminder_and_a_submitted_report_none():
    application = make_application(state=S.APPROVED)
    today = application.final_report_due - timedelta(days=10)
    assert notifications.send_applicant_reminders(today=today) > 0
    Application.objects.filter(pk=application.pk).update(period_end=application.period_end - timedelta(days=2))
    application.refresh_from_db()

    assert notifications.send_applicant_reminders(today=today) > 0  # the new due date
    _report(application, application.created_by)
    assert notifications.send_applicant_reminders(today=today + timedelta(days=1)) == 0


def test_a_reminder_run_twice_at_once_sends_once():
    application = make_application(state=S.APPROVED)
    today = application.final_report_due - timedelta(days=1)

    first = notifications.send_applicant_reminders(today=today)
    second = notifications.send_applicant_reminders(today=today)

    assert first > 0 and second == 0
    assert Mail.objects.filter(template="checks/mail/final_report_reminder").count() == first


# --- the queue: the applicant is late ----------------------------------------------------------------------------


def _late_applications():
    call = make_call()
    completion = make_application(call=call, state=S.COMPLETION_REQUESTED)
    StateChange.objects.filter(application=completion).update(reply_by=timezone.localdate() - timedelta(days=1))
    report = make_application(call=call, state=S.APPROVED)
    Application.objects.filter(pk=report.pk).update(period_end=timezone.localdate() - timedelta(days=100))
    on_time = make_application(call=call, state=S.APPROVED)
    waiting = make_application(call=call, state=S.COMPLETION_REQUESTED)
    return completion, report, on_time, waiting


def test_the_applicant_late_tab_shows_missed_reply_dates_and_overdue_final_reports(client):
    completion, report, _on_time, _waiting = _late_applications()
    client.force_login(make_handler())

    response = client.get(reverse("checks:queue") + "?view=applicant_late")

    assert response.status_code == 200
    assert set(response.context["applications"]) == {completion, report}
    assert response.content.decode().count("data-applicant-late") == 2
    assert "Sökanden sen" in response.content.decode()


def test_the_handler_dashboard_counts_the_late_applicants(client):
    _late_applications()
    client.force_login(make_handler())

    response = client.get(reverse("portal:dashboard"))

    assert "2 ansökningar där sökanden är sen" in response.content.decode()


# --- beat ---------------------------------------------------------------------------------------------------------


def test_the_digest_and_reminder_tasks_are_in_the_beat_schedule():
    from checks.schedule import BEAT_SCHEDULE
    from checks.tasks import send_applicant_reminders, send_handler_digests

    digest = BEAT_SCHEDULE["checks-send-handler-digests"]
    reminders = BEAT_SCHEDULE["checks-send-applicant-reminders"]
    assert digest["task"] == send_handler_digests.name == "checks.tasks.send_handler_digests"
    assert reminders["task"] == send_applicant_reminders.name == "checks.tasks.send_applicant_reminders"
    assert digest["schedule"] <= 60 * 60 and reminders["schedule"] <= 60 * 60


def test_the_portal_beat_schedule_includes_the_checks_tasks():
    from portal.celery import app

    assert "checks-send-handler-digests" in app.conf.beat_schedule
    assert "checks-send-applicant-reminders" in app.conf.beat_schedule


def test_the_reminder_task_runs_the_service_and_sends_nothing_the_second_time():
    from checks.tasks import send_applicant_reminders

    application = make_application(state=S.APPROVED)
    Application.objects.filter(pk=application.pk).update(
        period_end=timezone.localdate() - timedelta(days=application.call.final_report_days - 3)
    )

    assert send_applicant_reminders() > 0
    assert send_applicant_reminders() == 0
