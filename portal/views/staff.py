from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from rules.contrib.views import PermissionRequiredMixin

from .. import organisations as identity
from .. import selectors, services
from ..forms import AuditLogFilterForm, DisputeDecisionForm, RejectionForm
from ..models import Organisation
from ..query import LenientPaginationMixin


class StaffPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    raise_exception = False

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        return super().handle_no_permission()


class VerificationQueueView(StaffPermissionMixin, LenientPaginationMixin, ListView):
    permission_required = "portal.verify_organisations"
    template_name = "portal/staff/verification_queue.html"
    context_object_name = "organisations"
    paginate_by = 50

    def get_queryset(self):
        return selectors.organisations_awaiting_verification()

    def get_context_data(self, **kwargs):
        return super().get_context_data(open_dispute_count=selectors.open_disputes().count(), **kwargs)


class _PendingOrganisationMixin(StaffPermissionMixin):
    permission_required = "portal.verify_organisations"

    def get_organisation(self):
        return get_object_or_404(Organisation, pk=self.kwargs["pk"])


class VerifyOrganisationView(_PendingOrganisationMixin, View):
    def post(self, request, pk):
        organisation = self.get_organisation()
        try:
            services.verify_organisation(organisation=organisation, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
        return redirect("portal:verification_queue")


class RejectOrganisationView(_PendingOrganisationMixin, View):
    template_name = "portal/staff/reject_organisation.html"

    def get(self, request, pk):
        organisation = self.get_organisation()
        if organisation.status != Organisation.Status.PENDING:
            raise Http404
        return render(request, self.template_name, {"organisation": organisation, "form": RejectionForm()})

    def post(self, request, pk):
        organisation = self.get_organisation()
        form = RejectionForm(request.POST)
        if form.is_valid():
            try:
                services.reject_organisation(
                    organisation=organisation, by=request.user, reason=form.cleaned_data["reason"]
                )
            except services.ServiceError as error:
                form.add_error("reason" if error.field else None, error.message)
            else:
                messages.success(
                    request, _("%(name)s was rejected and its owners were told why.") % {"name": organisation.name}
                )
                return redirect("portal:verification_queue")
        return render(request, self.template_name, {"organisation": organisation, "form": form}, status=400)


class DisputeQueueView(StaffPermissionMixin, LenientPaginationMixin, ListView):
    permission_required = "portal.decide_disputes"
    template_name = "portal/staff/dispute_queue.html"
    context_object_name = "disputes"
    paginate_by = 50

    def get_queryset(self):
        return selectors.open_disputes()


class DisputeDecideView(StaffPermissionMixin, View):
    """A portal admin reads a dispute over an organisation number and decides it."""

    permission_required = "portal.decide_disputes"
    template_name = "portal/staff/dispute_decide.html"

    def render_page(self, dispute, form, status=200):
        context = {
            "dispute": dispute,
            "form": form,
            "can_decide": self.request.user.has_perm("portal.decide_identitydispute", dispute),
            "holder_members": selectors.organisation_members(dispute.organisation),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(selectors.get_dispute(pk), DisputeDecisionForm())

    def post(self, request, pk):
        dispute = selectors.get_dispute(pk)
        form = DisputeDecisionForm(request.POST)
        if form.is_valid():
            try:
                identity.decide_dispute(
                    dispute=dispute,
                    by=request.user,
                    uphold=form.cleaned_data["decision"] == "uphold",
                    reason=form.cleaned_data["reason"],
                )
            except services.ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The dispute is decided and both sides have been told."))
                return redirect("portal:dispute_queue")
        return self.render_page(dispute, form, status=400)


class AuditLogView(StaffPermissionMixin, LenientPaginationMixin, ListView):
    permission_required = "portal.view_audit_log"
    template_name = "portal/staff/audit_log.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = AuditLogFilterForm(self.request.GET or None)
        if not self.filter_form.is_bound:
            return selectors.audit_entries()
        if not self.filter_form.is_valid():
            return selectors.audit_entries().none()
        return selectors.audit_entries(action=self.filter_form.cleaned_data["action"])

    def get_context_data(self, **kwargs):
        action = self.filter_form.cleaned_data.get("action", "") if self.filter_form.is_valid() else ""
        query_string = urlencode({"action": action}) if action else ""
        return super().get_context_data(query_string=query_string, filter_form=self.filter_form, **kwargs)
