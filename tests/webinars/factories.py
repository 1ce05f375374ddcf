"""Factories for the webinars app's tests."""

from datetime import timedelta

import factory
from django.utils import timezone

from webinars.models import Registration, Series, Speaker, Webinar


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    title = factory.Sequence(lambda n: f"Series {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")


class WebinarFactory(factory.django.DjangoModelFactory):
    """A published webinar a week from now, one hour long, no capacity limit."""

    class Meta:
        model = Webinar

    series = factory.SubFactory(SeriesFactory)
    title = factory.Sequence(lambda n: f"Webinar {n}")
    summary = "A summary."
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    join_url = "https://meet.example.org/secret-room"
    status = Webinar.Status.PUBLISHED


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    webinar = factory.SubFactory(WebinarFactory)
    name = factory.Sequence(lambda n: f"Speaker {n}")
    title = "Expert"
    organisation = "Agency"


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    webinar = factory.SubFactory(WebinarFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    status = Registration.Status.CONFIRMED
    consent_at = factory.LazyFunction(timezone.now)
    queued_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)
