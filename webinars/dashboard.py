"""Dashboard panels: the webinar overview for portal admins, and a signed-in user's own registrations."""

from django.utils.translation import gettext as _

from portal.dashboard import Panel
from portal.rules import is_portal_admin

from . import selectors


def panels(request) -> list[Panel]:
    user = request.user
    result = []
    if is_portal_admin(user):
        webinars = list(selectors.webinars_for_dashboard()[:10])
        result.append(Panel(_("Webinars"), "webinars/panels/admin.html", {"webinars": webinars}, order=40))
    registrations = selectors.dashboard_registrations(user)
    if registrations:
        for registration in registrations:
            registration.token = selectors.registration_token(registration)
        result.append(
            Panel(
                _("Your webinar registrations"),
                "webinars/panels/registrations.html",
                {"registrations": registrations},
                order=45,
            )
        )
    return result
