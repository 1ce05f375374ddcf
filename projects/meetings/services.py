"""Writes for dialogue meetings: the buyer's offer (cut-off, slots), companies' bookings, the buyer's notes.

Every booking write locks the call's row first, so that the writes on one call's meetings run one after the
other: of two companies taking the last slot at once, the second finds it taken and is told so. The database's
constraints (one active booking per slot, one per company and call) hold even for a writer that skips the lock.
Times are checked against the database's clock after the lock (portal.clock.database_now).
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import AuditAction
from portal.clock import database_now
from portal.mail import send_mail_to
from portal.services import InvalidTransition, ServiceError, require_dates_in_range, write_audit

from ..models import Call
from . import ics
from .models import (
    MAX_MINUTES,
    MAX_SLOTS_AT_ONCE,
    MIN_MINUTES,
    MeetingBooking,
    MeetingSettings,
    MeetingSlot,
    Party,
    call_takes_slots_at,
)

__all__ = ["InvalidTransition", "ServiceError"]


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _lock_call(call: Call) -> Call:
    return Call.objects.select_for_update().select_related("need__organisation").get(pk=call.pk)


def _require_call_takes_slots(call: Call, now) -> None:
    if not call_takes_slots_at(call, now):
        raise ServiceError(_("Meetings cannot be offered on a call that is closed or cancelled."))


# --- the buyer's offer -------------------------------------------------------------------------------------------


def save_meeting_settings(*, call: Call, by, booking_closes_at: datetime) -> MeetingSettings:
    """Set the moment after which companies can no longer book, move or cancel a meeting on `call`.

    Side effects: the call's MeetingSettings row (created or changed), an audit row.
    """
    require_dates_in_range(booking_closes_at=booking_closes_at)
    with transaction.atomic():
        call = _lock_call(call)
        _require_call_takes_slots(call, database_now())
        meeting_settings, _created = MeetingSettings.objects.update_or_create(
            call=call, defaults={"booking_closes_at": booking_closes_at}
        )
        write_audit(
            actor=by,
            action=AuditAction.MEETING_SETTINGS_SAVED,
            obj=call,
            details={"booking_closes_at": _local(booking_closes_at)},
        )
    return meeting_settings


def _check_slot_fields(*, starts_at, duration_minutes, count, place, video_url) -> None:
    if not place and not video_url:
        raise ServiceError(_("Give a place or a video link (or both)."), field="place")
    if video_url and not video_url.lower().startswith("https://"):
        raise ServiceError(_("The video link must start with https://."), field="video_url")
    if not MIN_MINUTES <= duration_minutes <= MAX_MINUTES:
        raise ServiceError(
            _("A meeting lasts from %(min)s to %(max)s minutes.") % {"min": MIN_MINUTES, "max": MAX_MINUTES},
            field="duration_minutes",
        )
    if not 1 <= count <= MAX_SLOTS_AT_ONCE:
        raise ServiceError(_("Add from 1 to %(max)s slots at a time.") % {"max": MAX_SLOTS_AT_ONCE}, field="count")
    require_dates_in_range(starts_at=starts_at)
    require_dates_in_range(starts_at=MeetingSlot.end_of(starts_at, duration_minutes * count))


def add_meeting_slots(
    *,
    call: Call,
    by,
    starts_at: datetime,
    duration_minutes: int,
    count: int = 1,
    place: str = "",
    video_url: str = "",
    note: str = "",
) -> list[MeetingSlot]:
    """Offer `count` consecutive slots of `duration_minutes` each from `starts_at` on `call`.

    Refused (ServiceError naming the field) for a call that is closed or cancelled, a start in the past, a slot
    without place and link, a link that is not https, a length or count out of bounds, a date out of the portal's
    range, or a slot that overlaps another offered slot of the call. Side effects: the slots, an audit row.
    """
    place, video_url, note = place.strip(), video_url.strip(), note.strip()
    _check_slot_fields(
        starts_at=starts_at, duration_minutes=duration_minutes, count=count, place=place, video_url=video_url
    )
    with transaction.atomic():
        call = _lock_call(call)
        now = database_now()
        _require_call_takes_slots(call, now)
        if starts_at <= now:
            raise ServiceError(_("A meeting cannot start in the past."), field="starts_at")
        slots = []
        for index in range(count):
            start = MeetingSlot.end_of(starts_at, duration_minutes * index)
            end = MeetingSlot.end_of(start, duration_minutes)
            clash = (
                MeetingSlot.objects.filter(
                    call=call, status=MeetingSlot.Status.OFFERED, starts_at__lt=end, ends_at__gt=start
                )
                .order_by("starts_at")
                .first()
            )
            if clash is not None:
                raise ServiceError(
                    _("The slot at %(start)s overlaps the slot already offered at %(other_start)s–%(other_end)s.")
                    % {
                        "start": _local(start),
                        "other_start": _local(clash.starts_at),
                        "other_end": f"{timezone.localtime(clash.ends_at):%H:%M}",
                    },
                    field="starts_at",
                )
            slots.append(
                MeetingSlot(
                    call=call,
                    starts_at=start,
                    duration_minutes=duration_minutes,
                    ends_at=end,
                    place=place,
                    video_url=video_url,
                    note=note,
                    created_by=by,
                )
            )
        for slot in slots:
            slot.save()
        write_audit(
            actor=by, action=AuditAction.MEETING_SLOTS_ADDED, obj=call, details={"slots": [s.pk for s in slots]}
        )
    return slots


def cancel_meeting_slot(*, slot: MeetingSlot, by) -> MeetingSlot:
    """The buyer withdraws a slot; a booking on it is cancelled and the company told.

    Side effects: the slot (cancelled), the booking (cancelled, sequence + 1) with its mails and calendar
    cancellation, audit rows.
    """
    with transaction.atomic():
        _lock_call(slot.call)
        slot = MeetingSlot.objects.select_related("call__need__organisation", "created_by").get(pk=slot.pk)
        if MeetingSlot.Status.CANCELLED not in MeetingSlot.TRANSITIONS[slot.status]:
            raise InvalidTransition(_("This slot has already been withdrawn."))
        booking = _active_booking_of_slot(slot)
        if booking is not None:
            _cancel(booking=booking, by=by, party=Party.BUYER)
        slot.status = MeetingSlot.Status.CANCELLED
        slot.save(update_fields=["status"])
        write_audit(actor=by, action=AuditAction.MEETING_SLOT_CANCELLED, obj=slot, details={"slot": slot.pk})
    return slot


# --- bookings ----------------------------------------------------------------------------------------------------


def _slot_taken() -> str:
    return _("Another company has just booked this slot. Choose another free slot.")


def _active_booking_of_slot(slot: MeetingSlot) -> MeetingBooking | None:
    return (
        MeetingBooking.objects.filter(slot=slot, status=MeetingBooking.Status.BOOKED)
        .select_related("slot", "call__need__organisation", "organisation", "booked_by")
        .first()
    )


def _require_booking_open(call: Call, now) -> None:
    """Booking and moving: a published call that is not cancelled, before its cut-off."""
    if call.is_cancelled:
        raise ServiceError(_("The call has been cancelled."))
    if not call.is_published:
        raise ServiceError(_("The buyer does not offer meetings on this call."))
    _require_before_cut_off(call, now)


def _require_before_cut_off(call: Call, now) -> None:
    meeting_settings = MeetingSettings.objects.filter(call=call).first()
    if meeting_settings is None:
        raise ServiceError(_("The buyer does not offer meetings on this call."))
    if not meeting_settings.is_booking_open_at(now):
        raise ServiceError(
            _("Booking closed at %(at)s. Contact the buyer if you need to change your meeting.")
            % {"at": _local(meeting_settings.booking_closes_at)}
        )


def _free_slot(call: Call, slot_id, now) -> MeetingSlot:
    slot = (
        MeetingSlot.objects.select_related("created_by")
        .filter(call=call, pk=slot_id, status=MeetingSlot.Status.OFFERED)
        .first()
    )
    if slot is None:
        raise ServiceError(_("This slot is no longer offered. Choose another free slot."), field="slot")
    if slot.has_started_at(now):
        raise ServiceError(_("This slot has already started. Choose a later slot."), field="slot")
    if MeetingBooking.objects.filter(slot=slot, status=MeetingBooking.Status.BOOKED).exists():
        raise ServiceError(_slot_taken(), field="slot")
    return slot


def _host(booking: MeetingBooking):
    """The buyer's person to tell: who offered the slot, else who created the call."""
    for person in (booking.slot.created_by, booking.call.created_by):
        if person is not None and person.is_active:
            return person
    return None


def _mail(*, booking: MeetingBooking, template: str, party: Party | None = None) -> None:
    """Both sides get the mail with the calendar file as it now is."""
    attachment = [
        (
            ics.filename(booking),
            ics.meeting_ics(booking),
            "text/calendar; method=" + ("CANCEL" if booking.is_cancelled else "REQUEST"),
        )
    ]
    call = booking.call
    context = {"booking": booking, "slot": booking.slot, "call": call, "party": party.value if party else ""}
    company_link = settings.SITE_URL + reverse("projects:meeting_book", args=[call.pk])
    buyer_link = settings.SITE_URL + reverse("projects:meeting_manage", args=[call.pk])
    if booking.booked_by is not None and booking.booked_by.is_active:
        send_mail_to(
            [booking.booked_by],
            template=template,
            context={**context, "to_buyer": False, "link": company_link},
            attachments=attachment,
        )
    host = _host(booking)
    if host is not None:
        send_mail_to(
            [host], template=template, context={**context, "to_buyer": True, "link": buyer_link}, attachments=attachment
        )


def book_meeting(*, call: Call, slot_id: int, organisation, by) -> MeetingBooking:
    """A company books a free slot of `call` (one per company and call), until the cut-off.

    Refused when the slot is taken, started, withdrawn or not the call's, when the company already has a booking
    on the call, or after the cut-off. Side effects: the booking, an audit row, mails with the calendar file to
    the company's person and the buyer's.
    """
    with transaction.atomic():
        call = _lock_call(call)
        now = database_now()
        _require_booking_open(call, now)
        if MeetingBooking.objects.filter(call=call, organisation=organisation, status="booked").exists():
            raise ServiceError(
                _("Your company has already booked a meeting on this call. Move or cancel that booking instead."),
                field="slot",
            )
        slot = _free_slot(call, slot_id, now)
        try:
            with transaction.atomic():
                booking = MeetingBooking.objects.create(call=call, slot=slot, organisation=organisation, booked_by=by)
        except IntegrityError:
            # Only a writer that skipped the call's lock can get here; the constraint keeps the rule.
            raise ServiceError(_slot_taken(), field="slot") from None
        booking = MeetingBooking.objects.select_related(
            "slot__created_by", "call__need__organisation", "call__created_by", "organisation", "booked_by"
        ).get(pk=booking.pk)
        write_audit(actor=by, action=AuditAction.MEETING_BOOKED, obj=booking, details={"slot": slot.pk})
        _mail(booking=booking, template="projects/meetings/mail/booked")
    return booking


def _lock_booking(booking: MeetingBooking) -> MeetingBooking:
    _lock_call(booking.call)
    return MeetingBooking.objects.select_related(
        "slot__created_by", "call__need__organisation", "call__created_by", "organisation", "booked_by"
    ).get(pk=booking.pk)


def move_meeting(*, booking: MeetingBooking, slot_id: int, by) -> MeetingBooking:
    """The company moves its booking to another free slot of the same call, until the cut-off.

    The calendar event keeps its UID and gets a higher SEQUENCE. Side effects: the booking (new slot,
    sequence + 1), an audit row, mails with the updated calendar file to both sides.
    """
    with transaction.atomic():
        booking = _lock_booking(booking)
        now = database_now()
        if not booking.is_booked:
            raise InvalidTransition(_("This booking has been cancelled."))
        _require_booking_open(booking.call, now)
        if booking.slot.has_started_at(now):
            raise ServiceError(_("Your meeting has already started and can no longer be moved."), field="slot")
        if booking.slot_id == int(slot_id):
            raise ServiceError(_("Your meeting is already at this time."), field="slot")
        new_slot = _free_slot(booking.call, slot_id, now)
        old_slot_id = booking.slot_id
        booking.slot = new_slot
        booking.sequence += 1
        try:
            with transaction.atomic():
                booking.save(update_fields=["slot", "sequence", "updated_at"])
        except IntegrityError:
            raise ServiceError(_slot_taken(), field="slot") from None
        write_audit(
            actor=by,
            action=AuditAction.MEETING_MOVED,
            obj=booking,
            details={"from_slot": old_slot_id, "to_slot": new_slot.pk},
        )
        _mail(booking=booking, template="projects/meetings/mail/moved")
    return booking


def _cancel(*, booking: MeetingBooking, by, party: Party) -> MeetingBooking:
    booking.status = MeetingBooking.Status.CANCELLED
    booking.sequence += 1
    booking.cancelled_at = timezone.now()
    booking.cancelled_by_buyer = party == Party.BUYER
    booking.save(update_fields=["status", "sequence", "cancelled_at", "cancelled_by_buyer", "updated_at"])
    write_audit(
        actor=by,
        action=AuditAction.MEETING_CANCELLED,
        obj=booking,
        details={"slot": booking.slot_id, "by": party.value},
    )
    _mail(booking=booking, template="projects/meetings/mail/cancelled", party=party)
    return booking


def cancel_meeting(*, booking: MeetingBooking, by, party: Party) -> MeetingBooking:
    """Cancel a booking: the company until the cut-off, the buyer until the meeting starts; the slot is free again.

    Side effects: the booking (cancelled, sequence + 1), an audit row, mails with the calendar cancellation
    (METHOD:CANCEL) to both sides.
    """
    with transaction.atomic():
        booking = _lock_booking(booking)
        now = database_now()
        if MeetingBooking.Status.CANCELLED not in MeetingBooking.TRANSITIONS[booking.status]:
            raise InvalidTransition(_("This booking has already been cancelled."))
        if booking.slot.has_started_at(now):
            raise ServiceError(_("The meeting has already started and can no longer be cancelled."))
        if party == Party.COMPANY:
            _require_before_cut_off(booking.call, now)
        return _cancel(booking=booking, by=by, party=party)


def cancel_meetings_of_call(*, call: Call, by) -> int:
    """When a call is cancelled: withdraw its slots that have not started and cancel their bookings.

    Called by `projects.services.cancel_call` in its transaction. Returns the number of bookings cancelled.
    Side effects: the slots (cancelled), the bookings (cancelled by the buyer, sequence + 1) with calendar
    cancellations mailed to both sides, audit rows.
    """
    now = database_now()
    cancelled = 0
    slots = MeetingSlot.objects.select_related("call__need__organisation", "created_by").filter(
        call=call, status=MeetingSlot.Status.OFFERED, starts_at__gt=now
    )
    for slot in slots:
        booking = _active_booking_of_slot(slot)
        if booking is not None:
            _cancel(booking=booking, by=by, party=Party.BUYER)
            cancelled += 1
        slot.status = MeetingSlot.Status.CANCELLED
        slot.save(update_fields=["status"])
        write_audit(actor=by, action=AuditAction.MEETING_SLOT_CANCELLED, obj=slot, details={"slot": slot.pk})
    return cancelled


# --- the buyer's record ------------------------------------------------------------------------------------------


def save_meeting_notes(*, booking: MeetingBooking, by, notes: str) -> MeetingBooking:
    """The buyer's internal notes on a meeting (never shown to the company).

    Side effects: the booking's notes, an audit row (without the text).
    """
    with transaction.atomic():
        booking = MeetingBooking.objects.select_for_update().get(pk=booking.pk)
        booking.buyer_notes = notes.strip()
        booking.save(update_fields=["buyer_notes", "updated_at"])
        write_audit(actor=by, action=AuditAction.MEETING_NOTES_SAVED, obj=booking)
    return booking


def record_meeting_outcome(*, booking: MeetingBooking, by, outcome: str) -> MeetingBooking:
    """The buyer marks a booked meeting as held or not held, once it has started.

    Side effects: the booking's outcome, an audit row.
    """
    if outcome not in (MeetingBooking.Outcome.HELD, MeetingBooking.Outcome.NOT_HELD):
        raise ServiceError(_("Choose held or not held."), field="outcome")
    with transaction.atomic():
        booking = MeetingBooking.objects.select_for_update().select_related("slot").get(pk=booking.pk)
        if not booking.is_booked:
            raise InvalidTransition(_("A cancelled meeting cannot be marked as held."))
        if not booking.slot.has_started_at(database_now()):
            raise ServiceError(_("You can record whether the meeting was held once it has started."), field="outcome")
        booking.outcome = outcome
        booking.save(update_fields=["outcome", "updated_at"])
        write_audit(actor=by, action=AuditAction.MEETING_OUTCOME, obj=booking, details={"outcome": outcome})
    return booking
