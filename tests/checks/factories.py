"""Factories for the checks app's tests: calls with tracks and criteria, applications in any state."""

import datetime

import factory
from django.contrib.auth.models import Group
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
from checks.rules import DECIDERS_GROUP
from tests.factories import make_buyer, make_handler, organisation_of

S = Application.State


def give_decide_right(user):
    """Put the handler in the deciders' group (beslutsfattare), as a portal admin does in the admin."""
    user.groups.add(Group.objects.get_or_create(name=DECIDERS_GROUP)[0])
    user._group_names_cache = None
    return user


def make_decider(**kwargs):
    return give_decide_right(make_handler(**kwargs))


def decide(*, application, by, outcome, reasoning, granted_amount=None, presenter=None):
    """The four-eyes flow in one step: `presenter` (a new handler unless given) proposes, `by` (given the right to
    decide) decides. Refusals come from the proposal (amount, reasoning, state) or the decision (conflict, budget)."""
    presenter = presenter or make_handler()
    services.propose_decision(
        application=application, by=presenter, outcome=outcome, reasoning=reasoning, granted_amount=granted_amount
    )
    give_decide_right(by)
    return services.decide_proposal(application=application, by=by)


def _today():
    return timezone.localdate()


def reply_date(days: int = 14) -> datetime.date:
    """A completion request's reply deadline, `days` from today."""
    return _today() + datetime.timedelta(days=days)


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    call = None
    name = factory.Sequence(lambda n: f"Spår {n}")
    cap_one = 200_000
    position = factory.Sequence(lambda n: n)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    call = None
    name = factory.Sequence(lambda n: f"Kriterium {n}")
    weight = 1
    position = factory.Sequence(lambda n: n)


class GrantCallFactory(factory.django.DjangoModelFactory):
    """A published call, open for ten more days (`open_=False`: closed yesterday), with two tracks and two criteria:
    "Beslutsunderlag" (cap 200 000) and "Pågående upphandling" (200 000, or 400 000 with two or more competences);
    "Innovationshöjd" (weight 3) and "Genomförbarhet" (weight 1)."""

    class Meta:
        model = GrantCall
        skip_postgeneration_save = True

    class Params:
        open_ = True
        published = True

    name = factory.Sequence(lambda n: f"Testutlysning {n + 1}")
    reference_number = factory.Sequence(lambda n: f"TEST-{n + 1:05d}")
    description = "Checkar för innovationsupphandling."
    opens_on = factory.LazyAttribute(lambda o: _today() - datetime.timedelta(days=10 if o.open_ else 60))
    closes_on = factory.LazyAttribute(
        lambda o: _today() + datetime.timedelta(days=10) if o.open_ else _today() - datetime.timedelta(days=1)
    )
    total_budget = 1_000_000
    status = factory.LazyAttribute(lambda o: GrantCall.Status.PUBLISHED if o.published else GrantCall.Status.DRAFT)

    first_track = factory.RelatedFactory(
        TrackFactory, factory_related_name="call", name="Beslutsunderlag", cap_one=200_000, position=0
    )
    second_track = factory.RelatedFactory(
        TrackFactory,
        factory_related_name="call",
        name="Pågående upphandling",
        cap_one=200_000,
        cap_two_or_more=400_000,
        position=1,
    )
    first_criterion = factory.RelatedFactory(
        CriterionFactory, factory_related_name="call", name="Innovationshöjd", weight=3, position=0
    )
    second_criterion = factory.RelatedFactory(
        CriterionFactory, factory_related_name="call", name="Genomförbarhet", weight=1, position=1
    )


# The name most tests use (kept so that tests written elsewhere in parallel still merge).
make_call = GrantCallFactory


class ExpertiseLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertiseLine

    application = None
    provider = factory.Sequence(lambda n: f"Konsult {n} AB")
    competence = "Expert"
    fee = 150_000


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    application = None
    kind = BudgetLine.Kind.EXPERTISE
    description = "Arvode"
    amount = 150_000


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft (`complete=False`: without a purpose) by a new buyer in the call's first track
    (`track_index`), asking for `requested_amount` spread over `competences` expertise lines with matching
    budget lines. To get an application in another state, use `make_application(state=…)`."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        buyer = factory.LazyFunction(make_buyer)
        track_index = 0
        complete = True

    call = factory.SubFactory(GrantCallFactory)
    track = factory.LazyAttribute(lambda o: list(o.call.tracks.all())[o.track_index])
    organisation = factory.LazyAttribute(lambda o: organisation_of(o.buyer))
    contact = factory.SelfAttribute("buyer")
    created_by = factory.SelfAttribute("buyer")
    title = "Test av sensorer"
    purpose = factory.LazyAttribute(lambda o: "Syfte." if o.complete else "")
    background = "Bakgrund."
    expected_results = "Resultat."
    requested_amount = 150_000
    period_start = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=30))
    period_end = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=120))

    @factory.post_generation
    def lines(self, create, extracted, competences=None, **kwargs):
        if not create:
            return
        count = competences or 1
        amount = self.requested_amount
        per_line = amount // count
        for number in range(count):
            fee = per_line if number < count - 1 else amount - per_line * (count - 1)
            ExpertiseLineFactory(application=self, provider=f"Konsult {number} AB", fee=fee)
            BudgetLineFactory(application=self, amount=fee)


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
    period_ended=None,
) -> Application:
    """A draft from ApplicationFactory, moved to `state` through the real services, as the buyer and a handler would.

    The handler is `assigned_to` (left assigned) or a new handler (who unassigns again once the review has
    started). An approved application has its decision letter ordered, as in real life.
    """
    if assigned_to is not None and "review" not in _PATHS.get(state, ()):
        raise ValueError(f"An application that is {state} has never been assigned.")
    buyer = buyer or make_buyer()
    if period_ended is None:
        period_ended = "approve" in _PATHS.get(state, ())
    period = {}
    if period_ended:
        period = {
            "period_start": _today() - datetime.timedelta(days=120),
            "period_end": _today() - datetime.timedelta(days=1),
        }
    application = ApplicationFactory(
        call=call or GrantCallFactory(),
        buyer=buyer,
        requested_amount=amount,
        track_index=track_index,
        complete=complete,
        lines__competences=competences,
        **period,
    )
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
            services.request_completion(
                application=application, by=handler, message="Komplettera.", reply_by=reply_date()
            )
        elif step in ("approve", "reject"):
            decide(
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
