"""Reads for following calls."""

from django.db.models import QuerySet

from ..models import Call
from ..selectors import public_calls
from .models import CallFollow


def follows(user, call: Call) -> bool:
    return bool(user.is_authenticated) and CallFollow.objects.filter(call=call, user=user).exists()


def followed_calls(user) -> QuerySet[Call]:
    """The public calls `user` follows, soonest closing first, with their organisation (one query)."""
    if not user.is_authenticated:
        return Call.objects.none()
    return public_calls().filter(follows__user=user).select_related("need__organisation").order_by("closes_at", "id")
