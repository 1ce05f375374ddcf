"""The calendar feeds' iCalendar text: valid RFC 5545, stable UIDs, a change is a newer SEQUENCE."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from projects.amendments.services import amend_call
from projects.models import Call, Need
from tests.factories import make_buyer
from tests.projects.factories import CallFactory, NeedFactory
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FEED = "/oppna-data/kalender.ics"


def _events(content: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_feed_url_is_the_documented_one():
    assert reverse("opendata:calendar") == FEED


def test_feed_is_valid_rfc5545_with_folded_lines_and_escaped_text(client):
    need = NeedFactory(title="Laddning; vid ,kajen\\ och en mycket lång titel " + "å" * 60)
    call = CallFactory(need=need, title="Dialog, del 1; om laddning")
    WebinarFactory(title="I fokus: innovation")
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    content = response.content
    assert content.startswith(b"BEGIN:VCALENDAR\r\n") and content.endswith(b"END:VCALENDAR\r\n")
    lines = content.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), "lines are folded at 75 octets (RFC 5545 3.1)"
    assert b"\n" not in content.replace(b"\r\n", b"")
    calendar = icalendar.Calendar.from_ical(content)
    assert str(calendar["version"]) == "2.0" and str(calendar["prodid"])
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    events = _events(content)
    closes = events[f"call-{call.pk}-closes@innovationsupphandlingsportalen"]
    assert "Dialog, del 1; om laddning" in str(closes["summary"])
    assert b"Dialog\\, del 1\\; om laddning" in content  # TEXT escaping (RFC 5545 3.3.11)
    assert need.title in str(closes["description"])
    for event in events.values():
        for required in ("uid", "dtstamp", "dtstart", "sequence", "summary"):
            assert required in event, required
    assert closes.decoded("dtstart") == call.closes_at.replace(microsecond=0)
    assert str(closes["dtstart"].params["TZID"]) == "Europe/Stockholm"
    assert "dtend" not in closes  # a moment: ends when it starts (RFC 5545 3.6.1)


def test_feed_has_both_moments_of_a_call_and_the_webinars(client):
    call = CallFactory()
    webinar = WebinarFactory()
    events = _events(client.get(FEED).content)
    opens = events[f"call-{call.pk}-opens@innovationsupphandlingsportalen"]
    assert opens.decoded("dtstart") == call.opens_at.replace(microsecond=0)
    assert f"{webinar.uid}@innovationsupphandlingsportalen" in events
    assert str(opens["url"]).endswith(reverse("projects:call_detail", args=[call.pk]))


def test_uids_are_the_same_at_every_regeneration_whatever_the_host(client, settings):
    call = CallFactory()
    webinar = WebinarFactory()
    first = _events(client.get(FEED).content)
    settings.ALLOWED_HOSTS = ["*"]
    second = _events(client.get(FEED, HTTP_HOST="other.example.org").content)
    assert set(first) == set(second)
    assert {f"call-{call.pk}-opens", f"call-{call.pk}-closes"} <= {uid.split("@")[0] for uid in first}
    assert f"{webinar.uid}@innovationsupphandlingsportalen" in first
    key = f"call-{call.pk}-closes@innovationsupphandlingsportalen"
    assert first[key].to_ical() == second[key].to_ical(), "an unchanged event is the same text"


def test_an_amended_deadline_keeps_the_uid_with_a_higher_sequence(client):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=buyer.memberships.get().organisation))
    key = f"call-{call.pk}-closes@innovationsupphandlingsportalen"
    # Made a while before it is amended, as any real call is.
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now() - timedelta(seconds=5))
    Need.objects.filter(pk=call.need_id).update(updated_at=timezone.now() - timedelta(seconds=5))
    before = _events(client.get(FEED).content)[key]
    new_closing = (call.closes_at + timedelta(days=7)).replace(microsecond=0)
    amend_call(call=call, by=buyer, text="Vi ger mer tid.", closes_at=new_closing)
    after = _events(client.get(FEED).content)[key]
    assert after.decoded("dtstart") == new_closing
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("last-modified") > before.decoded("last-modified")


def test_a_cancelled_call_in_the_window_is_marked_cancelled(client):
    call = CallFactory(status=Call.Status.CANCELLED, cancel_reason="Budget")
    events = _events(client.get(FEED).content)
    assert str(events[f"call-{call.pk}-closes@innovationsupphandlingsportalen"]["status"]) == "CANCELLED"
    assert str(events[f"call-{call.pk}-opens@innovationsupphandlingsportalen"]["status"]) == "CANCELLED"


def test_a_cancelled_webinar_is_marked_cancelled(client):
    webinar = WebinarFactory(status="cancelled")
    events = _events(client.get(FEED).content)
    assert str(events[f"{webinar.uid}@innovationsupphandlingsportalen"]["status"]) == "CANCELLED"


def test_drafts_unpublished_needs_and_old_events_are_left_out(client):
    draft = CallFactory(draft=True)
    hidden = CallFactory(need=NeedFactory(visibility="draft"))
    old = CallFactory(
        opens_at=timezone.now() - timedelta(days=200),
        closes_at=timezone.now() - timedelta(days=100),
        status=Call.Status.CLOSED,
    )
    recent = CallFactory(closed=True)
    draft_webinar = WebinarFactory(status="draft")
    events = _events(client.get(FEED).content)
    ids = {uid.split("@")[0] for uid in events}
    assert f"call-{recent.pk}-closes" in ids
    for call in (draft, hidden, old):
        assert f"call-{call.pk}-closes" not in ids
    assert f"{draft_webinar.uid}" not in ids


def test_the_feed_is_in_the_asked_language(client):
    call = CallFactory()
    key = f"call-{call.pk}-closes@innovationsupphandlingsportalen"
    swedish = _events(client.get(FEED).content)[key]
    english = _events(client.get(FEED + "?lang=en").content)[key]
    assert str(swedish["summary"]).startswith("Sista dag")
    assert str(english["summary"]).startswith("Deadline")


def test_a_kept_event_text_changes_with_what_it_shows(client):
    """The calls' events are kept in the cache under a digest of what they show: a buyer's new name is new text."""
    call = CallFactory()
    key = f"call-{call.pk}-closes@innovationsupphandlingsportalen"
    assert "Gamla namnet" not in str(_events(client.get(FEED).content)[key]["description"])
    organisation = call.need.organisation
    organisation.name = "Gamla namnet AB"
    organisation.save()
    assert "Gamla namnet AB" in str(_events(client.get(FEED).content)[key]["description"])
