"""The calendar feeds as iCalendar (RFC 5545): a call's opening and closing time, and webinars.

Webinars are written by `webinars.ics.webinar_event`, so a webinar has the same UID and SEQUENCE here as in its
series' feed and in the file its registrants were mailed. A call gives two events, `call-<pk>-opens@…` and
`call-<pk>-closes@…` (the right-hand side is `webinars.ics.UID_DOMAIN`, a constant: never the request's host).
Their SEQUENCE is the number of seconds from `SEQUENCE_EPOCH` to the last change of the call or its need, so it
only grows and every change of a time, a title or the state is a newer version for calendar programs
(RFC 5545 3.8.7.4); LAST-MODIFIED and DTSTAMP are that same moment, so the text of an unchanged event is the same
at every request. A cancelled call keeps its events, with STATUS:CANCELLED, as long as it is in the feed's window.
Times are in Europe/Stockholm with its VTIMEZONE; the icalendar package folds lines at 75 octets and escapes text.
"""

from datetime import UTC, datetime
from hashlib import sha256

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from projects.models import Call
from webinars.ics import STOCKHOLM, UID_DOMAIN, as_feed, finish, new_calendar, webinar_event

PRODID = "-//Innovationsupphandlingsportalen//Calendar feed//SV"
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # seconds since then fit a 32-bit SEQUENCE until 2088
EVENT_TTL = 24 * 60 * 60  # a call's events unused for a day leave the cache
TEXT_VERSION = 1  # raise when _call_event writes something else, so that no older text is used


def call_uid(call: Call, moment: str) -> str:
    """The UID of a call's `moment` ("opens" or "closes"): the same in every feed and at every request."""
    return f"call-{call.pk}-{moment}@{UID_DOMAIN}"


def call_modified(call: Call) -> datetime:
    """The last change of what a call's events show: the call or its need (title, organisation's need)."""
    return max(call.updated_at, call.need.updated_at).astimezone(UTC).replace(microsecond=0)


def sequence_of(modified: datetime) -> int:
    return max(0, int((modified - SEQUENCE_EPOCH).total_seconds()))


def _call_page_pattern() -> str:
    """The address of a call's page with `{pk}` in place of its id: one `reverse` per feed, not one per call."""
    return settings.SITE_URL + reverse("projects:call_detail", args=[0]).replace("/0/", "/{pk}/")


def _call_event(call: Call, moment: str, page_pattern: str) -> icalendar.Event:
    page = page_pattern.format(pk=call.pk)
    modified = call_modified(call)
    need = call.need
    event = icalendar.Event()
    event.add("uid", call_uid(call, moment))
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("sequence", sequence_of(modified))
    if moment == "opens":
        event.add("dtstart", call.opens_at.astimezone(STOCKHOLM))
        event.add("summary", _("Call opens: %(title)s") % {"title": call.title})
    else:
        event.add("dtstart", call.closes_at.astimezone(STOCKHOLM))
        event.add("summary", _("Deadline: %(title)s") % {"title": call.title})
    # A moment, not a meeting: no DTEND (it ends when it starts, RFC 5545 3.6.1) and it keeps the time free.
    event.add("transp", "TRANSPARENT")
    lines = [
        _("%(kind)s from %(organisation)s") % {"kind": call.get_kind_display(), "organisation": need.organisation.name},
        _("Need: %(title)s") % {"title": need.title},
        _("Opens %(opens)s, closes %(closes)s (Swedish time).")
        % {
            "opens": f"{call.opens_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}",
            "closes": f"{call.closes_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}",
        },
    ]
    if call.is_cancelled:
        event.add("status", "CANCELLED")
        lines.insert(0, _("The call is cancelled."))
    else:
        event.add("status", "CONFIRMED")
    lines.append(_("More information: %(url)s") % {"url": page})
    event.add("description", "\n\n".join(lines))
    event.add("url", page)
    event.add("categories", [_("Call to the market")])
    return event


def _call_key(call: Call, page_pattern: str) -> str:
    """The cache key of a call's two events: a digest of everything they show, in the active language."""
    need = call.need
    shown = (
        call.pk,
        call.title,
        call.kind,
        call.status,
        call.opens_at.isoformat(),
        call.closes_at.isoformat(),
        call_modified(call).isoformat(),
        need.title,
        need.organisation.name,
        get_language(),
        page_pattern,
        TEXT_VERSION,
    )
    return "calendar-feed:call:" + sha256(repr(shown).encode()).hexdigest()


def _calls_text(calls, page_pattern: str) -> bytes:
    """The VEVENT text of the calls, each call's kept in the shared cache under a digest of what it shows: the
    icalendar package takes about a millisecond an event, so a feed renders only the events it has not seen."""
    keys = {call.pk: _call_key(call, page_pattern) for call in calls}
    stored = cache.get_many(list(keys.values())) if keys else {}
    made = {}
    parts = []
    for call in calls:
        text = stored.get(keys[call.pk])
        if text is None:
            text = made[keys[call.pk]] = b"".join(
                _call_event(call, moment, page_pattern).to_ical() for moment in ("opens", "closes")
            )
        parts.append(text)
    if made:
        cache.set_many(made, EVENT_TTL)
    return b"".join(parts)


def calendar_feed(*, name: str, calls=(), webinars=()) -> bytes:
    """A subscribable VCALENDAR with both events of every call and every webinar given, in that order."""
    calendar = new_calendar(name, prodid=PRODID)
    as_feed(calendar)
    calls = list(calls)
    if calls:
        # The calls' events are spliced in as text below: their time zone is named here, before any event.
        calendar.add_component(icalendar.Timezone.from_tzid("Europe/Stockholm"))
    for webinar in webinars:
        calendar.add_component(webinar_event(webinar))
    text = finish(calendar)
    end = b"END:VCALENDAR\r\n"
    if not calls:
        return text
    return text[: -len(end)] + _calls_text(calls, _call_page_pattern()) + end
