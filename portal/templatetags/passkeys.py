"""`{% authenticator_types user as types %}`: the kinds of second factor (allauth authenticator types) a user has."""

from django import template

register = template.Library()


@register.simple_tag
def authenticator_types(user) -> set[str]:
    """One query; used where allauth's context does not say (the second step of the sign-in)."""
    from allauth.mfa.models import Authenticator

    if user is None or user.pk is None:
        return set()
    return set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))
