"""The calendar file (iCalendar, RFC 5545 / iTIP RFC 5546) of a booked dialogue meeting.

One event per booking with a UID that never changes: booked → METHOD:REQUEST, SEQUENCE 0; moved → REQUEST with
the new times and a higher SEQUENCE (calendar programs update the event they have); cancelled → METHOD:CANCEL,
STATUS:CANCELLED, a higher SEQUENCE again. Times are written in UTC. The `icalendar` library escapes text
(backslash, comma, semicolon, newline) and folds lines longer than 75 octets.

Only what both sides may see goes in: the call, the time, the place or link and the slot's note. Never the
buyer's internal notes.
"""

from datetime import UTC, datetime
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import MeetingBooking

PRODID = "-//Innovationsupphandlingsportalen//Dialogue meetings//SV"


def meeting_uid(booking: MeetingBooking) -> str:
    return f"meeting-{booking.uid}@innovationsupphandlingsportalen"


def meeting_ics(booking: MeetingBooking) -> bytes:
    """The calendar file of `booking` as it is now: a request while booked, a cancellation once cancelled."""
    slot, call = booking.slot, booking.call
    cancelled = booking.is_cancelled
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", meeting_uid(booking))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", slot.starts_at.astimezone(UTC))
    event.add("dtend", slot.ends_at.astimezone(UTC))
    event.add("sequence", booking.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add(
        "summary",
        _("Dialogue meeting: %(call)s (%(buyer)s – %(company)s)")
        % {"call": call.title, "buyer": call.need.organisation.name, "company": booking.organisation.name},
    )
    page = settings.SITE_URL + reverse("projects:call_detail", args=[call.pk])
    lines = [slot.note] if slot.note else []
    if slot.video_url:
        lines.append(_("Video link: %(url)s") % {"url": slot.video_url})
    lines.append(_("The call: %(url)s") % {"url": page})
    event.add("description", "\n\n".join(lines))
    event.add("location", slot.place or slot.video_url)
    event.add("url", slot.video_url or page)
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@portal.example.se"
    organizer = icalendar.vCalAddress(f"mailto:{sender}")
    organizer.params["cn"] = icalendar.vText(call.need.organisation.name)
    event.add("organizer", organizer)
    if booking.booked_by_id and booking.booked_by.email:
        attendee = icalendar.vCalAddress(f"mailto:{booking.booked_by.email}")
        attendee.params["cn"] = icalendar.vText(booking.organisation.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def filename(booking: MeetingBooking) -> str:
    return f"dialogmote-{booking.pk}.ics"


def ics_response(booking: MeetingBooking) -> HttpResponse:
    response = HttpResponse(meeting_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(booking)}"'
    response["Cache-Control"] = "private, no-store"
    return response
