"""Factories for the projects app's tests. Each makes exactly what its name says."""

from datetime import timedelta

import factory
from django.utils import timezone

from projects.models import Call, CpvCode, InterestProfile, MarketGapAssessment, Need, Question, Response
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


def draft_call(**kwargs) -> Call:
    kwargs.setdefault("opens_at", timezone.now() + timedelta(days=1))
    kwargs.setdefault("closes_at", timezone.now() + timedelta(days=30))
    return CallFactory(status=Call.Status.DRAFT, published_at=None, **kwargs)


def closed_call(**kwargs) -> Call:
    return CallFactory(
        status=Call.Status.CLOSED,
        opens_at=timezone.now() - timedelta(days=30),
        closes_at=timezone.now() - timedelta(days=1),
        **kwargs,
    )


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


def cpv(code: str, check: str = "0", label: str = "") -> CpvCode:
    return CpvCode.objects.get_or_create(code=code, defaults={"check_digit": check, "label": label or code})[0]


def profile(organisation, *, codes=(), categories=(), themes=(), keywords="") -> InterestProfile:
    result = InterestProfile.objects.create(
        organisation=organisation, categories=list(categories), themes=list(themes), keywords=keywords
    )
    result.cpv_codes.set(codes)
    return result
