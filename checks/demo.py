"""Demo content for `manage.py seed_demo`: a closed 2022-style call, an open call, and applications from both
demo buyers in every state, with reviews, completion requests, decisions, letters and final reports. Idempotent:
calls are found by their reference number, applications by call, organisation and title."""

import datetime

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from portal.documents import create_document
from projects.models import Need

from .decision_letters.models import KIND as DECISION_LETTER
from .models import (
    Application,
    BudgetLine,
    Criterion,
    Decision,
    DecisionLetter,
    DecisionProposal,
    ExpertiseLine,
    FinalReport,
    GrantCall,
    GrantCallFollow,
    Review,
    Score,
    StateChange,
    Track,
    weighted_average,
)
from .rules import DECIDERS_GROUP
from .services import next_reference

S = Application.State

CRITERIA = [
    ("Innovationshöjd", "Hur ny är lösningen som behovet kräver, och hur väl motiverar ansökan det?", 3),
    ("Genomförbarhet", "Är planen, perioden och den externa kompetensen rimliga för att nå resultaten?", 2),
    ("Nytta och spridning", "Nytta för verksamheten och för andra offentliga aktörer med liknande behov.", 2),
]
TRACKS = [
    (
        "Spår 1: Beslutsunderlag inför en eventuell upphandling",
        "Extern expertis som tar fram underlag för att avgöra om och hur en innovationsupphandling ska göras.",
        200_000,
        None,
    ),
    (
        "Spår 2: Pågående upphandling",
        "Extern expertis, testbäddar och labb under en innovationsupphandling som redan har börjat.",
        200_000,
        400_000,
    ),
]

PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: [S.SUBMITTED],
    S.IN_REVIEW: [S.SUBMITTED, S.IN_REVIEW],
    S.COMPLETION_REQUESTED: [S.SUBMITTED, S.IN_REVIEW, S.COMPLETION_REQUESTED],
    S.APPROVED: [S.SUBMITTED, S.IN_REVIEW, S.COMPLETION_REQUESTED, S.IN_REVIEW, S.APPROVED],
    S.REJECTED: [S.SUBMITTED, S.IN_REVIEW, S.REJECTED],
    S.FINAL_REPORT_SUBMITTED: [S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.FINAL_REPORT_SUBMITTED],
    S.CLOSED: [S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.FINAL_REPORT_SUBMITTED, S.CLOSED],
    S.WITHDRAWN: [S.SUBMITTED, S.WITHDRAWN],
}
MESSAGES = {
    S.COMPLETION_REQUESTED: (
        "Beskriv hur testbäddens resultat ska användas i förfrågningsunderlaget och bifoga offerten."
    ),
    S.APPROVED: "Ansökan uppfyller villkoren och bedöms ha hög nytta för fler kommuner.",
    S.REJECTED: "Kostnaderna avser till största delen egen personal, vilket inte är stödberättigande.",
    S.WITHDRAWN: "Vi drar tillbaka ansökan eftersom upphandlingen skjuts upp.",
}

# (call key, organisation key, state, title, track index, [(provider, competence, fee)], [(kind, description, amount)])
APPLICATIONS = [
    (
        "2022",
        "kommun",
        S.CLOSED,
        "Behovsanalys för smart vattenmätning",
        0,
        [("Vattenkonsult AB", "Mätteknik och behovsanalys", 150_000)],
        [(BudgetLine.Kind.EXPERTISE, "Konsultarvode behovsanalys", 150_000)],
    ),
    (
        "2022",
        "region",
        S.FINAL_REPORT_SUBMITTED,
        "Testbädd för digital vårdplanering",
        1,
        [("Vårdlabbet", "Testbädd för vårdflöden", 180_000), ("Juridikbyrån HB", "Upphandlingsjuridik", 120_000)],
        [
            (BudgetLine.Kind.TESTBED, "Testbädd tre månader", 180_000),
            (BudgetLine.Kind.EXPERTISE, "Juridisk rådgivning", 120_000),
        ],
    ),
    (
        "2022",
        "kommun",
        S.REJECTED,
        "Utbildning av egen personal i innovationsupphandling",
        0,
        [("Kursgivaren AB", "Utbildning", 90_000)],
        [(BudgetLine.Kind.OTHER, "Kursavgifter", 90_000)],
    ),
    (
        "2022",
        "region",
        S.WITHDRAWN,
        "Marknadsdialog om fossilfria ambulanser",
        0,
        [("Transportanalys AB", "Marknadsanalys", 120_000)],
        [(BudgetLine.Kind.EXPERTISE, "Marknadsanalys", 120_000)],
    ),
    (
        "open",
        "kommun",
        S.DRAFT,
        "Förstudie om AI-stöd i bygglovshandläggning",
        0,
        [("AI-konsult AB", "", None)],
        [(BudgetLine.Kind.EXPERTISE, "Förstudie", 160_000)],
    ),
    (
        "open",
        "region",
        S.SUBMITTED,
        "Labbtester av självdesinficerande ytor",
        1,
        [("Materiallabbet RISE-demo", "Labbtester", 140_000)],
        [(BudgetLine.Kind.TESTBED, "Labbtester", 140_000)],
    ),
    (
        "open",
        "kommun",
        S.IN_REVIEW,
        "Innovationspartnerskap för energieffektiva skolor",
        1,
        [("Energikonsult AB", "Energiteknik", 150_000), ("Upphandlingsstöd AB", "Innovationspartnerskap", 100_000)],
        [
            (BudgetLine.Kind.EXPERTISE, "Energiteknisk expertis", 150_000),
            (BudgetLine.Kind.EXPERTISE, "Upphandlingsstöd", 100_000),
        ],
    ),
    (
        "open",
        "region",
        S.COMPLETION_REQUESTED,
        "Test av sensorer för fallprevention",
        1,
        [("Sensortestbädden", "Testbädd", 175_000)],
        [(BudgetLine.Kind.TESTBED, "Testbädd", 175_000)],
    ),
    (
        "open",
        "kommun",
        S.APPROVED,
        "Funktionskrav för cirkulära möbler",
        0,
        [("Cirkulärkonsult AB", "Cirkulär ekonomi och funktionskrav", 180_000)],
        [(BudgetLine.Kind.EXPERTISE, "Funktionskrav", 160_000), (BudgetLine.Kind.OTHER, "Materialanalys", 20_000)],
    ),
]


def _calls(admin):
    today = timezone.localdate()
    specs = {
        "2022": dict(
            reference_number="2022-00194",
            name="Checkar för innovationsupphandling 2022",
            theme="Hållbarhet",
            opens_on=datetime.date(2022, 3, 1),
            closes_on=datetime.date(2022, 5, 31),
            total_budget=5_000_000,
        ),
        "open": dict(
            reference_number=f"{today.year}-00421",
            name=f"Checkar för innovationsupphandling {today.year}",
            theme="Resiliens och hållbarhet",
            opens_on=today - datetime.timedelta(days=30),
            closes_on=today + datetime.timedelta(days=60),
            total_budget=6_000_000,
        ),
    }
    calls = {}
    for key, spec in specs.items():
        call, created = GrantCall.objects.get_or_create(
            reference_number=spec.pop("reference_number"),
            defaults={
                **spec,
                "description": (
                    "Checkar för innovationsupphandling ger offentliga organisationer möjlighet att köpa in extern "
                    "expertis, testbäddar och labb före eller under en innovationsupphandling."
                ),
                "how_to_apply": "Logga in, välj din verifierade organisation och klicka på ”Ansök om en check”.",
                "status": GrantCall.Status.PUBLISHED,
                "published_at": timezone.now(),
                "created_by": admin,
            },
        )
        if created:
            for position, (name, description, one, more) in enumerate(TRACKS):
                Track.objects.create(
                    call=call, name=name, description=description, cap_one=one, cap_two_or_more=more, position=position
                )
            for position, (name, description, weight) in enumerate(CRITERIA):
                Criterion.objects.create(
                    call=call, name=name, description=description, weight=weight, position=position
                )
        calls[key] = call
    return calls


def _walk(application, path, handler, owner):
    """Record the history of a demo application along its path (no mails), and its `waiting_since` as
    services._move sets it (the moment of the applicant's last move)."""
    previous = S.DRAFT
    for state in path:
        by = owner if state in (S.SUBMITTED, S.FINAL_REPORT_SUBMITTED, S.WITHDRAWN) else handler
        if state == S.IN_REVIEW and previous == S.COMPLETION_REQUESTED:
            by = owner
        change = StateChange.objects.create(
            application=application, from_state=previous, to_state=state, by=by, message=MESSAGES.get(state, "")
        )
        if Application.is_applicant_move(previous, state):
            application.waiting_since = change.created_at
        previous = state
    if application.waiting_since is not None:
        Application.objects.filter(pk=application.pk).update(waiting_since=application.waiting_since)


def _review(application, handler):
    criteria = list(application.call.criteria.all())
    points = [4, 3, 5] if application.state != S.REJECTED else [2, 2, 3]
    review = Review.objects.create(
        application=application,
        handler=handler,
        recommendation=Review.Recommendation.REJECT
        if application.state == S.REJECTED
        else Review.Recommendation.APPROVE,
    )
    for criterion, value in zip(criteria, points, strict=False):
        Score.objects.create(
            review=review, criterion=criterion, score=value, comment=f"Bedömning av {criterion.name.lower()}."
        )
    review.weighted_score = weighted_average((value, c.weight) for c, value in zip(criteria, points, strict=False))
    review.save(update_fields=["weighted_score"])


def seed(world):
    users, organisations = world["users"], world["organisations"]
    handler, decider, admin = users["handlaggare"], users["beslutsfattare"], users["admin"]
    # Four eyes: the demo handler presents (föredragande), the second demo handler decides (beslutsfattare).
    decider.groups.add(Group.objects.get_or_create(name=DECIDERS_GROUP)[0])
    calls = _calls(admin)
    # The demo handler follows the open call: a new application there is mailed to them (checks/notifications.py).
    GrantCallFollow.objects.get_or_create(call=calls["open"], user=handler)
    # Both demo buyers have an application in every state (the list alternates who is first).
    rows = [*APPLICATIONS, *[(c, "region" if o == "kommun" else "kommun", *rest) for c, o, *rest in APPLICATIONS]]
    for call_key, org_key, state, title, track_index, expertise, budget in rows:
        call = calls[call_key]
        organisation = organisations[org_key]
        owner = users[org_key]
        if Application.objects.filter(call=call, organisation=organisation, title=title).exists():
            continue
        with transaction.atomic():
            track = list(call.tracks.all())[track_index]
            total = sum(amount for _kind, _description, amount in budget)
            start = call.closes_on + datetime.timedelta(days=30)
            need = Need.objects.filter(organisation=organisation).order_by("pk").first() if call_key == "open" else None
            application = Application.objects.create(
                call=call,
                need=need,
                track=track,
                organisation=organisation,
                contact=owner,
                created_by=owner,
                title=title,
                purpose="Att med extern expertis ta fram ett underlag för en innovationsupphandling.",
                background="Behovet har identifierats i verksamheten och en första marknadsanalys är gjord.",
                expected_results="Ett beslutsunderlag och ett utkast till förfrågningsunderlag med funktionskrav.",
                requested_amount=total,
                period_start=start,
                period_end=start + datetime.timedelta(days=150),
            )
            for provider, competence, fee in expertise:
                ExpertiseLine.objects.create(application=application, provider=provider, competence=competence, fee=fee)
            for kind, description, amount in budget:
                BudgetLine.objects.create(
                    application=application,
                    kind=kind,
                    description=description,
                    amount=amount,
                    actual_amount=amount if state in (S.FINAL_REPORT_SUBMITTED, S.CLOSED) else None,
                )
            path = PATHS[state]
            if path:
                submitted = timezone.make_aware(
                    datetime.datetime.combine(call.opens_on + datetime.timedelta(days=10), datetime.time(10))
                )
                application.reference = next_reference(call.opens_on.year)
                application.submitted_at = submitted
            application.state = state
            if state not in (S.DRAFT, S.SUBMITTED, S.WITHDRAWN):
                application.assigned_to = handler
            application.save()
            _walk(application, path, handler, owner)
            if S.IN_REVIEW in path and state not in (S.WITHDRAWN,):
                _review(application, handler)
            if state == S.IN_REVIEW and org_key == "kommun":
                # A case the demo decider finds on the queue's "awaiting decision" tab.
                DecisionProposal.objects.create(
                    application=application,
                    outcome=S.APPROVED,
                    granted_amount=total,
                    reasoning=MESSAGES[S.APPROVED],
                    proposed_by=handler,
                )
            outcome = S.APPROVED if S.APPROVED in path else (S.REJECTED if S.REJECTED in path else None)
            if outcome:
                decision = Decision.objects.create(
                    application=application,
                    for_application=application,
                    outcome=outcome,
                    granted_amount=total if outcome == S.APPROVED else 0,
                    reasoning=MESSAGES[outcome],
                    decided_by=decider,
                    presented_by=handler,
                )
                DecisionProposal.objects.create(
                    application=application,
                    status=DecisionProposal.Status.DECIDED,
                    outcome=outcome,
                    granted_amount=decision.granted_amount,
                    reasoning=decision.reasoning,
                    proposed_by=handler,
                    decision=decision,
                )
                letter, _ = create_document(
                    kind=DECISION_LETTER, by=decider, language=owner.language, application=application
                )
                DecisionLetter.objects.filter(pk=letter.pk).update(mailed_at=timezone.now(), decision=decision)
            if state in (S.FINAL_REPORT_SUBMITTED, S.CLOSED):
                FinalReport.objects.create(
                    application=application,
                    results="Behovsanalysen visade att en innovationsupphandling med funktionskrav är rätt väg.",
                    outcome="Upphandlingen har startat som ett öppet förfarande med funktionskrav.",
                    procurement_started=True,
                    procedure=FinalReport.Procedure.OPEN,
                    submitted_at=timezone.now(),
                    accepted_at=timezone.now() if state == S.CLOSED else None,
                    accepted_by=handler if state == S.CLOSED else None,
                )
