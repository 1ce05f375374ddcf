import io

import pytest
from django.core.management import call_command

from checks.models import Application, DecisionLetter, FinalReport, GrantCall, Review, StateChange

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_both_buyers_every_state_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (
        GrantCall.objects.count(),
        Application.objects.count(),
        StateChange.objects.count(),
        DecisionLetter.objects.count(),
    )
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (
        GrantCall.objects.count(),
        Application.objects.count(),
        StateChange.objects.count(),
        DecisionLetter.objects.count(),
    )
    for organisation in ("Demo kommun", "Demo region"):
        states = set(Application.objects.filter(organisation__name=organisation).values_list("state", flat=True))
        assert states == set(Application.State.values)
    assert GrantCall.objects.filter(reference_number="2022-00194").get().is_closed
    assert any(call.is_open for call in GrantCall.objects.all())
    for call in GrantCall.objects.all():
        assert call.is_published and call.criteria.count() == 3
        assert [track.cap_for(1) for track in call.tracks.all()] == [200_000, 200_000]
        assert [track.cap_for(2) for track in call.tracks.all()] == [200_000, 400_000]
    assert Review.objects.exists() and FinalReport.objects.exists()
    assert StateChange.objects.filter(to_state=Application.State.COMPLETION_REQUESTED).exclude(message="").exists()
    # Rendering is queued on commit (the test transaction never commits); every decision has its letter.
    assert DecisionLetter.objects.count() == Application.objects.exclude(decision=None).count() == 8
    references = [r for r in Application.objects.values_list("reference", flat=True) if r]
    assert len(references) == len(set(references))


def test_the_demo_shows_four_eyes_with_two_handlers():
    """The demo handler presents, the second demo handler decides; one proposal waits for the decider."""
    from checks.models import Decision, DecisionProposal
    from checks.rules import is_decider
    from checks.selectors import AWAITING_DECISION, review_queue
    from portal.models import User

    call_command("seed_demo", stdout=io.StringIO())
    presenter = User.objects.get(email="handlaggare@demo.test")
    decider = User.objects.get(email="beslutsfattare@demo.test")
    assert (is_decider(presenter), is_decider(decider)) == (False, True)
    decisions = Decision.objects.all()
    assert decisions.count() == 8
    assert set(decisions.values_list("presented_by__email", "decided_by__email")) == {
        ("handlaggare@demo.test", "beslutsfattare@demo.test")
    }
    assert all(decision.proposal.proposed_by == presenter for decision in decisions)
    pending = DecisionProposal.objects.get(status=DecisionProposal.Status.PENDING)
    assert pending.proposed_by == presenter
    assert pending.application.organisation.name == "Demo kommun"
    assert decider.has_perm("checks.decide_application", pending.application)
    assert not presenter.has_perm("checks.decide_application", pending.application)
    assert pending.application in review_queue(decider, view=AWAITING_DECISION)
    call_command("seed_demo", stdout=io.StringIO())
    assert DecisionProposal.objects.count() == 9


def test_seed_demo_sets_the_waiting_time_of_every_submitted_application():
    call_command("seed_demo", stdout=io.StringIO())

    submitted = Application.objects.exclude(state=Application.State.DRAFT)
    assert submitted.exists()
    assert not submitted.filter(waiting_since__isnull=True).exists()
    assert not Application.objects.filter(state=Application.State.DRAFT, waiting_since__isnull=False).exists()
