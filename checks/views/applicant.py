"""Pages of the applicant: members of a verified public body apply for a check, complete, withdraw and report.

An application is fetched through `selectors.get_application_for` (404 for any other organisation's). When the
rule of an action says no (the state moved on, e.g. in another tab), the view explains it on the application's
page instead of answering 403/404: the application is the user's own.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import ListView

from portal.files import attachments_for
from portal.query import LenientPaginationMixin
from portal.rules import active_organisation
from portal.services import ServiceError
from portal.submission import guard_submission
from portal.views.access import PermissionView, form_error, message_error

from .. import selectors, services
from ..forms import ApplicationForm, BudgetFormSet, ExpertiseFormSet, FinalReportForm, ResubmitForm, line_rows


class MyApplicationsView(PermissionView, LenientPaginationMixin, ListView):
    permission_required = "checks.view_own_applications"
    template_name = "checks/application_list.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        return selectors.applications_for(self.request.user).select_related("decision")


class ApplicationFormMixin:
    """The application form with its two line formsets (external expertise, budget)."""

    template_name = "checks/application_form.html"

    def forms_from_post(self, call, organisation, instance=None):
        form = ApplicationForm(
            self.request.POST,
            self.request.FILES,
            instance=instance,
            call=call,
            organisation=organisation,
            uploader=self.request.user,
        )
        return (
            form,
            ExpertiseFormSet(self.request.POST, prefix="expertise"),
            BudgetFormSet(self.request.POST, prefix="budget"),
        )

    def render_form(self, call, form, expertise, budget, application=None, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "call": call,
                "application": application,
                "form": form,
                "expertise": expertise,
                "budget": budget,
                "files": attachments_for(application, services.APPLICANT_FILES) if application else [],
                "missing": selectors.missing_items(application) if application and status == 200 else None,
                "formsets": [expertise, budget],
                "has_errors": bool(
                    form.errors
                    or any(expertise.errors)
                    or any(budget.errors)
                    or expertise.non_form_errors()
                    or budget.non_form_errors()
                ),
            },
            status=status,
        )

    def render_refused(self, call, organisation, message, application=None):
        """The posted form again with everything typed kept, and why it cannot be saved now."""
        form, expertise, budget = self.forms_from_post(call, organisation, instance=application)
        form.is_valid()
        form.add_error(None, message)
        return self.render_form(call, form, expertise, budget, application=application, status=400)


class ApplicationCreateView(ApplicationFormMixin, PermissionView):
    permission_required = "checks.apply_grantcall"
    denied_status = 403

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["call_pk"])

    def permission_denied(self):
        if not self.request.user.has_perm("checks.add_application"):
            return super().permission_denied()
        # The user may apply, but the call is not open (or closed since the form was loaded): say so, and keep
        # what was typed.
        if self.request.method == "POST":
            return self.render_refused(
                self.object, active_organisation(self.request.user), _("The call is not open for applications.")
            )
        messages.error(self.request, _("The call is not open for applications."))
        return redirect("checks:call_detail", pk=self.object.pk)

    def get(self, request, call_pk):
        call = self.object
        form = ApplicationForm(
            call=call,
            organisation=active_organisation(request.user),
            initial={"contact": request.user.pk, "track": call.tracks.first()},
        )
        return self.render_form(call, form, ExpertiseFormSet(prefix="expertise"), BudgetFormSet(prefix="budget"))

    @guard_submission
    def post(self, request, call_pk):
        call = self.object
        organisation = active_organisation(request.user)
        form, expertise, budget = self.forms_from_post(call, organisation)
        if form.is_valid() and expertise.is_valid() and budget.is_valid():
            try:
                application = services.create_application(
                    call=call,
                    organisation=organisation,
                    by=request.user,
                    **form.application_fields(),
                    expertise=line_rows(expertise),
                    budget=line_rows(budget),
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The draft is saved. Check the list of what is missing, then submit."))
                return redirect("checks:application_detail", pk=application.pk)
        return self.render_form(call, form, expertise, budget, status=400)


class ApplicationView(PermissionView):
    """An application of the organisation the user acts for; 404 for any other."""

    permission_required = "checks.view_application"

    def get_object(self):
        return selectors.get_application_for(self.request.user, self.kwargs["pk"])


class ApplicationActionView(ApplicationView):
    """An action on the user's own application: when its rule says no, the application's page says why."""

    def denied_message(self) -> str:
        return _("This is not possible in the application's current state.")

    def permission_denied(self):
        if not hasattr(self, self.request.method.lower()):  # e.g. GET on a button's URL: 405 in any state
            return self.http_method_not_allowed(self.request)
        messages.error(self.request, self.denied_message())
        return redirect("checks:application_detail", pk=self.object.pk)


def detail_context(request, application, resubmit_form=None) -> dict:
    has = request.user.has_perm
    letter, decisions = selectors.letter_and_decisions(application)
    context = {
        "application": application,
        "history": selectors.history_of(application),
        "files": attachments_for(application, services.APPLICANT_FILES),
        "report_files": attachments_for(application, services.FINAL_REPORT_FILES),
        # Letters and earlier decisions exist only once a decision does (no queries before).
        "letter": letter,
        "decisions": decisions,
        "can_edit": has("checks.change_application", application),
        "can_submit": has("checks.submit_application", application),
        "can_resubmit": has("checks.resubmit_application", application),
        "can_withdraw": has("checks.withdraw_application", application),
        "can_report": has("checks.report_application", application),
        "resubmit_form": resubmit_form or ResubmitForm(),
        "report_completion": selectors.report_completion_request(application),
    }
    if application.is_editable:
        context["missing"] = selectors.missing_items(application)
    return context


class ApplicationDetailView(ApplicationView):
    def get(self, request, pk):
        return render(request, "checks/application_detail.html", detail_context(request, self.object))


class ApplicationEditView(ApplicationFormMixin, ApplicationActionView):
    permission_required = "checks.change_application"

    def denied_message(self) -> str:
        return _("The application can only be changed as a draft or when the handler has asked for a completion.")

    def permission_denied(self):
        application = self.object
        if self.request.method == "POST":
            return self.render_refused(
                application.call, application.organisation, self.denied_message(), application=application
            )
        return super().permission_denied()

    def get(self, request, pk):
        application = self.object
        form = ApplicationForm(instance=application, call=application.call, organisation=application.organisation)
        expertise = ExpertiseFormSet(
            prefix="expertise",
            initial=[
                {"provider": x.provider, "competence": x.competence, "fee": x.fee}
                for x in application.expertise_lines.all()
            ],
        )
        budget = BudgetFormSet(
            prefix="budget",
            initial=[
                {"kind": x.kind, "description": x.description, "amount": x.amount}
                for x in application.budget_lines.all()
            ],
        )
        return self.render_form(application.call, form, expertise, budget, application=application)

    def post(self, request, pk):
        application = self.object
        form, expertise, budget = self.forms_from_post(application.call, application.organisation, instance=application)
        if form.is_valid() and expertise.is_valid() and budget.is_valid():
            try:
                services.save_application(
                    application=application,
                    by=request.user,
                    **form.application_fields(),
                    expertise=line_rows(expertise),
                    budget=line_rows(budget),
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("checks:application_detail", pk=application.pk)
        return self.render_form(application.call, form, expertise, budget, application=application, status=400)


class ApplicationSubmitView(ApplicationActionView):
    permission_required = "checks.submit_application"

    def denied_message(self) -> str:
        return _("The application has already been submitted.")

    def post(self, request, pk):
        try:
            application = services.submit_application(application=self.object, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            messages.success(
                request,
                _("The application is submitted. Its reference number is %(ref)s.") % {"ref": application.reference},
            )
        return redirect("checks:application_detail", pk=self.object.pk)


class ApplicationResubmitView(ApplicationActionView):
    permission_required = "checks.resubmit_application"

    def denied_message(self) -> str:
        return _("The application has already been sent back to the handlers.")

    def post(self, request, pk):
        application = self.object
        form = ResubmitForm(request.POST)
        form.is_valid()
        try:
            services.resubmit_application(
                application=application, by=request.user, message=form.cleaned_data.get("message", "")
            )
        except ServiceError as error:
            # Not complete yet: the page again, with the list of what is missing and the message kept.
            form_error(form, error)
            context = detail_context(request, application, resubmit_form=form)
            return render(request, "checks/application_detail.html", context, status=400)
        messages.success(request, _("The completed application is sent back to the handlers."))
        return redirect("checks:application_detail", pk=application.pk)


class ApplicationWithdrawView(ApplicationActionView):
    permission_required = "checks.withdraw_application"

    def post(self, request, pk):
        try:
            services.withdraw_application(application=self.object, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The application is withdrawn."))
        return redirect("checks:application_detail", pk=self.object.pk)


class FinalReportView(ApplicationActionView):
    permission_required = "checks.report_application"
    template_name = "checks/final_report_form.html"

    def denied_message(self) -> str:
        application = self.object
        if application.awaits_final_report and not application.period_has_ended:
            return services.final_report_not_yet_message(application)
        return _("A final report can only be submitted for an approved application.")

    def get_form(self, data=None, files=None):
        application = self.object
        report = getattr(application, "final_report", None) if hasattr(application, "final_report") else None
        return FinalReportForm(
            data, files, instance=report, budget_lines=application.budget_lines.all(), uploader=self.request.user
        )

    def get(self, request, pk):
        return render(request, self.template_name, {"application": self.object, "form": self.get_form()})

    def post(self, request, pk):
        application = self.object
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.submit_final_report(
                    application=application,
                    by=request.user,
                    results=form.cleaned_data["results"],
                    outcome=form.cleaned_data["outcome"],
                    procurement_started=form.cleaned_data["procurement_started"],
                    procedure=form.cleaned_data["procedure"],
                    actual_costs=form.actual_costs(),
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The final report is submitted."))
                return redirect("checks:application_detail", pk=application.pk)
        return render(request, self.template_name, {"application": application, "form": form}, status=400)
