"""Reads for dialogue meetings, scoped to the user: "missing" and "not yours" give the same 404.

A company sees the free slots of a call and its own booking, never who booked the others; the buyer sees every
slot of its own calls with the booking company, and the internal notes.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.rules import active_organisation

from .models import MeetingBooking, MeetingSettings, MeetingSlot

ACTIVE = Q(status=MeetingBooking.Status.BOOKED)


def settings_of(call) -> MeetingSettings | None:
    return MeetingSettings.objects.filter(call=call).first()


def slots_for_buyer(call) -> QuerySet[MeetingSlot]:
    """Every offered slot of the buyer's call, each with `active_bookings` (0 or 1, company included)."""
    bookings = MeetingBooking.objects.filter(ACTIVE).select_related("organisation")
    return (
        MeetingSlot.objects.filter(call=call, status=MeetingSlot.Status.OFFERED)
        .prefetch_related(Prefetch("bookings", queryset=bookings, to_attr="active_bookings"))
        .order_by("starts_at", "id")
    )


def _booked():
    return Exists(MeetingBooking.objects.filter(ACTIVE, slot=OuterRef("pk")))


def free_slots(call, now=None) -> QuerySet[MeetingSlot]:
    """Offered slots of `call` that have not started and that nobody has booked (what companies see)."""
    return (
        MeetingSlot.objects.filter(call=call, status=MeetingSlot.Status.OFFERED, starts_at__gt=now or timezone.now())
        .exclude(_booked())
        .order_by("starts_at", "id")
    )


def booking_of(organisation, call) -> MeetingBooking | None:
    """The organisation's active booking on `call`, or None."""
    if organisation is None:
        return None
    return (
        MeetingBooking.objects.filter(ACTIVE, call=call, organisation=organisation)
        .select_related("slot", "call__need__organisation", "organisation")
        .first()
    )


def meeting_offer(call, now=None) -> dict | None:
    """What the call page shows: the cut-off and the number of free slots; None when no meetings are offered."""
    if getattr(call, "offers_meetings", None) is False:
        return None  # known already (projects.selectors.call_page_for)
    settings = settings_of(call)
    now = now or timezone.now()
    if settings is None:
        return None
    if not MeetingSlot.objects.filter(call=call, status=MeetingSlot.Status.OFFERED).exists():
        return None
    return {
        "settings": settings,
        "free_count": free_slots(call, now).count(),
        "booking_open": settings.is_booking_open_at(now),
    }


def _booking_queryset():
    return MeetingBooking.objects.select_related("slot", "call__need__organisation", "organisation", "booked_by")


def get_booking_for(user, pk) -> MeetingBooking:
    """A booking of the company the user acts for, or of a call of the buyer organisation it acts for."""
    organisation = active_organisation(user)
    if organisation is None:
        raise Http404
    try:
        return _booking_queryset().get(Q(organisation=organisation) | Q(call__need__organisation=organisation), pk=pk)
    except (MeetingBooking.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_booking_for_buyer(user, pk) -> MeetingBooking:
    """A booking on a call of the organisation the user acts for (the internal notes' page); 404 otherwise."""
    organisation = active_organisation(user)
    if organisation is None:
        raise Http404
    try:
        return _booking_queryset().get(call__need__organisation=organisation, pk=pk)
    except (MeetingBooking.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_slot_for_buyer(user, pk) -> MeetingSlot:
    """A slot of a call of the organisation the user acts for; 404 otherwise."""
    organisation = active_organisation(user)
    if organisation is None:
        raise Http404
    try:
        return MeetingSlot.objects.select_related("call__need__organisation").get(
            call__need__organisation=organisation, pk=pk
        )
    except (MeetingSlot.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def meetings_held_count(need) -> int:
    """How many booked meetings on the need's calls the buyer has marked as held (decision support)."""
    return MeetingBooking.objects.filter(ACTIVE, call__need=need, outcome=MeetingBooking.Outcome.HELD).count()


def next_public_change(now):
    """The next start of an offered slot or booking cut-off of a call with offered slots: the call page's free
    slots and "Book by" change then. One query (it runs whenever the public pages' cache starts a new
    generation); a cut-off of a call without slots changes no page."""
    from django.db.models import Min

    cut_off = "call__meeting_settings__booking_closes_at"
    moments = MeetingSlot.objects.filter(status=MeetingSlot.Status.OFFERED).aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)),
        cut_off=Min(cut_off, filter=Q(**{f"{cut_off}__gt": now})),
    )
    return min((moment for moment in moments.values() if moment is not None), default=None)
