"""Dashboard panels: the buyer's applications, the handler's queue, the admin's grant calls."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from portal.dashboard import Panel
from portal.rules import acts_for_public_body, acts_for_verified_public_body, is_handler, is_portal_admin

from . import selectors
from .models import Application, GrantCall


def panels(request) -> list[Panel]:
    user = request.user
    result = []
    if acts_for_public_body(user):
        open_calls = sum(1 for call in selectors.published_calls() if call.is_open)
        result.append(
            Panel(
                _("Our innovation-check applications"),
                "checks/panels/my_applications.html",
                {
                    "applications": list(selectors.applications_for(user)[:5]),
                    "open_calls": open_calls,
                    # An unverified public body is told why it cannot apply instead of being invited to.
                    "may_apply": acts_for_verified_public_body(user),
                },
                order=20,
            )
        )
    if is_handler(user):
        S = Application.State
        # The same sets as the queue links in the panel (state=under_handling), so the numbers match the lists.
        handling = Q(state__in=Application.UNDER_HANDLING_STATES)
        counts = Application.objects.exclude(state=S.DRAFT).aggregate(
            mine=Count("id", filter=Q(assigned_to=user) & handling),
            unassigned=Count("id", filter=Q(assigned_to__isnull=True) & handling),
            reports=Count("id", filter=Q(state=S.FINAL_REPORT_SUBMITTED)),
            applicant_late=Count("id", filter=selectors.applicant_late_q()),
        )
        result.append(Panel(_("Innovation checks to review"), "checks/panels/queue.html", counts, order=10))
    if is_portal_admin(user):
        result.append(
            Panel(_("Grant calls"), "checks/panels/calls.html", {"calls": list(GrantCall.objects.all()[:5])}, order=15)
        )
    return result
