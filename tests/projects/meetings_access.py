"""Role-access rows for the dialogue-meeting URLs (included by tests/projects/access.py)."""

from datetime import timedelta

from django.utils import timezone

from tests.access import AccessCase
from tests.factories import make_company_user, organisation_of

from .factories import CallFactory, NeedFactory
from .meetings_helpers import booking, local_input, offer, slot


def make_company_org():
    return organisation_of(make_company_user())


def meeting_cases(world, *, call):
    company_org = world["company_org"]
    offer(call)
    free = slot(call, starts_in=timedelta(days=14))
    booked = booking(slot(call, starts_in=timedelta(days=15)), company_org, by=world["company"])
    held_booking = booking(slot(call, starts_in=-timedelta(hours=5)), make_company_org())
    # Another buyer's call, slot and booking: nobody in the world reaches them.
    other_call = CallFactory(need=NeedFactory())
    other_slot = slot(other_call)
    other_booking = booking(other_slot, make_company_org())

    own = {"anonymous": 302, "buyer": 200}
    post_own = {"anonymous": 302, "buyer": 302}
    company_page = {"anonymous": 302, "company": 200}
    both = {"anonymous": 302, "buyer": 200, "company": 200}
    start = local_input(timezone.now() + timedelta(days=20))
    slot_data = {"starts_at": start, "duration_minutes": "30", "count": "2", "place": "Rum 1"}
    return [
        AccessCase("projects:meeting_manage", own, kwargs={"pk": call.pk}, default=404),
        AccessCase("projects:meeting_manage", {"anonymous": 302}, kwargs={"pk": other_call.pk}, default=404),
        AccessCase(
            "projects:meeting_settings",
            post_own,
            kwargs={"pk": call.pk},
            default=404,
            method="post",
            data={"booking_closes_at": start},
        ),
        AccessCase(
            "projects:meeting_slot_add", post_own, kwargs={"pk": call.pk}, default=404, method="post", data=slot_data
        ),
        AccessCase(
            "projects:meeting_slot_add",
            {"anonymous": 302},
            kwargs={"pk": other_call.pk},
            default=404,
            method="post",
            data=slot_data,
        ),
        AccessCase("projects:meeting_slot_cancel", post_own, kwargs={"pk": free.pk}, default=404, method="post"),
        AccessCase(
            "projects:meeting_slot_cancel", {"anonymous": 302}, kwargs={"pk": other_slot.pk}, default=404, method="post"
        ),
        AccessCase("projects:meeting_book", company_page, kwargs={"pk": call.pk}, default=403),
        AccessCase(
            "projects:meeting_book",
            {"anonymous": 302, "company": 302},
            kwargs={"pk": call.pk},
            default=403,
            method="post",
            data={"slot": str(free.pk)},
        ),
        AccessCase("projects:meeting_detail", own, kwargs={"pk": booked.pk}, default=404),
        AccessCase("projects:meeting_detail", {"anonymous": 302}, kwargs={"pk": other_booking.pk}, default=404),
        AccessCase(
            "projects:meeting_outcome",
            post_own,
            kwargs={"pk": held_booking.pk},
            default=404,
            method="post",
            data={"outcome": "held"},
        ),
        AccessCase(
            "projects:meeting_cancel",
            {"anonymous": 302, "buyer": 302, "company": 302},
            kwargs={"pk": booked.pk},
            default=404,
            method="post",
        ),
        AccessCase("projects:meeting_ics", both, kwargs={"pk": booked.pk}, default=404),
        AccessCase("projects:meeting_ics", {"anonymous": 302}, kwargs={"pk": other_booking.pk}, default=404),
    ]
