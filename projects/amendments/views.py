from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.submission import guard_submission
from portal.views.access import form_error, message_error

from ..views.buyer import OwnCallView
from . import services
from .forms import AmendmentForm
from .selectors import call_amendments


class AmendCallView(OwnCallView):
    """The buyer publishes an amendment to its open call."""

    permission_required = "projects.amend_call"

    def permission_denied(self):
        if self.request.user.has_perm("projects.manage_call", self.object):
            # The buyer's own call that is not open: say why it cannot be amended.
            try:
                services.require_amendable(self.object, services.database_now())
            except services.InvalidTransition as error:
                message_error(self.request, error)
            return redirect("projects:call_detail", pk=self.object.pk)
        return super().permission_denied()

    def form(self, data=None, files=None):
        current = list(services.current_attachments(self.object))
        return AmendmentForm(data, files, call=self.object, current_files=current, uploader=self.request.user)

    def render_form(self, form):
        context = {"call": self.object, "form": form, "amendments": call_amendments(self.object)}
        return render(self.request, "projects/amendments/amend_form.html", context)

    def get(self, request, pk):
        return self.render_form(self.form())

    @guard_submission
    def post(self, request, pk):
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            try:
                amendment = services.amend_call(call=self.object, by=request.user, **form.service_arguments())
            except services.InvalidTransition as error:
                message_error(request, error)
                return redirect("projects:call_detail", pk=self.object.pk)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request,
                    _("Amendment %(number)s is published and mailed to everyone involved in the call.")
                    % {"number": amendment.number},
                )
                return redirect(reverse("projects:call_detail", args=[self.object.pk]) + "#amendments")
        return self.render_form(form)
