"""Factories for the projects app's tests. Each makes exactly what its name says."""

from datetime import timedelta

import factory
from django.utils import timezone

from projects.models import Call, CpvCode, InterestProfile, MarketGapAssessment, Need, Question, Response
from projects.structured.selectors import questions_of
from projects.structured.services import save_answers, set_market_questions
from tests.factories import OrganisationFactory, UserFactory


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Behov {n}")
    summary = "Ett behov som beskrivs kort."
    problem = "Problemet."
    category = "energi"
    themes = factory.LazyFunction(lambda: ["hallbarhet"])
    stage = Need.Stage.NEED
    visibility = Need.Visibility.PUBLISHED
    published_at = factory.LazyAttribute(lambda o: timezone.now() if o.visibility == "published" else None)


class CallFactory(factory.django.DjangoModelFactory):
    """An open call by default: published yesterday, closes in 30 days."""

    class Meta:
        model = Call

    need = factory.SubFactory(NeedFactory)
    kind = Call.Kind.RFI
    title = factory.Sequence(lambda n: f"Utlysning {n}")
    description = "Beskrivning av utlysningen."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    status = Call.Status.OPEN
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    class Params:
        # Not published yet: opens tomorrow.
        draft = factory.Trait(
            status=Call.Status.DRAFT,
            published_at=None,
            opens_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
        )
        # Closed yesterday, after 29 days open.
        closed = factory.Trait(
            status=Call.Status.CLOSED,
            opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=30)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
        )


def draft_call(**kwargs) -> Call:
    return CallFactory(draft=True, **kwargs)


def closed_call(**kwargs) -> Call:
    return CallFactory(closed=True, **kwargs)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory, kind="company")
    summary = "Vår lösning."
    trl = 6
    status = Response.Status.SUBMITTED
    submitted_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == "submitted" else None)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    call = factory.SubFactory(CallFactory)
    organisation = factory.SubFactory(OrganisationFactory, kind="company")
    asked_by = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Fråga nummer {n}?")
    public_text = factory.LazyAttribute(lambda question: question.text)
    status = Question.Status.PENDING

    class Params:
        # Answered but not yet published (only the buyer sees it).
        answered = factory.Trait(answer="Svaret.", answered_at=factory.LazyFunction(timezone.now))
        # Answered and published: everyone sees the public wording and the answer.
        published = factory.Trait(
            status=Question.Status.PUBLISHED,
            answer="Svaret.",
            answered_at=factory.LazyFunction(timezone.now),
            published_at=factory.LazyFunction(timezone.now),
        )
        rejected = factory.Trait(
            status=Question.Status.REJECTED,
            reject_reason="Frågan gäller inte utlysningen.",
            rejected_at=factory.LazyFunction(timezone.now),
        )


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketGapAssessment

    need = factory.SubFactory(NeedFactory)
    version = factory.Sequence(lambda n: n + 1)
    conclusion = "new_development"
    evidence = "Underlag."
    trl = 3
    suggested_procedure = "pcp"
    chosen_procedure = "pcp"


class CpvCodeFactory(factory.django.DjangoModelFactory):
    """A CPV code (fetched if it exists already); its label is the code unless given."""

    class Meta:
        model = CpvCode
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90000000 + n}")
    check_digit = "0"
    label = factory.SelfAttribute("code")


def cpv(code: str, check: str = "0", label: str = "") -> CpvCode:
    return CpvCodeFactory(code=code, check_digit=check, **({"label": label} if label else {}))


class InterestProfileFactory(factory.django.DjangoModelFactory):
    """An organisation's interest profile; `cpv_codes=[…]` sets its CPV codes."""

    class Meta:
        model = InterestProfile
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory, kind="company")
    categories = factory.LazyFunction(list)
    themes = factory.LazyFunction(list)
    keywords = ""

    @factory.post_generation
    def cpv_codes(self, create, extracted, **kwargs):
        if create and extracted:
            self.cpv_codes.set(extracted)


def profile(organisation, *, codes=(), categories=(), themes=(), keywords="") -> InterestProfile:
    return InterestProfileFactory(
        organisation=organisation,
        cpv_codes=list(codes),
        categories=list(categories),
        themes=list(themes),
        keywords=keywords,
    )


def with_questions(call: Call, *texts: str) -> list:
    """Give the call numbered questions to the market (1, 2, …), as the call form does; returns them in order."""
    call.questions_to_market = "\n".join(texts)
    call.save(update_fields=["questions_to_market"])
    set_market_questions(call=call, questions=list(texts))
    return questions_of(call)


def answer(response: Response, **answers: str) -> Response:
    """Store answers by number: answer(response, q1="…", q3="…")."""
    save_answers(response=response, answers={int(key[1:]): text for key, text in answers.items()})
    return response
