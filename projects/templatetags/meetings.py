from django import template
from django.utils import timezone

from portal.rules import active_organisation

from ..meetings.selectors import booking_of, free_slots, meeting_offer

register = template.Library()


@register.simple_tag(takes_context=True)
def meeting_offer_panel(context, call):
    """The meetings panel of the call page: the buyer's link, or the offer (free slots, cut-off) for the rest.

    None when there is nothing to show. Never says who booked which slot."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or call is None:
        return None
    if user.has_perm("projects.manage_meetings", call):
        return {"can_manage": True, "free_count": free_slots(call, timezone.now()).count()}
    offer = meeting_offer(call)
    if offer is None or call.is_cancelled:
        return None
    can_book = user.has_perm("projects.book_meeting", call)
    has_booking = can_book and booking_of(active_organisation(user), call) is not None
    return {
        **offer,
        "offered": True,
        "can_book": can_book and (offer["booking_open"] or has_booking),
        "has_booking": has_booking,
    }
