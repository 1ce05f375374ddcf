from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import ListView

from .. import organisations as identity
from .. import selectors, services
from ..forms import AuditLogFilterForm, DisputeDecisionForm, RejectionForm
from ..query import LenientPaginationMixin
from .access import PermissionView, form_error, message_error


class StaffView(PermissionView):
    """A portal admin's page. Anyone else gets 403 before any object is looked up, so ids cannot be probed."""

    role_required = "portal.use_staff_pages"
    denied_status = 403


class VerificationQueueView(StaffView, LenientPaginationMixin, ListView):
    permission_required = "portal.verify_organisations"
    template_name = "portal/staff/verification_queue.html"
    context_object_name = "organisations"
    paginate_by = 50

    def get_queryset(self):
        return selectors.organisations_awaiting_verification()

    def get_context_data(self, **kwargs):
        return super().get_context_data(open_dispute_count=selectors.open_disputes().count(), **kwargs)


class VerifyOrganisationView(StaffView):
    permission_required = "portal.verify_organisation"

    def get_object(self):
        return selectors.get_organisation(self.kwargs["pk"])

    def post(self, request, pk):
        try:
            services.verify_organisation(organisation=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("%(name)s is verified.") % {"name": self.object.name})
        return redirect("portal:verification_queue")


class RejectOrganisationView(StaffView):
    """Only an organisation awaiting verification can be rejected (`portal.reject_organisation`)."""

    permission_required = "portal.reject_organisation"
    template_name = "portal/staff/reject_organisation.html"

    def get_object(self):
        return selectors.get_organisation(self.kwargs["pk"])

    def get(self, request, pk):
        return render(request, self.template_name, {"organisation": self.object, "form": RejectionForm()})

    def post(self, request, pk):
        form = RejectionForm(request.POST)
        if form.is_valid():
            try:
                services.reject_organisation(
                    organisation=self.object, by=request.user, reason=form.cleaned_data["reason"]
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request, _("%(name)s was rejected and its owners were told why.") % {"name": self.object.name}
                )
                return redirect("portal:verification_queue")
        return render(request, self.template_name, {"organisation": self.object, "form": form}, status=400)


class DecidedOrganisationsView(StaffView, LenientPaginationMixin, ListView):
    """Verified or rejected organisations (`status`), with who decided and when; each can be undone."""

    permission_required = "portal.verify_organisations"
    template_name = "portal/staff/decided_organisations.html"
    context_object_name = "organisations"
    paginate_by = 50
    status = ""

    def get_queryset(self):
        return selectors.organisations_decided(self.status)

    def get_context_data(self, **kwargs):
        return super().get_context_data(status=self.status, **kwargs)


class UndoOrganisationDecisionView(StaffView):
    """A portal admin undoes a verification or a rejection, with a reason (`portal.undo_decision_organisation`)."""

    permission_required = "portal.undo_decision_organisation"
    template_name = "portal/staff/undo_organisation_decision.html"

    def get_object(self):
        return selectors.get_organisation(self.kwargs["pk"])

    def get(self, request, pk):
        return render(request, self.template_name, {"organisation": self.object, "form": RejectionForm()})

    def post(self, request, pk):
        form = RejectionForm(request.POST)
        if form.is_valid():
            try:
                services.undo_organisation_decision(
                    organisation=self.object, by=request.user, reason=form.cleaned_data["reason"]
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s awaits verification again and its owners were told why.") % {"name": self.object.name},
                )
                return redirect("portal:verification_queue")
        return render(request, self.template_name, {"organisation": self.object, "form": form}, status=400)


class DisputeQueueView(StaffView, LenientPaginationMixin, ListView):
    permission_required = "portal.decide_disputes"
    template_name = "portal/staff/dispute_queue.html"
    context_object_name = "disputes"
    paginate_by = 50

    def get_queryset(self):
        return selectors.open_disputes()


class DisputeDecideView(StaffView):
    """A portal admin reads a dispute over an organisation number and decides it."""

    permission_required = "portal.view_identitydispute"
    template_name = "portal/staff/dispute_decide.html"

    def get_object(self):
        return selectors.get_dispute(self.kwargs["pk"])

    def render_page(self, form, status=200):
        dispute = self.object
        context = {
            "dispute": dispute,
            "form": form,
            # The same rule the service keeps: only an open dispute is decided.
            "can_decide": self.request.user.has_perm("portal.decide_identitydispute", dispute),
            "holder_members": selectors.organisation_members(dispute.organisation),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(DisputeDecisionForm())

    def post(self, request, pk):
        form = DisputeDecisionForm(request.POST)
        if form.is_valid():
            try:
                identity.decide_dispute(
                    dispute=self.object,
                    by=request.user,
                    uphold=form.cleaned_data["decision"] == "uphold",
                    reason=form.cleaned_data["reason"],
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The dispute is decided and both sides have been told."))
                return redirect("portal:dispute_queue")
        return self.render_page(form, status=400)


class AuditLogView(StaffView, LenientPaginationMixin, ListView):
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
