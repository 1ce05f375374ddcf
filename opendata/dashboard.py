"""The open-data part of the dashboard: a company member's way to their private calendar feed."""

from django.utils.translation import gettext_lazy as _

from portal.dashboard import Panel
from portal.rules import active_organisation


def panels(request) -> list[Panel]:
    organisation = active_organisation(request.user)
    if organisation is None or not organisation.is_company:
        return []
    return [Panel(_("Calls in your calendar"), "opendata/panels/calendar.html", order=12)]
