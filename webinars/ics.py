"""iCalendar files: one webinar (public or personal, with the join link) and the feed of a series.

Times are written in Europe/Stockholm with its VTIMEZONE, so calendar programs
show the right local time also across daylight-saving changes.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Registration, Series, Webinar

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PRODID = "-//Innovationsupphandlingsportalen//Webinars//SV"
# The right-hand side of every UID the portal writes (webinars here, calls in opendata/feed_ics.py): a constant,
# never the request's host or SITE_URL, so that an event keeps its UID when the portal moves to another address.
UID_DOMAIN = "innovationsupphandlingsportalen"


def new_calendar(name: str | None = None, *, prodid: str = PRODID) -> icalendar.Calendar:
    """An empty VCALENDAR (version 2.0, Gregorian), named `name` for calendar programs that show a feed's name."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
    return calendar


def webinar_event(webinar: Webinar, *, join_url: str = "") -> icalendar.Event:
    """The VEVENT of a webinar (also in opendata's calendar feeds, with the same UID and SEQUENCE)."""
    page = settings.SITE_URL + reverse("webinars:detail", args=[webinar.pk])
    event = icalendar.Event()
    event.add("uid", f"{webinar.uid}@{UID_DOMAIN}")
    event.add("dtstamp", datetime.now(UTC))
    event.add("last-modified", webinar.updated_at.astimezone(UTC))
    event.add("dtstart", webinar.starts_at.astimezone(STOCKHOLM))
    event.add("dtend", webinar.ends_at.astimezone(STOCKHOLM))
    event.add("sequence", webinar.sequence)
    event.add("summary", webinar.title)
    lines = [webinar.summary] if webinar.summary else []
    if join_url:
        lines.append(_("Join the webinar: %(url)s") % {"url": join_url})
    lines.append(_("More information: %(url)s") % {"url": page})
    if webinar.is_cancelled:
        event.add("status", "CANCELLED")
        if webinar.cancellation_message:
            lines.insert(0, webinar.cancellation_message)
    else:
        event.add("status", "CONFIRMED")
    event.add("description", "\n\n".join(lines))
    event.add("url", page)
    event.add("location", join_url or _("Online"))
    return event


def as_feed(calendar: icalendar.Calendar) -> None:
    """Mark `calendar` as a subscription: Stockholm time, and a hint to calendar programs to refresh twice a day."""
    calendar.add("x-wr-timezone", "Europe/Stockholm")
    calendar.add("refresh-interval", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")


def finish(calendar: icalendar.Calendar) -> bytes:
    """The calendar as RFC 5545 text, with the VTIMEZONE of every time zone its events use."""
    calendar.add_missing_timezones()
    return calendar.to_ical()


def webinar_ics(webinar: Webinar) -> bytes:
    """The public calendar file of one webinar (no join link)."""
    calendar = new_calendar()
    calendar.add("method", "PUBLISH")
    calendar.add_component(webinar_event(webinar))
    return finish(calendar)


def registration_ics(registration: Registration) -> bytes:
    """The personal calendar file of a registrant: the join link is in it only for a confirmed seat."""
    with translation.override(registration.language):
        calendar = new_calendar()
        calendar.add("method", "PUBLISH")
        join_url = registration.webinar.join_url if registration.is_confirmed else ""
        calendar.add_component(webinar_event(registration.webinar, join_url=join_url))
        return finish(calendar)


def series_feed(series: Series, webinars) -> bytes:
    """A subscribable feed of a series' published and cancelled webinars."""
    calendar = new_calendar(series.title)
    as_feed(calendar)
    for webinar in webinars:
        calendar.add_component(webinar_event(webinar))
    return finish(calendar)


def http_response(content: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    """A calendar file as a download (or inline, for a feed that calendar programs subscribe to)."""
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
