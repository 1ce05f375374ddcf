from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from portal.documents import DocumentStatus, document_response
from portal.rules import is_staff_role
from portal.services import ServiceError
from portal.views.access import PermissionView, message_error

from .. import selectors
from ..views.review import StaffApplicationView
from . import services


class DecisionLetterView(PermissionView):
    """The decision letter for the applicant's members and for handlers/admins; 404 for everyone else."""

    permission_required = "checks.view_application"

    def get_object(self):
        if is_staff_role(self.request.user):
            return selectors.get_application_for_staff(self.request.user, self.kwargs["pk"])
        return selectors.get_application_for(self.request.user, self.kwargs["pk"])

    def get(self, request, pk, letter=None):
        """The letter of the decision that stands, or (`letter`) any ready letter of the application: the letters
        of corrected decisions stay in the history (förvaltningslagen 36 §)."""
        application = self.object
        letters = application.letters.filter(status=DocumentStatus.READY)
        if letter is not None:
            letters = letters.filter(pk=letter)
        else:
            decision = getattr(application, "decision", None)
            letters = letters.filter(Q(decision__isnull=True) | Q(decision=decision))
        letter = letters.first()
        if letter is None:
            raise Http404
        return document_response(letter)


class RetryLetterView(StaffApplicationView):
    permission_required = "checks.retry_letter_application"

    def permission_denied(self):
        # A page only handlers use, reached by POST: staff who try another method are told it is not allowed.
        if self.request.method != "POST":
            return self.http_method_not_allowed(self.request)
        return super().permission_denied()

    def post(self, request, pk):
        try:
            services.retry_decision_letter(application=self.object, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The decision letter is being produced again; it is mailed when ready."))
        return self.back()
