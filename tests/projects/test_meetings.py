"""Dialogue meetings: the buyer's slots and cut-off, companies' bookings, calendar mails, notes, outcome."""

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.audit import AuditAction
from portal.models import AuditEntry, Mail
from portal.services import ServiceError
from projects.meetings import services
from projects.meetings.models import MeetingBooking, MeetingSlot, Party
from projects.meetings.selectors import meetings_held_count
from tests.factories import make_buyer, make_company_user, make_handler, organisation_of

from .factories import CallFactory, NeedFactory, closed_call
from .meetings_helpers import booking, local_input, offer, slot

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def english(settings):
    """The messages are asserted in English here (the Swedish catalogue is checked by its own test)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def call(buyer_org, buyer):
    return CallFactory(need=NeedFactory(organisation=buyer_org), created_by=buyer)


def _ics_of(mail: Mail) -> str:
    (attachment,) = mail.attachments
    assert attachment["mimetype"].startswith("text/calendar")
    return base64.b64decode(attachment["content"]).decode()


def _unfold(text: str) -> str:
    return text.replace("\r\n ", "")


# --- the buyer's offer -------------------------------------------------------------------------------------------


def test_add_slots_makes_consecutive_slots(call, buyer):
    start = timezone.now() + 3 * DAY
    slots = services.add_meeting_slots(
        call=call, by=buyer, starts_at=start, duration_minutes=45, count=3, place="Rum 2", note="Fråga i receptionen"
    )
    assert [(s.starts_at, s.ends_at) for s in slots] == [
        (start + timedelta(minutes=45 * i), start + timedelta(minutes=45 * (i + 1))) for i in range(3)
    ]
    assert {s.created_by for s in slots} == {buyer}
    entry = AuditEntry.objects.get(action=AuditAction.MEETING_SLOTS_ADDED)
    assert entry.details == {"slots": [s.pk for s in slots]}


def test_add_slot_overlapping_another_is_refused_with_the_other_time(call, buyer):
    first = slot(call, starts_in=3 * DAY, minutes=60)
    with pytest.raises(ServiceError) as error:
        services.add_meeting_slots(
            call=call, by=buyer, starts_at=first.starts_at + timedelta(minutes=30), duration_minutes=30, place="Rum"
        )
    assert error.value.field == "starts_at"
    other = f"{timezone.localtime(first.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(first.ends_at):%H:%M}"
    assert other in error.value.message
    assert MeetingSlot.objects.filter(call=call).count() == 1


def test_add_slot_right_after_another_is_allowed(call, buyer):
    first = slot(call, starts_in=3 * DAY, minutes=60)
    services.add_meeting_slots(call=call, by=buyer, starts_at=first.ends_at, duration_minutes=30, place="Rum")
    assert MeetingSlot.objects.filter(call=call).count() == 2


def test_withdrawn_slot_does_not_block_a_new_one(call, buyer):
    first = slot(call, starts_in=3 * DAY, status=MeetingSlot.Status.CANCELLED)
    services.add_meeting_slots(call=call, by=buyer, starts_at=first.starts_at, duration_minutes=30, place="Rum")
    assert MeetingSlot.objects.filter(call=call, status="offered").count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"video_url": "http://meet.example.se/x", "place": ""},
            "video_url",
            "The video link must start with https://.",
        ),
        ({"place": "", "video_url": ""}, "place", "Give a place or a video link (or both)."),
        ({"duration_minutes": 5}, "duration_minutes", "A meeting lasts from 10 to 240 minutes."),
        ({"duration_minutes": 241}, "duration_minutes", "A meeting lasts from 10 to 240 minutes."),
        ({"count": 0}, "count", "Add from 1 to 20 slots at a time."),
        ({"count": 21}, "count", "Add from 1 to 20 slots at a time."),
        ({"starts_at": timezone.now() - DAY}, "starts_at", "A meeting cannot start in the past."),
    ],
)
def test_add_slot_bad_input_is_refused(call, buyer, changes, field, message):
    arguments = {"starts_at": timezone.now() + 3 * DAY, "duration_minutes": 30, "count": 1, "place": "Rum"}
    arguments.update(changes)
    with pytest.raises(ServiceError) as error:
        services.add_meeting_slots(call=call, by=buyer, **arguments)
    assert (error.value.field, error.value.message) == (field, message)
    assert not MeetingSlot.objects.exists()


def test_add_slot_out_of_the_portals_date_range_is_refused(call, buyer):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    with pytest.raises(ServiceError) as error:
        services.add_meeting_slots(
            call=call,
            by=buyer,
            starts_at=datetime(2100, 12, 31, 23, 30, tzinfo=ZoneInfo("Europe/Stockholm")),
            duration_minutes=60,
            place="Rum",
        )
    assert error.value.field == "starts_at"
    assert error.value.message == "Enter a date from 2000-01-01 to 2100-12-31."


@pytest.mark.parametrize("make", [closed_call, lambda **kw: CallFactory(status="cancelled", **kw)])
def test_slots_and_cut_off_cannot_be_added_on_a_closed_or_cancelled_call(buyer_org, buyer, make):
    call = make(need=NeedFactory(organisation=buyer_org))
    message = "Meetings cannot be offered on a call that is closed or cancelled."
    with pytest.raises(ServiceError, match=message):
        services.add_meeting_slots(
            call=call, by=buyer, starts_at=timezone.now() + DAY, duration_minutes=30, place="Rum"
        )
    with pytest.raises(ServiceError, match=message):
        services.save_meeting_settings(call=call, by=buyer, booking_closes_at=timezone.now() + DAY)


def test_save_meeting_settings_sets_and_changes_the_cut_off(call, buyer):
    first = services.save_meeting_settings(call=call, by=buyer, booking_closes_at=timezone.now() + DAY)
    second = services.save_meeting_settings(call=call, by=buyer, booking_closes_at=timezone.now() + 2 * DAY)
    assert first.pk == second.pk
    assert AuditEntry.objects.filter(action=AuditAction.MEETING_SETTINGS_SAVED).count() == 2


# --- bookings ----------------------------------------------------------------------------------------------------


def test_booking_mails_both_sides_a_calendar_request(call, buyer, company_user, company_org):
    offer(call)
    free = slot(call, created_by=buyer)
    booked = services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)
    assert booked.is_booked and booked.sequence == 0
    mails = {mail.to: mail for mail in Mail.objects.filter(template="projects/meetings/mail/booked")}
    assert set(mails) == {buyer.email, company_user.email}
    for mail in mails.values():
        text = _unfold(_ics_of(mail))
        assert "METHOD:REQUEST" in text
        assert f"UID:meeting-{booked.uid}@innovationsupphandlingsportalen" in text
        assert "SEQUENCE:0" in text
        assert "STATUS:CONFIRMED" in text
    assert company_org.name in mails[buyer.email].body
    assert AuditEntry.objects.get(action=AuditAction.MEETING_BOOKED).details == {"slot": free.pk}


def test_booking_a_taken_slot_is_refused(call, company_user, company_org):
    offer(call)
    taken = slot(call)
    booking(taken, organisation_of(make_company_user()))
    with pytest.raises(ServiceError, match="Another company has just booked this slot"):
        services.book_meeting(call=call, slot_id=taken.pk, organisation=company_org, by=company_user)


def test_booking_a_slot_that_has_started_is_refused(call, company_user, company_org):
    offer(call)
    started = slot(call, starts_in=-timedelta(minutes=5))
    with pytest.raises(ServiceError, match="This slot has already started"):
        services.book_meeting(call=call, slot_id=started.pk, organisation=company_org, by=company_user)


def test_a_company_books_one_meeting_per_call(call, company_user, company_org):
    offer(call)
    first, second = slot(call, starts_in=3 * DAY), slot(call, starts_in=4 * DAY)
    services.book_meeting(call=call, slot_id=first.pk, organisation=company_org, by=company_user)
    colleague = make_company_user(organisation=company_org)
    with pytest.raises(ServiceError, match="Your company has already booked a meeting on this call"):
        services.book_meeting(call=call, slot_id=second.pk, organisation=company_org, by=colleague)
    assert MeetingBooking.objects.filter(organisation=company_org).count() == 1


def test_booking_after_the_cut_off_is_refused(call, company_user, company_org):
    offer(call, closes_in=-timedelta(minutes=1))
    free = slot(call)
    with pytest.raises(ServiceError, match="Booking closed at"):
        services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)


def test_booking_without_a_cut_off_is_refused(call, company_user, company_org):
    free = slot(call)
    with pytest.raises(ServiceError, match="The buyer does not offer meetings on this call."):
        services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)


def test_booking_a_slot_of_another_call_or_withdrawn_is_refused(call, company_user, company_org):
    offer(call)
    elsewhere = slot(CallFactory())
    withdrawn = slot(call, status=MeetingSlot.Status.CANCELLED)
    for slot_id in (elsewhere.pk, withdrawn.pk):
        with pytest.raises(ServiceError, match="This slot is no longer offered"):
            services.book_meeting(call=call, slot_id=slot_id, organisation=company_org, by=company_user)


def test_moving_keeps_the_uid_and_raises_the_sequence(call, buyer, company_user, company_org):
    offer(call)
    first, second = slot(call, starts_in=3 * DAY, created_by=buyer), slot(call, starts_in=4 * DAY, created_by=buyer)
    booked = services.book_meeting(call=call, slot_id=first.pk, organisation=company_org, by=company_user)
    moved = services.move_meeting(booking=booked, slot_id=second.pk, by=company_user)
    assert (moved.pk, moved.uid, moved.slot, moved.sequence) == (booked.pk, booked.uid, second, 1)
    mails = Mail.objects.filter(template="projects/meetings/mail/moved")
    assert sorted(mail.to for mail in mails) == sorted([buyer.email, company_user.email])
    text = _unfold(_ics_of(mails[0]))
    assert "METHOD:REQUEST" in text and "SEQUENCE:1" in text and f"meeting-{booked.uid}@" in text
    assert f"DTSTART:{second.starts_at.astimezone(timezone.UTC):%Y%m%dT%H%M%SZ}" in text


def test_moving_to_a_taken_slot_or_after_the_cut_off_is_refused(call, company_user, company_org):
    settings = offer(call)
    first, taken = slot(call, starts_in=3 * DAY), slot(call, starts_in=4 * DAY)
    booking(taken, organisation_of(make_company_user()))
    booked = booking(first, company_org, by=company_user)
    with pytest.raises(ServiceError, match="Another company has just booked this slot"):
        services.move_meeting(booking=booked, slot_id=taken.pk, by=company_user)
    settings.booking_closes_at = timezone.now() - timedelta(minutes=1)
    settings.save()
    free = slot(call, starts_in=5 * DAY)
    with pytest.raises(ServiceError, match="Booking closed at"):
        services.move_meeting(booking=booked, slot_id=free.pk, by=company_user)


def test_company_cancel_sends_a_calendar_cancellation(call, buyer, company_user, company_org):
    offer(call)
    free = slot(call, created_by=buyer)
    booked = services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)
    services.cancel_meeting(booking=booked, by=company_user, party=Party.COMPANY)
    booked.refresh_from_db()
    assert booked.is_cancelled and booked.sequence == 1 and not booked.cancelled_by_buyer
    mails = Mail.objects.filter(template="projects/meetings/mail/cancelled")
    assert sorted(mail.to for mail in mails) == sorted([buyer.email, company_user.email])
    text = _unfold(_ics_of(mails[0]))
    assert "METHOD:CANCEL" in text and "STATUS:CANCELLED" in text and "SEQUENCE:1" in text
    assert f"UID:meeting-{booked.uid}@" in text
    # The slot is free again; the company may book anew.
    again = services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)
    assert again.uid != booked.uid


def test_company_cannot_cancel_after_the_cut_off_but_the_buyer_can(call, buyer, company_user, company_org):
    offer(call, closes_in=-timedelta(minutes=1))
    booked = booking(slot(call, created_by=buyer), company_org, by=company_user)
    with pytest.raises(ServiceError, match="Booking closed at"):
        services.cancel_meeting(booking=booked, by=company_user, party=Party.COMPANY)
    services.cancel_meeting(booking=booked, by=buyer, party=Party.BUYER)
    booked.refresh_from_db()
    assert booked.is_cancelled and booked.cancelled_by_buyer
    company_mail = Mail.objects.get(template="projects/meetings/mail/cancelled", to=company_user.email)
    assert f"{call.need.organisation.name} har avbokat dialogmötet." in company_mail.body
    entry = AuditEntry.objects.get(action=AuditAction.MEETING_CANCELLED)
    assert entry.details == {"slot": booked.slot_id, "by": "buyer"}


def test_a_meeting_that_has_started_cannot_be_cancelled(call, buyer, company_org):
    offer(call)
    booked = booking(slot(call, starts_in=-timedelta(minutes=1)), company_org)
    with pytest.raises(ServiceError, match="The meeting has already started"):
        services.cancel_meeting(booking=booked, by=buyer, party=Party.BUYER)


def test_withdrawing_a_booked_slot_cancels_the_booking_and_tells_the_company(call, buyer, company_user, company_org):
    offer(call)
    withdrawn = slot(call, created_by=buyer)
    booked = booking(withdrawn, company_org, by=company_user)
    services.cancel_meeting_slot(slot=withdrawn, by=buyer)
    booked.refresh_from_db()
    withdrawn.refresh_from_db()
    assert withdrawn.is_cancelled and booked.is_cancelled and booked.cancelled_by_buyer
    assert Mail.objects.filter(template="projects/meetings/mail/cancelled", to=company_user.email).count() == 1
    with pytest.raises(ServiceError, match="This slot has already been withdrawn."):
        services.cancel_meeting_slot(slot=withdrawn, by=buyer)


# --- the buyer's record ------------------------------------------------------------------------------------------


def test_outcome_only_after_the_start_and_counted_in_decision_support(call, buyer, company_org):
    upcoming = booking(slot(call, starts_in=DAY), company_org)
    with pytest.raises(ServiceError, match="once it has started"):
        services.record_meeting_outcome(booking=upcoming, by=buyer, outcome="held")
    past = booking(slot(call, starts_in=-DAY), organisation_of(make_company_user()))
    services.record_meeting_outcome(booking=past, by=buyer, outcome="held")
    other = booking(slot(call, starts_in=-2 * DAY), organisation_of(make_company_user()))
    services.record_meeting_outcome(booking=other, by=buyer, outcome="not_held")
    assert meetings_held_count(call.need) == 1
    assert AuditEntry.objects.filter(action=AuditAction.MEETING_OUTCOME).count() == 2


def test_outcome_must_be_held_or_not_held(call, buyer, company_org):
    past = booking(slot(call, starts_in=-DAY), company_org)
    with pytest.raises(ServiceError, match="Choose held or not held."):
        services.record_meeting_outcome(booking=past, by=buyer, outcome="")


def test_decision_support_context_counts_meetings_held(call, buyer, company_org):
    from projects.decision_support.models import DecisionDocument
    from projects.decision_support.selectors import decision_support_context

    booking(slot(call, starts_in=-DAY), company_org, outcome="held")
    document = DecisionDocument.objects.create(need=call.need, version=1, language="sv")
    assert decision_support_context(document)["meetings_held"] == 1


# --- pages -------------------------------------------------------------------------------------------------------


def test_buyer_page_lists_slots_with_the_booking_company(client, call, buyer, company_org):
    offer(call)
    booked = booking(slot(call, starts_in=3 * DAY), company_org)
    slot(call, starts_in=4 * DAY)
    client.force_login(buyer)
    response = client.get(reverse("projects:meeting_manage", args=[call.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert company_org.name in content
    assert reverse("projects:meeting_detail", args=[booked.pk]) in content
    assert "2 slots, 1 booked" in content


def test_company_sees_free_slots_and_never_who_booked_others(client, call, company_user, company_org):
    offer(call)
    rival = organisation_of(make_company_user())
    booking(slot(call, starts_in=3 * DAY, note="Ring på dörren"), rival)
    slot(call, starts_in=4 * DAY, note="Fika bjuds")
    client.force_login(company_user)
    content = client.get(reverse("projects:meeting_book", args=[call.pk])).content.decode()
    assert "Fika bjuds" in content
    assert "1 free slot" in content
    assert rival.name not in content and "Ring på dörren" not in content


def test_company_books_through_the_page(client, call, company_user, company_org):
    offer(call)
    free = slot(call)
    client.force_login(company_user)
    response = client.post(reverse("projects:meeting_book", args=[call.pk]), {"slot": free.pk}, follow=True)
    assert "The meeting is booked." in response.content.decode()
    own = MeetingBooking.objects.get(organisation=company_org)
    assert reverse("projects:meeting_ics", args=[own.pk]) in response.content.decode()


def test_booking_a_taken_slot_through_the_page_says_so(client, call, company_user):
    offer(call)
    taken = slot(call)
    booking(taken, organisation_of(make_company_user()))
    client.force_login(company_user)
    response = client.post(reverse("projects:meeting_book", args=[call.pk]), {"slot": taken.pk}, follow=True)
    assert "Another company has just booked this slot. Choose another free slot." in response.content.decode()


def test_company_never_sees_the_buyers_notes(client, call, company_user, company_org):
    offer(call)
    booked = booking(slot(call), company_org, by=company_user, buyer_notes="Hemligt: dyrt anbud")
    client.force_login(company_user)
    assert "Hemligt" not in client.get(reverse("projects:meeting_book", args=[call.pk])).content.decode()
    ics = client.get(reverse("projects:meeting_ics", args=[booked.pk]))
    assert ics.status_code == 200 and ics["Content-Type"] == "text/calendar; charset=utf-8"
    assert b"Hemligt" not in ics.content
    assert client.get(reverse("projects:meeting_detail", args=[booked.pk])).status_code == 404


def test_buyer_saves_notes(client, call, buyer, company_org):
    booked = booking(slot(call), company_org)
    client.force_login(buyer)
    response = client.post(reverse("projects:meeting_detail", args=[booked.pk]), {"notes": "Bra demo."})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.buyer_notes == "Bra demo."
    assert AuditEntry.objects.get(action=AuditAction.MEETING_NOTES_SAVED).details == {}


def test_notes_of_another_organisations_meeting_are_404(client, call, company_org):
    booked = booking(slot(call), company_org)
    other_buyer = make_buyer()
    client.force_login(other_buyer)
    url = reverse("projects:meeting_detail", args=[booked.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"notes": "x"}).status_code == 404
    assert client.post(reverse("projects:meeting_outcome", args=[booked.pk]), {"outcome": "held"}).status_code == 404


def test_slot_of_another_buyers_call_is_404(client, call):
    other = slot(call)
    client.force_login(make_buyer())
    assert client.post(reverse("projects:meeting_slot_cancel", args=[other.pk])).status_code == 404
    assert client.get(reverse("projects:meeting_manage", args=[call.pk])).status_code == 404


def test_slot_form_errors_show_next_to_the_field_and_keep_the_input(client, call, buyer):
    client.force_login(buyer)
    data = {
        "starts_at": local_input(timezone.now() + 3 * DAY),
        "duration_minutes": "30",
        "count": "1",
        "place": "",
        "video_url": "http://meet.example.se/rum",
        "note": "Min anteckning",
    }
    response = client.post(reverse("projects:meeting_slot_add", args=[call.pk]), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "The video link must start with https://." in content
    assert "Min anteckning" in content and "http://meet.example.se/rum" in content
    assert not MeetingSlot.objects.exists()


def test_overlap_through_the_form_is_shown_next_to_the_start(client, call, buyer):
    first = slot(call, starts_in=3 * DAY, minutes=60)
    client.force_login(buyer)
    data = {"starts_at": local_input(first.starts_at), "duration_minutes": "30", "count": "1", "place": "Rum"}
    response = client.post(reverse("projects:meeting_slot_add", args=[call.pk]), data)
    assert response.status_code == 200
    assert "overlaps the slot already offered" in response.content.decode()


def test_consecutive_slots_through_the_form(client, call, buyer):
    client.force_login(buyer)
    data = {
        "starts_at": local_input(timezone.now() + 3 * DAY),
        "duration_minutes": "20",
        "count": "4",
        "video_url": "https://meet.example.se/rum",
    }
    response = client.post(reverse("projects:meeting_slot_add", args=[call.pk]), data)
    assert response.status_code == 302
    assert MeetingSlot.objects.filter(call=call).count() == 4


def test_call_page_shows_the_offer_and_the_booking_link(client, call, company_user):
    offer(call, closes_in=5 * DAY)
    slot(call)
    booking(slot(call, starts_in=20 * DAY), organisation_of(make_company_user()))
    url = reverse("projects:call_detail", args=[call.pk])
    content = client.get(url).content.decode()
    assert "1 free slot." in content
    assert reverse("projects:meeting_book", args=[call.pk]) not in content
    assert "as a company to book a meeting" in content
    client.force_login(company_user)
    content = client.get(url).content.decode()
    assert "1 free slot." in content and "Book by" in content
    assert reverse("projects:meeting_book", args=[call.pk]) in content


def test_call_page_without_meetings_shows_no_offer(client, call):
    assert "Dialogue meetings" not in client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()


# --- rules per role ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "manage", "book", "view_booking", "note"),
    [
        ("buyer", True, False, True, True),
        ("company", False, True, True, False),
        ("other_company", False, True, False, False),
        ("other_buyer", False, False, False, False),
        ("handler", False, False, False, False),
    ],
)
def test_meeting_permissions_per_role(call, buyer, company_user, company_org, role, manage, book, view_booking, note):
    booked = booking(slot(call), company_org)
    users = {
        "buyer": buyer,
        "company": company_user,
        "other_company": make_company_user(),
        "other_buyer": make_buyer(),
        "handler": make_handler(),
    }
    user = users[role]
    assert user.has_perm("projects.manage_meetings", call) is manage
    assert user.has_perm("projects.book_meeting", call) is book
    assert user.has_perm("projects.view_meetingbooking", booked) is view_booking
    assert user.has_perm("projects.cancel_meetingbooking", booked) is view_booking
    assert user.has_perm("projects.note_meetingbooking", booked) is note


@pytest.mark.parametrize(("status", "bookable"), [("draft", False), ("open", True), ("cancelled", False)])
def test_book_meeting_permission_per_call_state(company_user, status, bookable):
    kwargs = {"published_at": None} if status == "draft" else {}
    call = CallFactory(status=status, **kwargs)
    assert company_user.has_perm("projects.book_meeting", call) is bookable


# --- the call's cancellation and the mail itself -----------------------------------------------------------------


def test_cancelling_the_call_cancels_its_meetings_to_come(call, buyer, company_user, company_org):
    from projects.services import cancel_call

    offer(call)
    upcoming = booking(slot(call, created_by=buyer), company_org, by=company_user)
    free = slot(call, starts_in=20 * DAY)
    started = booking(slot(call, starts_in=-DAY), organisation_of(make_company_user()))
    cancel_call(call=call, by=buyer, reason="Behovet har upphört.")
    upcoming.refresh_from_db()
    free.refresh_from_db()
    started.refresh_from_db()
    assert upcoming.is_cancelled and upcoming.cancelled_by_buyer
    assert free.is_cancelled
    assert started.is_booked  # a meeting that has started is history, not a booking to cancel
    assert Mail.objects.filter(template="projects/meetings/mail/cancelled", to=company_user.email).count() == 1


def test_booking_on_a_draft_or_cancelled_call_is_refused(buyer_org, company_user, company_org):
    draft = CallFactory(need=NeedFactory(organisation=buyer_org), status="draft", published_at=None)
    cancelled = CallFactory(need=NeedFactory(organisation=buyer_org), status="cancelled")
    for call, message in ((draft, "The buyer does not offer meetings"), (cancelled, "The call has been cancelled.")):
        offer(call)
        free = slot(call)
        with pytest.raises(ServiceError, match=message):
            services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)


def test_the_mail_carries_the_calendar_file(call, buyer, company_user, company_org):
    from portal.mail import build_message

    offer(call)
    free = slot(call, created_by=buyer)
    services.book_meeting(call=call, slot_id=free.pk, organisation=company_org, by=company_user)
    mail = Mail.objects.get(template="projects/meetings/mail/booked", to=company_user.email)
    message = build_message(mail).message()
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == f"dialogmote-{MeetingBooking.objects.get().pk}.ics"
    assert "BEGIN:VCALENDAR" in part.get_payload(decode=True).decode()
    assert mail.subject == f"Dialogmöte bokat: {call.title}"  # in the recipient's language


def test_next_public_change_is_the_next_slot_start_or_cut_off(call):
    from projects.meetings.selectors import next_public_change

    now = timezone.now()
    assert next_public_change(now) is None
    settings = offer(call, closes_in=5 * DAY)
    assert next_public_change(now) is None  # a cut-off without slots changes no page
    withdrawn = slot(call, starts_in=DAY, status=MeetingSlot.Status.CANCELLED)
    later = slot(call, starts_in=3 * DAY)
    assert next_public_change(now) == later.starts_at
    assert next_public_change(later.starts_at) == settings.booking_closes_at
    assert withdrawn.starts_at < later.starts_at
    assert next_public_change(settings.booking_closes_at) is None
