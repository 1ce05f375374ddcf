"""Factories for the checks app's tests: calls with tracks and criteria, applications in any state."""

import datetime

from django.utils import timezone

from checks import services
from checks.models import (
    Application,
    BudgetLine,
    Criterion,
    ExpertiseLine,
    FinalReport,
    GrantCall,
    Track,
)
from tests.factories import make_buyer, make_handler, organisation_of

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
    """A draft application, moved to `state` through the real services, as the buyer and a handler would.

    The handler is `assigned_to` (left assigned) or a new handler (who unassigns again once the review has
    started). An approved application has its decision letter ordered, as in real life.
    """
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
    if assigned_to is not None and "review" not in _PATHS.get(state, ()):
        raise ValueError(f"An application that is {state} has never been assigned.")
    if state == S.DRAFT:
        return application
    _walk(application, buyer=buyer, handler=assigned_to, state=state, granted=granted or amount)
    application.refresh_from_db()
    return application


# The services' path from a draft to each state.
_PATHS = {
    S.SUBMITTED: ["submit"],
    S.WITHDRAWN: ["submit", "withdraw"],
    S.IN_REVIEW: ["submit", "review"],
    S.COMPLETION_REQUESTED: ["submit", "review", "request_completion"],
    S.APPROVED: ["submit", "review", "approve"],
    S.REJECTED: ["submit", "review", "reject"],
    S.FINAL_REPORT_SUBMITTED: ["submit", "review", "approve", "report"],
    S.CLOSED: ["submit", "review", "approve", "report", "accept"],
}


def _walk(application, *, buyer, handler, state, granted) -> None:
    stay_assigned = handler is not None
    handler = handler or make_handler()
    for step in _PATHS[state]:
        if step == "submit":
            services.submit_application(application=application, by=buyer)
        elif step == "withdraw":
            services.withdraw_application(application=application, by=buyer)
        elif step == "review":
            services.assign_application(application=application, handler=handler, by=handler)
            if not stay_assigned:
                services.assign_application(application=application, handler=None, by=handler)
        elif step == "request_completion":
            services.request_completion(application=application, by=handler, message="Komplettera.")
        elif step in ("approve", "reject"):
            services.decide_application(
                application=application,
                by=handler,
                outcome="approved" if step == "approve" else "rejected",
                reasoning="Motivering.",
                granted_amount=granted if step == "approve" else None,
            )
        elif step == "report":
            services.submit_final_report(
                application=application,
                by=buyer,
                results="R",
                outcome="O",
                procurement_started=False,
                procedure=FinalReport.Procedure.NOT_STARTED,
                actual_costs={},
            )
        elif step == "accept":
            services.accept_final_report(application=application, by=handler)
