"""Concurrent decisions and submissions in separate database transactions (PostgreSQL row locks)."""

import threading
import time

import pytest
from django.db import connection

from checks import selectors, services
from checks.models import Application, Decision
from portal.services import InvalidTransition, ServiceError
from tests.factories import make_handler

from .factories import decide, give_decide_right, make_application, make_call, make_decider

S = Application.State

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no row locks; the concurrency tests need PostgreSQL."
    ),
]


def run_together(*calls):
    """Run the callables in threads that start at the same moment; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, function):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_handlers_approving_at_once_never_exceed_the_budget(monkeypatch):
    # Widen the race window: each decision pauses after reading the budget used so far.
    read_budget = selectors.budget_granted

    def slow_budget_granted(call):
        value = read_budget(call)
        time.sleep(0.3)
        return value

    monkeypatch.setattr(selectors, "budget_granted", slow_budget_granted)
    call = make_call(total_budget=200_000)
    first = make_application(call=call, state=S.IN_REVIEW, amount=150_000)
    second = make_application(call=call, state=S.IN_REVIEW, amount=150_000)
    handlers = [make_handler(), make_handler()]

    results = run_together(
        lambda: decide(application=first, by=handlers[0], outcome="approved", granted_amount=150_000, reasoning="R"),
        lambda: decide(application=second, by=handlers[1], outcome="approved", granted_amount=150_000, reasoning="R"),
    )

    decisions = [r for r in results if isinstance(r, Decision)]
    refusals = [r for r in results if isinstance(r, ServiceError)]
    assert len(decisions) == 1 and len(refusals) == 1, results
    assert refusals[0].field == "granted_amount" and "50000" in refusals[0].message
    assert read_budget(call) == 150_000 <= call.total_budget
    states = sorted(Application.objects.filter(call=call).values_list("state", flat=True))
    assert states == [S.APPROVED, S.IN_REVIEW]


def test_concurrent_submissions_get_consecutive_unique_numbers():
    call = make_call()
    applications = [make_application(call=call) for _ in range(4)]

    results = run_together(
        *[lambda a=a: services.submit_application(application=a, by=a.contact) for a in applications]
    )

    assert all(isinstance(r, Application) for r in results), results
    numbers = sorted(int(r.reference.rsplit("-", 1)[1]) for r in results)
    assert numbers == [1, 2, 3, 4]


def test_a_submission_that_fails_among_concurrent_ones_leaves_no_gap():
    call = make_call()
    complete = [make_application(call=call) for _ in range(3)]
    incomplete = make_application(call=call, complete=False)
    applications = [complete[0], incomplete, *complete[1:]]

    results = run_together(
        *[lambda a=a: services.submit_application(application=a, by=a.contact) for a in applications]
    )

    assert isinstance(results[1], ServiceError), results
    numbers = sorted(int(r.reference.rsplit("-", 1)[1]) for r in results if isinstance(r, Application))
    assert numbers == [1, 2, 3]
    incomplete.refresh_from_db()
    assert incomplete.state == S.DRAFT and incomplete.reference is None


def _track_rows(call, **cap_one):
    """The call's tracks as the admin's form sends them, with `cap_one` changed by track name."""
    return [
        {
            "id": t.pk,
            "name": t.name,
            "description": "",
            "cap_one": cap_one.get(t.name, t.cap_one),
            "cap_two_or_more": t.cap_two_or_more,
            "position": t.position,
            "row": i,
        }
        for i, t in enumerate(call.tracks.all())
    ]


def _slow(monkeypatch, name, seconds=0.3):
    """Pause after the selector `name` so that the other thread's transaction tries to start in between."""
    original = getattr(selectors, name)

    def slow(*args, **kwargs):
        value = original(*args, **kwargs)
        time.sleep(seconds)
        return value

    monkeypatch.setattr(selectors, name, slow)


def test_a_cap_lowered_while_a_decision_is_made_never_lets_an_approval_above_the_new_cap(monkeypatch):
    from tests.factories import make_portal_admin

    _slow(monkeypatch, "budget_granted")
    call = make_call()
    application = make_application(call=call, state=S.IN_REVIEW, amount=180_000)
    admin, handler = make_portal_admin(), make_handler()

    services.propose_decision(
        application=application, by=make_handler(), outcome="approved", granted_amount=180_000, reasoning="R"
    )
    give_decide_right(handler)
    results = run_together(
        lambda: services.decide_proposal(application=application, by=handler),
        lambda: services.save_call(call=call, tracks=_track_rows(call, Beslutsunderlag=100_000), criteria=[], by=admin),
    )

    # Whichever takes the call row first, the rules of the published call hold: the lowering is refused.
    assert isinstance(results[0], Decision), results
    assert isinstance(results[1], ServiceError) and results[1].field == "tracks-0-cap_one", results
    assert call.tracks.get(name="Beslutsunderlag").cap_one == 200_000
    assert Decision.objects.get().granted_amount == 180_000


def test_a_cap_lowered_while_an_application_is_submitted_is_seen_or_refused(monkeypatch):
    from tests.factories import make_portal_admin

    _slow(monkeypatch, "missing_items")
    call = make_call()
    draft = make_application(call=call, amount=180_000)
    admin = make_portal_admin()

    results = run_together(
        lambda: services.submit_application(application=draft, by=draft.contact),
        lambda: services.save_call(call=call, tracks=_track_rows(call, Beslutsunderlag=100_000), criteria=[], by=admin),
    )

    draft.refresh_from_db()
    cap = call.tracks.get(name="Beslutsunderlag").cap_one
    # Either the submission came first (the lowering is refused) or the lowering did (the application, now above
    # the cap, cannot be submitted): never a submitted application above its track's cap.
    if draft.state == S.SUBMITTED:
        assert isinstance(results[1], ServiceError) and cap == 200_000, results
    else:
        assert isinstance(results[0], ServiceError) and cap == 100_000, results
    assert not (draft.state == S.SUBMITTED and draft.requested_amount > cap)


def test_two_deciders_confirming_the_same_proposal_make_exactly_one_decision():
    application = make_application(state=S.IN_REVIEW, amount=100_000)
    proposal = services.propose_decision(
        application=application, by=make_handler(), outcome="approved", reasoning="R", granted_amount=100_000
    )
    deciders = [make_decider(), make_decider()]

    results = run_together(
        *(
            lambda decider=decider: services.decide_proposal(
                application=application, by=decider, proposal_id=proposal.pk
            )
            for decider in deciders
        )
    )

    decisions = [r for r in results if isinstance(r, Decision)]
    refusals = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(decisions) == 1 and len(refusals) == 1, results
    assert "already been decided" in str(refusals[0].message) or "redan beslutat" in str(refusals[0].message)
    assert Decision.objects.filter(for_application=application).count() == 1
    application.refresh_from_db()
    assert application.state == S.APPROVED
    assert selectors.budget_granted(application.call) == 100_000


def test_two_reminder_runs_at_once_mail_each_person_once():
    from datetime import timedelta

    from checks import notifications
    from portal.models import Mail

    application = make_application(state=S.APPROVED)
    today = application.final_report_due - timedelta(days=3)
    people = len(selectors.people_to_mail(application))

    results = run_together(
        lambda: notifications.send_applicant_reminders(today=today),
        lambda: notifications.send_applicant_reminders(today=today),
    )

    assert sorted(results) == [0, people], results
    assert Mail.objects.filter(template="checks/mail/final_report_reminder").count() == people


def test_two_digest_runs_at_once_send_one_digest():
    import datetime

    from django.utils import timezone

    from checks import notifications
    from checks.models import GrantCallFollow, HandlerNotice, HandlerSettings
    from portal.models import Mail

    call = make_call()
    handler = make_handler()
    GrantCallFollow.objects.create(user=handler, call=call)
    HandlerSettings.objects.create(user=handler, mode=HandlerSettings.Mode.DIGEST)
    make_application(call=call, state=S.SUBMITTED)
    make_application(call=call, state=S.SUBMITTED)
    eight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(8)))

    results = run_together(
        lambda: notifications.send_handler_digests(now=eight),
        lambda: notifications.send_handler_digests(now=eight),
    )

    assert sorted(results) == [0, 1], results
    assert Mail.objects.filter(template="checks/mail/handler_digest", to=handler.email).count() == 1
    assert not HandlerNotice.objects.filter(mailed_at__isnull=True).exists()
