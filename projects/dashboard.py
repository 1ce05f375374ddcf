"""Dashboard panels of the projects app: a buyer's needs and calls; a company's calls and responses."""

from django.utils.translation import gettext as _

from portal.dashboard import Panel
from portal.rules import active_organisation

from . import selectors
from .following.selectors import followed_calls
from .models import InterestProfile, Need


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
                lambda: {
                    # The panel shows no call count: the needs without `needs_of_organisation`'s join and GROUP BY.
                    "needs": list(Need.objects.filter(organisation=organisation).order_by("-updated_at", "-id")[:10]),
                    "calls": list(selectors.calls_of_organisation(organisation)[:10]),
                    "can_read": True,
                },
                order=10,
                # A call's status changes when it opens or closes: a clock boundary of every fragment.
                families=("needs", "responses"),
            )
        ]
    if organisation.is_company:
        return [
            Panel(
                _("Calls to the market"),
                "projects/panels/company.html",
                lambda: {
                    "has_profile": InterestProfile.objects.filter(organisation=organisation).exists(),
                    "matching": selectors.matching_open_calls(organisation, limit=10),
                    "open_calls": list(
                        selectors.public_calls().filter(selectors.open_calls_q()).order_by("closes_at")[:10]
                    ),
                    "responses": list(selectors.responses_of_organisation(organisation)[:10]),
                },
                order=10,
                families=COMPANY_FAMILIES,
            ),
            Panel(
                _("Calls you follow"),
                "projects/following/panel.html",
                lambda: {"calls": list(followed_calls(user)[:20])},
                order=11,
                families=COMPANY_FAMILIES,
            ),
        ]
    return []


# What the company's panels show: calls and needs, the interest profile and follows, the company's responses and
# the buyers' names; the same set for both panels, so one version serves them (a call opening or closing is a
# clock boundary of every fragment).
COMPANY_FAMILIES = ("needs", "organisations", "responses", "subscriptions")
