"""Builds a need with its whole market dialogue for decision-support document tests and the PDF benchmark."""

import datetime

from django.utils import timezone

from portal.models import Organisation
from projects.models import Call, Conclusion, Need, Procedure, Response
from tests.factories import OrganisationFactory
from tests.projects.factories import AssessmentFactory, CallFactory, NeedFactory, QuestionFactory, ResponseFactory

SUMMARIES = [
    "A sensor network that measures indoor climate in every classroom and adjusts ventilation on demand.",
    "Cloud service that predicts energy use from weather forecasts and occupancy, with an open API.",
    "Retrofit kit for existing air handling units; installs in a day without replacing ducts.",
    "Pilot with a school in Umeå showed 23 % lower energy use and fewer complaints about the air.",
    "Research prototype from a university spin-off; needs a test bed to reach TRL 7.",
]


def build_need_with_dialogue(*, organisation=None, calls: int = 3, responses: int = 50, author=None) -> Need:
    """A published need in the dialogue stage with an assessment, `calls` calls and `responses` responses."""
    organisation = organisation or OrganisationFactory(name="Testkommun", kind=Organisation.Kind.PUBLIC_BODY)
    now = timezone.now()
    need = NeedFactory(
        organisation=organisation,
        title="Smart ventilation in schools",
        summary="Classrooms get too warm and stuffy in the afternoon. We need ventilation that follows how "
        "rooms are actually used, without raising energy use.",
        problem="Many of our 40 schools were built in the 1970s. Ventilation runs on fixed schedules.",
        desired_effects="Better air quality (CO₂ below 1000 ppm), 20 % lower energy use for ventilation.",
        affected="Pupils, teachers, caretakers and the property department.",
        themes=["hallbarhet"],
        category="byggnader",
        estimated_value=4_500_000,
        planned_start=datetime.date(2027, 3, 1),
        stage=Need.Stage.DIALOGUE,
        visibility=Need.Visibility.PUBLISHED,
        published_at=now,
        author=author,
    )
    AssessmentFactory(
        need=need,
        version=1,
        conclusion=Conclusion.UNTESTED,
        evidence="Desk research found four suppliers abroad; none has delivered to Swedish schools.",
        source_desk_research=True,
        source_rfi=True,
        source_suppliers=True,
        suppliers_consulted=6,
        sources_notes="RFI published in the portal; meetings with three suppliers.",
        trl=6,
        risks="Integration with the existing building management system may be costly.",
        suggested_procedure=Procedure.INNOVATION_PARTNERSHIP,
        chosen_procedure=Procedure.COMPETITIVE_DIALOGUE,
        rationale="The solutions exist but must be adapted to our buildings; a dialogue lets us shape them.",
        author=author,
    )
    companies = [
        OrganisationFactory(name=f"Klimatbolaget {number} AB", kind=Organisation.Kind.COMPANY)
        for number in range(1, responses + 1)
    ]
    kinds = [Call.Kind.RFI, Call.Kind.CONSULTATION, Call.Kind.IDEA_COMPETITION]
    made_calls = []
    for number in range(calls):
        opens = now - datetime.timedelta(days=60 - number * 10)
        made_calls.append(
            CallFactory(
                need=need,
                kind=kinds[number % 3],
                title=f"{kinds[number % 3].label} {number + 1}: ventilation",
                description="Tell us what exists and how mature it is.",
                questions_to_market="What does it cost?\nHow is it installed?",
                opens_at=opens,
                closes_at=opens + datetime.timedelta(days=30),
                status=Call.Status.CLOSED,
                published_at=opens,
                opened_at=opens,
                closed_at=opens + datetime.timedelta(days=30),
            )
        )
    for number, company in enumerate(companies):
        ResponseFactory(
            call=made_calls[number % len(made_calls)] if made_calls else None,
            organisation=company,
            summary=SUMMARIES[number % len(SUMMARIES)],
            trl=[4, 5, 6, 6, 7, 7, 7, 8, 9, 3][number % 10],
            status=Response.Status.SUBMITTED,
            submitted_at=now,
        )
    for call in made_calls:
        QuestionFactory(
            call=call,
            organisation=companies[0],
            text="Can we propose a solution that also covers heating?",
            answer="Yes, if ventilation remains the main part of the solution.",
            answered_at=now,
            status="published",
            published_at=now,
            asked_by=None,
        )
    return need
