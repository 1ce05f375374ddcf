"""Dashboard panels of the projects app: a buyer's needs and calls; a company's calls and responses."""

from django.utils.translation import gettext as _

from portal.dashboard import Panel
from portal.rules import active_organisation

from . import selectors
from .following.selectors import followed_calls
from .models import InterestProfile


def panels(request) -> list[Panel]:
    user = request.user
    organisation = active_organisation(user)
    if organisation is None:
        return []
    if organisation.is_public_body:
        if not organisation.is_verified:
            return []
        return [
            Panel(
                _("Needs and calls to the market"),
                "projects/panels/buyer.html",
                {
                    "needs": list(selectors.needs_of_organisation(organisation)[:10]),
                    "calls": list(selectors.calls_of_organisation(organisation)[:10]),
                    "can_read": True,
                },
                order=10,
            )
        ]
    if organisation.is_company:
        return [
            Panel(
                _("Calls to the market"),
                "projects/panels/company.html",
                {
                    "has_profile": InterestProfile.objects.filter(organisation=organisation).exists(),
                    "matching": selectors.matching_open_calls(organisation, limit=10),
                    "open_calls": list(
                        selectors.public_calls().filter(selectors.open_calls_q()).order_by("closes_at")[:10]
                    ),
                    "responses": list(selectors.responses_of_organisation(organisation)[:10]),
                },
                order=10,
            ),
            Panel(
                _("Calls you follow"),
                "projects/following/panel.html",
                {"calls": list(followed_calls(user)[:20])},
                order=11,
            ),
        ]
    return []
