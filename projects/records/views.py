"""Secrecy requests (the company's pages) and record releases (the buyer's pages) of a response."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.submission import guard_submission
from portal.views.access import PermissionView, form_error, message_error

from .. import selectors as project_selectors
from . import selectors, services
from .forms import ReleaseForm, SecrecyMarkingForm


class OwnResponseView(PermissionView):
    """The company's own response (the organisation it acts for); anyone else: 404."""

    def get_object(self):
        return project_selectors.get_own_response(self.request.user, self.kwargs["pk"])


def render_markings(request, response, form=None, status=200):
    return render(
        request,
        "projects/records/markings.html",
        {
            "response": response,
            "call": response.call,
            "form": form or SecrecyMarkingForm(response=response),
            "markings": selectors.markings_of(response),
            "can_mark": request.user.has_perm("projects.mark_secrecy", response),
        },
        status=status,
    )


class MarkingsView(OwnResponseView):
    """The company's secrecy requests on its response: the list, and a form to add one (works without JS)."""

    permission_required = "projects.view_secrecy_markings"

    def get(self, request, pk):
        return render_markings(request, self.object)


class MarkingAddView(OwnResponseView):
    http_method_names = ["post"]
    permission_required = "projects.mark_secrecy"
    denied_status = 403

    @guard_submission
    def post(self, request, pk):
        response = self.object
        form = SecrecyMarkingForm(request.POST, response=response)
        if form.is_valid():
            try:
                services.add_secrecy_marking(response=response, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Your secrecy request is saved. The buyer sees it with your response."))
                return redirect("records:markings", pk=response.pk)
        return render_markings(request, response, form)


class MarkingRemoveView(OwnResponseView):
    http_method_names = ["post"]
    permission_required = "projects.mark_secrecy"
    denied_status = 403

    def post(self, request, pk, marking_pk):
        marking = selectors.get_own_marking(request.user, self.object, marking_pk)
        try:
            services.remove_secrecy_marking(marking=marking, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The secrecy request is removed."))
        return redirect("records:markings", pk=self.object.pk)


class ReleaseView(PermissionView):
    """The buyer produces a release copy of a response for someone who asked for it (utlämnande)."""

    permission_required = "projects.release_response"

    def get_object(self):
        return selectors.get_response_for_release(self.request.user, self.kwargs["pk"])

    def render_form(self, form, marked_parts):
        response = self.object
        context = {"response": response, "call": response.call, "form": form, "marked_parts": marked_parts}
        return render(self.request, "projects/records/release_form.html", context)

    def get(self, request, pk):
        marked_parts = selectors.marked_parts(self.object)
        return self.render_form(ReleaseForm(marked_parts=marked_parts), marked_parts)

    @guard_submission
    def post(self, request, pk):
        response = self.object
        marked_parts = selectors.marked_parts(response)
        form = ReleaseForm(request.POST, marked_parts=marked_parts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                release = services.release_response(
                    response=response,
                    by=request.user,
                    requested_on=data["requested_on"],
                    anonymous=data["anonymous"],
                    requester_name=data["requester_name"],
                    requester_email=data["requester_email"],
                    registration=data["registration"],
                    decisions=form.decisions(),
                    language=get_language(),
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "The release copy is ready (release #%(number)s). Download it below and send it to the "
                        "requester."
                    )
                    % {"number": release.pk},
                )
                return redirect(reverse("projects:response_detail", args=[response.pk]) + "#record-releases")
        return self.render_form(form, marked_parts)
