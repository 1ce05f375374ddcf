from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from webinars import ics
from webinars.models import Registration
from webinars.selectors import registration_token

from .factories import RegistrationFactory, SeriesFactory, WebinarFactory

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _events(content: bytes):
    calendar = icalendar.Calendar.from_ical(content)
    return calendar, [c for c in calendar.walk("VEVENT")]


@pytest.mark.parametrize(
    ("local_start", "utc_hour"),
    [
        (datetime(2030, 1, 15, 10, 0), 9),  # winter: CET, UTC+1
        (datetime(2030, 6, 15, 10, 0), 8),  # summer: CEST, UTC+2
    ],
)
def test_webinar_ics_has_stockholm_times_and_timezone(local_start, utc_hour):
    starts = local_start.replace(tzinfo=STOCKHOLM)
    webinar = WebinarFactory(title="Solceller", starts_at=starts, ends_at=starts + timedelta(minutes=90))
    calendar, events = _events(ics.webinar_ics(webinar))
    assert len(events) == 1
    event = events[0]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(event.get("dtstart").params["TZID"]) == "Europe/Stockholm"
    assert (start.hour, start.minute) == (10, 0)
    assert start.astimezone(ZoneInfo("UTC")).hour == utc_hour
    assert start == webinar.starts_at and end == webinar.ends_at
    assert str(event.get("summary")) == "Solceller"
    assert [str(tz.get("tzid")) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]


def test_public_ics_never_contains_the_join_link():
    webinar = WebinarFactory()
    assert webinar.join_url.encode() not in ics.webinar_ics(webinar)


def test_personal_ics_has_join_link_only_for_a_confirmed_seat():
    webinar = WebinarFactory()
    confirmed = RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status=Registration.Status.WAITLISTED)
    _, events = _events(ics.registration_ics(confirmed))
    assert webinar.join_url in str(events[0].get("description"))
    assert webinar.join_url not in ics.registration_ics(waiting).decode()


def test_confirmation_mail_ics_attachment_parses_with_the_right_times(client, django_capture_on_commit_callbacks):
    from django.core import mail

    starts = datetime(2030, 3, 13, 10, 0, tzinfo=STOCKHOLM)
    webinar = WebinarFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("webinars:detail", args=[webinar.pk]),
            {"name": "Eva", "email": "eva@example.org", "consent": "on"},
        )
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "webinar.ics" and mimetype.startswith("text/calendar")
    _, events = _events(content.encode() if isinstance(content, str) else content)
    assert events[0].decoded("dtstart") == starts
    assert events[0].decoded("dtstart").hour == 10


def test_series_feed_lists_public_webinars_with_cancelled_marked(client):
    series = SeriesFactory(slug="i-fokus")
    published = WebinarFactory(series=series)
    cancelled = WebinarFactory(series=series, status="cancelled", cancellation_message="Ill")
    draft = WebinarFactory(series=series, status="draft")
    response = client.get(reverse("webinars:series_feed", args=["i-fokus"]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar, events = _events(response.content)
    assert str(calendar.get("x-wr-calname")) == series.title
    by_uid = {str(e.get("uid")): e for e in events}
    assert f"{published.uid}@innovationsupphandlingsportalen" in by_uid
    assert str(by_uid[f"{cancelled.uid}@innovationsupphandlingsportalen"].get("status")) == "CANCELLED"
    assert f"{draft.uid}@innovationsupphandlingsportalen" not in by_uid
    assert published.join_url not in response.content.decode()


def test_personal_ics_download_and_not_after_cancelling(client):
    registration = RegistrationFactory()
    url = reverse("webinars:registration_ics", args=[registration_token(registration)])
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    registration.status = Registration.Status.CANCELLED
    registration.save()
    assert client.get(url).status_code == 404


def test_personal_ics_is_not_offered_on_the_waiting_list(client):
    registration = RegistrationFactory(status=Registration.Status.WAITLISTED, confirmed_at=None)
    assert client.get(reverse("webinars:registration_ics", args=[registration_token(registration)])).status_code == 404
