"""Who may offer, book and see dialogue meetings.

Objects: a Call (offering slots, booking), a MeetingSlot (`.organisation` is the call's), a MeetingBooking
(`.organisation` is the company's; its call's organisation is the buyer's). Rules on time (the cut-off, a slot
that has started) are checked by the services, which say why.
"""

import rules

from portal.rules import acts_for_company, acts_for_obj_org, acts_for_verified_public_body


@rules.predicate
def call_offers_booking(user, call):
    """A published call of a published need that is not cancelled: companies may book its meetings."""
    return call is not None and call.is_published and call.need.is_published and not call.is_cancelled


@rules.predicate
def acts_for_booking_buyer(user, booking):
    """The user acts for the organisation whose call the booked meeting belongs to."""
    return booking is not None and acts_for_obj_org(user, booking.call.need.organisation)


can_manage_meetings = acts_for_obj_org & acts_for_verified_public_body
is_booking_company = acts_for_company & acts_for_obj_org
is_booking_buyer = acts_for_verified_public_body & acts_for_booking_buyer

# Object: the Call.
rules.add_perm("projects.manage_meetings", can_manage_meetings)
rules.add_perm("projects.book_meeting", acts_for_company & call_offers_booking)
# Object: the MeetingSlot.
rules.add_perm("projects.cancel_meetingslot", can_manage_meetings)
# Object: the MeetingBooking.
rules.add_perm("projects.view_meetingbooking", is_booking_company | is_booking_buyer)
rules.add_perm("projects.cancel_meetingbooking", is_booking_company | is_booking_buyer)
rules.add_perm("projects.note_meetingbooking", is_booking_buyer)
