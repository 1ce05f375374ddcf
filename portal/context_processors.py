from django.conf import settings

from .selectors import memberships_for


def portal(request):
    user = request.user
    context = {"require_staff_mfa": settings.REQUIRE_STAFF_MFA}
    if user.is_authenticated:
        context["active_organisation"] = getattr(user, "active_organisation", None)
        context["my_memberships"] = memberships_for(user)
    return context
