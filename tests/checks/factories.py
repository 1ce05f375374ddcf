"""Factories for the checks app's tests: calls with tracks and criteria, applications in any state."""

import datetime

from django.utils import timezone

from checks.models import (
    Application,
    BudgetLine,
    Criterion,
    Decision,
    ExpertiseLine,
    FinalReport,
    GrantCall,
    ReferenceCounter,
    Track,
)
from tests.factories import make_buyer, organisation_of

S = Application.State


def make_call(*, open_=True, published=True, total_budget=1_000_000, reference_number=None, **kwargs) -> GrantCall:
    today = timezone.localdate()
    if open_:
        opens, closes = today - datetime.timedelta(days=10), today + datetime.timedelta(days=10)
    else:
        opens, closes = today - datetime.timedelta(days=60), today - datetime.timedelta(days=1)
    count = GrantCall.objects.count() + 1
    call = GrantCall.objects.create(
        name=kwargs.pop("name", f"Testutlysning {count}"),
        reference_number=reference_number or f"2026-{count:05d}-{timezone.now().timestamp():.0f}",
        description="Checkar för innovationsupphandling.",
        opens_on=opens,
        closes_on=closes,
        total_budget=total_budget,
        status=GrantCall.Status.PUBLISHED if published else GrantCall.Status.DRAFT,
        **kwargs,
    )
    Track.objects.create(call=call, name="Beslutsunderlag", cap_one=200_000, position=0)
    Track.objects.create(call=call, name="Pågående upphandling", cap_one=200_000, cap_two_or_more=400_000, position=1)
    Criterion.objects.create(call=call, name="Innovationshöjd", weight=3, position=0)
    Criterion.objects.create(call=call, name="Genomförbarhet", weight=1, position=1)
    return call


def make_application(
    *,
    call=None,
    buyer=None,
    state=S.DRAFT,
    amount=150_000,
    competences=1,
    track_index=0,
    complete=True,
    granted=None,
    assigned_to=None,
) -> Application:
    """An application moved straight into `state` (no services: tests of services start from here)."""
    call = call or make_call()
    buyer = buyer or make_buyer()
    organisation = organisation_of(buyer)
    track = list(call.tracks.all())[track_index]
    today = timezone.localdate()
    application = Application.objects.create(
        call=call,
        track=track,
        organisation=organisation,
        contact=buyer,
        created_by=buyer,
        title="Test av sensorer",
        purpose="Syfte." if complete else "",
        background="Bakgrund.",
        expected_results="Resultat.",
        requested_amount=amount,
        period_start=today + datetime.timedelta(days=30),
        period_end=today + datetime.timedelta(days=120),
        state=state,
        assigned_to=assigned_to,
    )
    per_line = amount // competences
    for number in range(competences):
        fee = per_line if number < competences - 1 else amount - per_line * (competences - 1)
        ExpertiseLine.objects.create(
            application=application, provider=f"Konsult {number} AB", competence="Expert", fee=fee
        )
        BudgetLine.objects.create(
            application=application, kind=BudgetLine.Kind.EXPERTISE, description="Arvode", amount=fee
        )
    if state != S.DRAFT:
        year = today.year
        ReferenceCounter.objects.get_or_create(year=year)
        counter = ReferenceCounter.objects.get(year=year)
        counter.last += 1
        counter.save()
        application.reference = f"IC-{year}-{counter.last:04d}"
        application.submitted_at = timezone.now()
        application.save()
    if state in (S.APPROVED, S.REJECTED, S.FINAL_REPORT_SUBMITTED, S.CLOSED):
        from tests.factories import make_handler

        approved = state != S.REJECTED
        Decision.objects.create(
            application=application,
            outcome="approved" if approved else "rejected",
            granted_amount=(granted or amount) if approved else 0,
            reasoning="Motivering.",
            decided_by=make_handler(),
        )
    if state in (S.FINAL_REPORT_SUBMITTED, S.CLOSED):
        FinalReport.objects.create(application=application, results="R", outcome="O", submitted_at=timezone.now())
    return application
