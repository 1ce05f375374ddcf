from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .selectors import memberships_list


def portal(request):
    user = request.user
    context = {"require_staff_mfa": settings.REQUIRE_STAFF_MFA}
    if user.is_authenticated:
        context["active_organisation"] = getattr(user, "active_organisation", None)
        # Shown by one dashboard panel: read (and the query built, ~0.4 ms) only where a template uses it.
        context["my_memberships"] = SimpleLazyObject(lambda: memberships_list(user))
    return context
