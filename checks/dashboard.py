"""Dashboard panels: the buyer's applications, the handler's queue, the admin's grant calls."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.dashboard import Panel
from portal.rules import acts_for_public_body, acts_for_verified_public_body, is_handler, is_portal_admin

from . import selectors
from .models import Application, GrantCall


def panels(request) -> list[Panel]:
    user = request.user
    result = []
    if acts_for_public_body(user):
        may_apply = acts_for_verified_public_body(user)

        def my_applications():
            today = timezone.localdate()
            return {
                # Only reference, title and state are shown: no budget or expertise lines.
                "applications": list(selectors.applications_for(user).prefetch_related(None)[:5]),
                # `GrantCall.is_open` in SQL: one count, not every published call with its tracks.
                "open_calls": selectors.published_calls()
                .filter(opens_on__lte=today, closes_on__gte=today)
                .prefetch_related(None)
                .count(),
                # An unverified public body is told why it cannot apply instead of being invited to.
                "may_apply": may_apply,
            }

        result.append(
            Panel(
                _("Our innovation-check applications"),
                "checks/panels/my_applications.html",
                my_applications,
                order=20,
                # The open calls change by date: a new day is a clock boundary of every fragment.
                families=("applications", "grantcalls", "organisations"),
            )
        )
    if is_handler(user):

        def counts():
            S = Application.State
            # The same sets as the queue links in the panel (state=under_handling), so the numbers match the lists.
            handling = Q(state__in=Application.UNDER_HANDLING_STATES)
            return Application.objects.exclude(state=S.DRAFT).aggregate(
                mine=Count("id", filter=Q(assigned_to=user) & handling),
                unassigned=Count("id", filter=Q(assigned_to__isnull=True) & handling),
                reports=Count("id", filter=Q(state=S.FINAL_REPORT_SUBMITTED)),
                applicant_late=Count("id", filter=selectors.applicant_late_q()),
            )

        # "Applicant late" changes by date: a new day is a clock boundary of every fragment.
        result.append(
            Panel(
                _("Innovation checks to review"),
                "checks/panels/queue.html",
                counts,
                order=10,
                families=("applications",),
            )
        )
    if is_portal_admin(user):
        result.append(
            Panel(
                _("Grant calls"),
                "checks/panels/calls.html",
                lambda: {"calls": list(GrantCall.objects.all()[:5])},
                order=15,
                families=("grantcalls",),
            )
        )
    return result
