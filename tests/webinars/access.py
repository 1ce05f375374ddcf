from datetime import timedelta

from django.utils import timezone

from tests.access import AccessCase
from webinars.models import Webinar
from webinars.selectors import registration_token

from .factories import RegistrationFactory, SeriesFactory, WebinarFactory

LOGIN = {"anonymous": 302}
CAPTIONS = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHej\n"
ADMIN_ONLY = {"anonymous": 302, "admin": 200}


def cases(world):
    series = SeriesFactory(slug="access-series")
    published = WebinarFactory(series=series)
    draft = WebinarFactory(series=series, status=Webinar.Status.DRAFT)
    started = WebinarFactory(
        series=series, starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    captioned = WebinarFactory(
        series=series, recording_url="https://video.example.org/1.mp4", recording_captions=CAPTIONS
    )
    draft_captioned = WebinarFactory(series=series, status=Webinar.Status.DRAFT, recording_captions=CAPTIONS)
    registration = RegistrationFactory(webinar=published)
    cancellable = RegistrationFactory(webinar=published)
    token = registration_token(registration)
    return [
        AccessCase("webinars:list", {}, default=200),
        AccessCase("webinars:past", {}, default=200),
        AccessCase("webinars:series_detail", {}, kwargs={"slug": series.slug}, default=200),
        AccessCase("webinars:series_feed", {}, kwargs={"slug": series.slug}, default=200),
        AccessCase("webinars:detail", {}, kwargs={"pk": published.pk}, default=200),
        # Drafts are only for portal admins (a preview); for everyone else they do not exist.
        AccessCase("webinars:webinar_ics", {"admin": 200}, kwargs={"pk": draft.pk}, default=404),
        # Captions of a public recording are for everyone; a draft's only for admins.
        AccessCase("webinars:captions", {}, kwargs={"pk": captioned.pk}, default=200),
        AccessCase("webinars:captions", {"admin": 200}, kwargs={"pk": draft_captioned.pk}, default=404),
        # The personal page is reached by its signed link, whoever holds it.
        AccessCase("webinars:registration", {}, kwargs={"token": token}, default=200),
        AccessCase("webinars:registration_ics", {}, kwargs={"token": token}, default=200),
        AccessCase("webinars:registration_cancel", {}, kwargs={"token": token}, default=405),
        AccessCase("webinars:manage", ADMIN_ONLY, default=403),
        AccessCase("webinars:series_create", ADMIN_ONLY, default=403),
        AccessCase("webinars:series_edit", ADMIN_ONLY, kwargs={"pk": series.pk}, default=403),
        AccessCase("webinars:webinar_create", ADMIN_ONLY, default=403),
        AccessCase("webinars:manage_detail", ADMIN_ONLY, kwargs={"pk": draft.pk}, default=403),
        AccessCase("webinars:webinar_edit", ADMIN_ONLY, kwargs={"pk": draft.pk}, default=403),
        AccessCase("webinars:webinar_publish", {"anonymous": 302, "admin": 405}, kwargs={"pk": draft.pk}, default=403),
        AccessCase("webinars:webinar_cancel", ADMIN_ONLY, kwargs={"pk": published.pk}, default=403),
        AccessCase("webinars:webinar_recording", ADMIN_ONLY, kwargs={"pk": started.pk}, default=403),
        AccessCase("webinars:registrations_csv", ADMIN_ONLY, kwargs={"pk": published.pk}, default=403),
        AccessCase(
            "webinars:admin_registration_cancel",
            {"anonymous": 302, "admin": 405},
            kwargs={"pk": cancellable.pk},
            default=403,
        ),
    ]
