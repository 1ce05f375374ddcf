"""Rows for the dialogue-meeting tests, written directly (the services are tested on their own)."""

from datetime import timedelta

from django.utils import timezone

from projects.meetings.models import MeetingBooking, MeetingSettings, MeetingSlot


def offer(call, *, closes_in=timedelta(days=10)) -> MeetingSettings:
    return MeetingSettings.objects.create(call=call, booking_closes_at=timezone.now() + closes_in)


def slot(call, *, starts_in=timedelta(days=14), minutes=30, place="Stadshuset, rum 4", video_url="", **kwargs):
    start = timezone.now() + starts_in
    return MeetingSlot.objects.create(
        call=call,
        starts_at=start,
        duration_minutes=minutes,
        ends_at=start + timedelta(minutes=minutes),
        place=place,
        video_url=video_url,
        **kwargs,
    )


def booking(slot_, organisation, *, by=None, **kwargs) -> MeetingBooking:
    return MeetingBooking.objects.create(call=slot_.call, slot=slot_, organisation=organisation, booked_by=by, **kwargs)


def local_input(moment) -> str:
    """A date-time as the form's datetime-local field sends it (Swedish time)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
