from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils.translation import gettext as _
from django.views import View

from portal.documents import DocumentStatus, document_response
from portal.rules import is_handler, is_staff_role
from portal.services import ServiceError

from .. import selectors
from ..views import StaffApplicationMixin
from . import services


class DecisionLetterView(LoginRequiredMixin, View):
    """The decision letter for the applicant's members and for handlers/admins; 404 for everyone else."""

    def get(self, request, pk):
        if is_staff_role(request.user):
            application = selectors.get_application_for_staff(request.user, pk)
        else:
            application = selectors.get_application_for(request.user, pk)
        if not request.user.has_perm("checks.view_application", application):
            raise Http404
        letter = application.letters.filter(status=DocumentStatus.READY).first()
        if letter is None:
            raise Http404
        return document_response(letter)


class RetryLetterView(StaffApplicationMixin, View):
    def get_permission_required(self):
        return ("checks.view_internal_application",)

    def post(self, request, pk):
        application = self.get_object()
        if not is_handler(request.user):
            raise Http404
        try:
            services.retry_decision_letter(application=application, by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The decision letter is being produced again; it is mailed when ready."))
        return self.back()
