from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import ListView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from portal.csv_export import csv_response
from portal.files import attachments_for
from portal.query import LenientPaginationMixin, clean_query
from portal.rules import active_organisation, is_handler
from portal.services import ServiceError
from portal.submission import guard_submission

from . import selectors, services
from .forms import (
    ApplicationForm,
    AssignForm,
    BudgetFormSet,
    ConflictForm,
    CriterionFormSet,
    DecisionForm,
    ExpertiseFormSet,
    FinalReportForm,
    GrantCallForm,
    MessageForm,
    QueueFilterForm,
    ResubmitForm,
    ReviewForm,
    TrackFormSet,
    field_error,
    line_rows,
    rows_from,
)
from .models import Application, GrantCall

S = Application.State


class CheckPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous users are sent to log in; others get 403 for role pages, 404 for objects that are not theirs."""

    raise_exception = False
    not_found_when_denied = True

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            if self.not_found_when_denied:
                raise Http404
            raise PermissionDenied
        return super().handle_no_permission()


# --- Public pages ------------------------------------------------------------------------------------------------


class CallListView(LenientPaginationMixin, ListView):
    template_name = "checks/call_list.html"
    context_object_name = "calls"
    paginate_by = 20

    def get_queryset(self):
        return selectors.published_calls()


class CallDetailView(View):
    def get(self, request, pk):
        call = selectors.get_call_for(request.user, pk)
        context = {"call": call, "can_apply": request.user.has_perm("checks.apply_grantcall", call)}
        if request.user.has_perm("checks.view_overview_grantcall", call):
            context["overview"] = selectors.call_overview(call)
        return render(request, "checks/call_detail.html", context)


# --- Portal admin: calls -----------------------------------------------------------------------------------------


class AdminCallListView(CheckPermissionMixin, LenientPaginationMixin, ListView):
    permission_required = "checks.manage_calls"
    not_found_when_denied = False
    template_name = "checks/admin/call_list.html"
    context_object_name = "calls"
    paginate_by = 50

    def get_queryset(self):
        return selectors.all_calls()


class CallFormView(CheckPermissionMixin, View):
    permission_required = "checks.manage_calls"
    not_found_when_denied = False
    template_name = "checks/admin/call_form.html"

    def get_call(self):
        if "pk" not in self.kwargs:
            return GrantCall()
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])

    def render_forms(self, call, form, tracks, criteria, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "call": call,
                "form": form,
                "tracks": tracks,
                "criteria": criteria,
                "formsets": [tracks, criteria],
                "has_errors": status == 400,
            },
            status=status,
        )

    def get(self, request, pk=None):
        call = self.get_call()
        track_rows = [
            {k: getattr(t, k) for k in ("id", "name", "description", "cap_one", "cap_two_or_more", "position")}
            for t in (call.tracks.all() if call.pk else [])
        ]
        criterion_rows = [
            {k: getattr(c, k) for k in ("id", "name", "description", "weight", "position")}
            for c in (call.criteria.all() if call.pk else [])
        ]
        return self.render_forms(
            call,
            GrantCallForm(instance=call),
            TrackFormSet(prefix="tracks", initial=track_rows),
            CriterionFormSet(prefix="criteria", initial=criterion_rows),
        )

    @guard_submission
    def post(self, request, pk=None):
        call = self.get_call()
        form = GrantCallForm(request.POST, instance=call)
        tracks = TrackFormSet(request.POST, prefix="tracks")
        criteria = CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() and tracks.is_valid() and criteria.is_valid():
            try:
                call = services.save_call(
                    call=form.save(commit=False),
                    tracks=rows_from(tracks),
                    criteria=rows_from(criteria),
                    by=request.user,
                )
            except ServiceError as error:
                field_error(form, error)
            else:
                messages.success(request, _("The call is saved."))
                return redirect("checks:call_edit", pk=call.pk)
        return self.render_forms(call, form, tracks, criteria, status=400)


class CallPublishView(CheckPermissionMixin, View):
    permission_required = "checks.manage_calls"
    not_found_when_denied = False

    def post(self, request, pk):
        call = selectors.get_call_for(request.user, pk)
        try:
            services.publish_call(call=call, by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The call is published."))
        return redirect("checks:call_edit", pk=call.pk)


# --- Applicants --------------------------------------------------------------------------------------------------


class MyApplicationsView(CheckPermissionMixin, LenientPaginationMixin, ListView):
    permission_required = "checks.view_own_applications"
    not_found_when_denied = False
    template_name = "checks/application_list.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        return selectors.applications_for(self.request.user).select_related("decision")


class ApplicationFormMixin:
    template_name = "checks/application_form.html"

    def forms_from_post(self, call, organisation, instance=None):
        form = ApplicationForm(
            self.request.POST, self.request.FILES, instance=instance, call=call, organisation=organisation
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

    @staticmethod
    def parsed(form, expertise, budget):
        """(ApplicationData, expertise rows, budget rows) from valid forms."""
        data = services.ApplicationData(
            **{name: form.cleaned_data[name] for name in services.ApplicationData.__dataclass_fields__}
        )
        return data, line_rows(expertise), line_rows(budget)


class ApplicationCreateView(CheckPermissionMixin, ApplicationFormMixin, View):
    # Who may apply at all; whether the call is open is checked below (GET) and by the service (POST), so that
    # a form sent just after the call closed comes back with a message and everything typed, not a 403.
    permission_required = "checks.add_application"
    not_found_when_denied = False

    def get_permission_object(self):
        if not hasattr(self, "_call"):
            self._call = selectors.get_call_for(self.request.user, self.kwargs["call_pk"])
        return self._call

    def get(self, request, call_pk):
        call = self.get_permission_object()
        if not request.user.has_perm("checks.apply_grantcall", call):
            messages.error(request, _("The call is not open for applications."))
            return redirect("checks:call_detail", pk=call.pk)
        organisation = active_organisation(request.user)
        form = ApplicationForm(
            call=call, organisation=organisation, initial={"contact": request.user.pk, "track": call.tracks.first()}
        )
        return self.render_form(call, form, ExpertiseFormSet(prefix="expertise"), BudgetFormSet(prefix="budget"))

    @guard_submission
    def post(self, request, call_pk):
        call = self.get_permission_object()
        organisation = active_organisation(request.user)
        form, expertise, budget = self.forms_from_post(call, organisation)
        if form.is_valid() and expertise.is_valid() and budget.is_valid():
            data, expertise_rows, budget_rows = self.parsed(form, expertise, budget)
            try:
                application = services.create_application(
                    call=call,
                    organisation=organisation,
                    by=request.user,
                    data=data,
                    expertise=expertise_rows,
                    budget=budget_rows,
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                field_error(form, error)
            else:
                messages.success(request, _("The draft is saved. Check the list of what is missing, then submit."))
                return redirect("checks:application_detail", pk=application.pk)
        return self.render_form(call, form, expertise, budget, status=400)


class ApplicationMixin(CheckPermissionMixin):
    permission_required = "checks.view_application"

    def get_object(self):
        if not hasattr(self, "_application"):
            self._application = selectors.get_application_for(self.request.user, self.kwargs["pk"])
        return self._application

    def get_permission_object(self):
        return self.get_object()


class ApplicationDetailView(ApplicationMixin, View):
    def get(self, request, pk):
        return render(request, "checks/application_detail.html", self.detail_context(self.get_object()))

    def detail_context(self, application, resubmit_form=None) -> dict:
        request = self.request
        has = request.user.has_perm
        context = {
            "application": application,
            "history": selectors.history_of(application),
            "files": attachments_for(application, services.APPLICANT_FILES),
            "report_files": attachments_for(application, services.FINAL_REPORT_FILES),
            "letter": application.letters.first(),
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


class ApplicationEditView(ApplicationMixin, ApplicationFormMixin, View):
    def not_editable(self, application):
        messages.error(
            self.request,
            _("The application can only be changed as a draft or when the handler has asked for a completion."),
        )
        return redirect("checks:application_detail", pk=application.pk)

    def get(self, request, pk):
        application = self.get_object()
        if not request.user.has_perm("checks.change_application", application):
            return self.not_editable(application)
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
        application = self.get_object()
        form, expertise, budget = self.forms_from_post(application.call, application.organisation, instance=application)
        if not request.user.has_perm("checks.change_application", application):
            # Keep what was typed on the page, and say why it cannot be saved.
            form.is_valid()
            form.add_error(
                None,
                _("The application can only be changed as a draft or when the handler has asked for a completion."),
            )
            return self.render_form(application.call, form, expertise, budget, application=application, status=400)
        if form.is_valid() and expertise.is_valid() and budget.is_valid():
            data, expertise_rows, budget_rows = self.parsed(form, expertise, budget)
            try:
                services.save_application(
                    application=application,
                    by=request.user,
                    data=data,
                    expertise=expertise_rows,
                    budget=budget_rows,
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                field_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("checks:application_detail", pk=application.pk)
        return self.render_form(application.call, form, expertise, budget, application=application, status=400)


class ApplicationActionView(ApplicationMixin, View):
    """POST-only action on the applicant's application; the service decides if the state allows it."""

    success_message = ""

    def act(self, application):
        raise NotImplementedError

    def post(self, request, pk):
        application = self.get_object()
        if not request.user.has_perm(self.permission_required, application):
            messages.error(request, self.denied_message())
            return redirect("checks:application_detail", pk=application.pk)
        try:
            self.act(application)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, self.success_message())
        return redirect("checks:application_detail", pk=application.pk)

    def get_permission_required(self):
        return ("checks.view_application",)

    def denied_message(self):
        return _("This is not possible in the application's current state.")


class ApplicationSubmitView(ApplicationActionView):
    permission_required = "checks.submit_application"

    def act(self, application):
        self.application = services.submit_application(application=application, by=self.request.user)

    def denied_message(self):
        return _("The application has already been submitted.")

    def success_message(self):
        return _("The application is submitted. Its reference number is %(ref)s.") % {"ref": self.application.reference}


class ApplicationResubmitView(ApplicationActionView):
    permission_required = "checks.resubmit_application"

    def post(self, request, pk):
        application = self.get_object()
        if not request.user.has_perm(self.permission_required, application):
            messages.error(request, self.denied_message())
            return redirect("checks:application_detail", pk=application.pk)
        form = ResubmitForm(request.POST)
        form.is_valid()
        try:
            services.resubmit_application(
                application=application, by=request.user, message=form.cleaned_data.get("message", "")
            )
        except ServiceError as error:
            # Not complete yet: the page again, with the list of what is missing and the message kept.
            form.add_error(None, error.message)
            context = ApplicationDetailView(request=request, kwargs=self.kwargs).detail_context(
                application, resubmit_form=form
            )
            return render(request, "checks/application_detail.html", context, status=400)
        messages.success(request, self.success_message())
        return redirect("checks:application_detail", pk=application.pk)

    def denied_message(self):
        return _("The application has already been sent back to the handlers.")

    def success_message(self):
        return _("The completed application is sent back to the handlers.")


class ApplicationWithdrawView(ApplicationActionView):
    permission_required = "checks.withdraw_application"

    def act(self, application):
        services.withdraw_application(application=application, by=self.request.user)

    def success_message(self):
        return _("The application is withdrawn.")


class FinalReportView(ApplicationMixin, View):
    template_name = "checks/final_report_form.html"

    def get_form(self, application, data=None, files=None):
        report = getattr(application, "final_report", None) if hasattr(application, "final_report") else None
        return FinalReportForm(data, files, instance=report, budget_lines=application.budget_lines.all())

    def guard(self, application):
        if not self.request.user.has_perm("checks.report_application", application):
            messages.error(self.request, _("A final report can only be submitted for an approved application."))
            return redirect("checks:application_detail", pk=application.pk)
        return None

    def get(self, request, pk):
        application = self.get_object()
        return self.guard(application) or render(
            request, self.template_name, {"application": application, "form": self.get_form(application)}
        )

    def post(self, request, pk):
        application = self.get_object()
        denied = self.guard(application)
        if denied:
            return denied
        form = self.get_form(application, request.POST, request.FILES)
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
                field_error(form, error)
            else:
                messages.success(request, _("The final report is submitted."))
                return redirect("checks:application_detail", pk=application.pk)
        return render(request, self.template_name, {"application": application, "form": form}, status=400)


# --- Handlers ----------------------------------------------------------------------------------------------------


class QueueView(CheckPermissionMixin, LenientPaginationMixin, ListView):
    permission_required = "checks.view_queue"
    not_found_when_denied = False
    template_name = "checks/handler/queue.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        self.filters = QueueFilterForm(self.request.GET or None)
        values = self.filters.filters()
        call = values.get("call")
        return selectors.review_queue(
            self.request.user,
            call=call.pk if call else None,
            track=values.get("track"),
            state=values.get("state") or None,
            assigned=values.get("assigned") or None,
            sort=values.get("sort") or "submitted",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for application in context["applications"]:
            application.conflict = selectors.conflict_for(self.request.user, application)
        query = clean_query(self.request.GET)
        query.pop("page", None)
        context.update(filters=self.filters, query_string=query.urlencode())
        return context


class StaffApplicationMixin(CheckPermissionMixin):
    permission_required = "checks.view_internal_application"
    not_found_when_denied = True

    def get_object(self):
        if not hasattr(self, "_application"):
            self._application = selectors.get_application_for_staff(self.request.user, self.kwargs["pk"])
        return self._application

    def get_permission_object(self):
        return self.get_object()

    def back(self):
        return redirect("checks:review_detail", pk=self.get_object().pk)


class ReviewDetailView(StaffApplicationMixin, View):
    def get(self, request, pk):
        application = self.get_object()
        has = request.user.has_perm
        reviews = list(selectors.reviews_of(application))
        return render(
            request,
            "checks/handler/application.html",
            {
                "application": application,
                "history": selectors.history_of(application),
                "reviews": reviews,
                "average": selectors.average_score(application, reviews=reviews),
                "conflict": selectors.conflict_for(request.user, application),
                "files": attachments_for(application, services.APPLICANT_FILES),
                "report_files": attachments_for(application, services.FINAL_REPORT_FILES),
                "letter": application.letters.first(),
                "assign_form": AssignForm(initial={"handler": application.assigned_to_id}),
                "can_assign": has("checks.assign_application", application),
                "can_review": has("checks.review_application", application),
                "can_request_completion": has("checks.request_completion_application", application),
                "can_decide": has("checks.decide_application", application),
                "can_accept_report": has("checks.accept_report_application", application),
                "can_declare_conflict": has("checks.declare_conflict_application", application),
                "can_retry_letter": is_handler(request.user),
                "budget_left": application.call.total_budget - selectors.budget_granted(application.call),
            },
        )


class AssignView(StaffApplicationMixin, View):
    permission_required = "checks.assign_application"

    def post(self, request, pk):
        application = self.get_object()
        if request.POST.get("me"):
            handler = request.user
        else:
            form = AssignForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Choose a handler."))
                return self.back()
            handler = form.cleaned_data["handler"]
        try:
            services.assign_application(application=application, handler=handler, by=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The assignment is saved."))
        return self.back()


class HandlerFormView(StaffApplicationMixin, View):
    """A form page for one handler action; the permission (state, conflict) is checked before the form."""

    template_name = ""
    form_class = None
    denied_message = ""

    def get_form(self, data=None):
        return self.form_class(data)

    def context(self, form):
        return {"application": self.get_object(), "form": form}

    def guard(self):
        application = self.get_object()
        if not self.request.user.has_perm(self.permission_required, application):
            conflict = selectors.conflict_for(self.request.user, application)
            if conflict is not None:
                messages.error(self.request, _("You have declared a conflict of interest with this application."))
            else:
                messages.error(self.request, self.denied_message or _("This is not possible in the current state."))
            return self.back()
        return None

    def get_permission_required(self):
        return ("checks.view_internal_application",)

    def get(self, request, pk):
        return self.guard() or render(request, self.template_name, self.context(self.get_form()))

    def post(self, request, pk):
        denied = self.guard()
        if denied:
            return denied
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                message = self.act(form)
            except ServiceError as error:
                field_error(form, error)
            else:
                messages.success(request, message)
                return self.back()
        return render(request, self.template_name, self.context(form), status=400)


class ScoreView(HandlerFormView):
    permission_required = "checks.review_application"
    template_name = "checks/handler/review_form.html"

    def get_form(self, data=None):
        application = self.get_object()
        return ReviewForm(
            data, criteria=application.call.criteria.all(), review=selectors.review_by(application, self.request.user)
        )

    def act(self, form):
        services.save_review(
            application=self.get_object(),
            handler=self.request.user,
            scores=form.scores(),
            recommendation=form.cleaned_data["recommendation"],
        )
        return _("Your review is saved.")


class RequestCompletionView(HandlerFormView):
    permission_required = "checks.request_completion_application"
    template_name = "checks/handler/completion_form.html"
    form_class = MessageForm

    def act(self, form):
        services.request_completion(
            application=self.get_object(), by=self.request.user, message=form.cleaned_data["message"]
        )
        return _("The applicant has been asked to complete the application.")


class DecideView(HandlerFormView):
    permission_required = "checks.decide_application"
    template_name = "checks/handler/decision_form.html"
    form_class = DecisionForm

    def get_form(self, data=None):
        return DecisionForm(data, initial={"granted_amount": self.get_object().requested_amount})

    def context(self, form):
        application = self.get_object()
        return {
            **super().context(form),
            "budget_left": application.call.total_budget - selectors.budget_granted(application.call),
            "average": selectors.average_score(application),
        }

    def act(self, form):
        decision = services.decide_application(
            application=self.get_object(),
            by=self.request.user,
            outcome=form.cleaned_data["outcome"],
            granted_amount=form.cleaned_data.get("granted_amount"),
            reasoning=form.cleaned_data["reasoning"],
        )
        if decision.is_approved:
            return _("The application is approved. The decision letter is being prepared and will be mailed.")
        return _("The application is rejected. The decision letter is being prepared and will be mailed.")


class ConflictView(HandlerFormView):
    permission_required = "checks.declare_conflict_application"
    template_name = "checks/handler/conflict_form.html"
    form_class = ConflictForm

    def act(self, form):
        application = self.get_object()
        scope = form.cleaned_data["scope"]
        services.declare_conflict(
            handler=self.request.user,
            reason=form.cleaned_data["reason"],
            application=application if scope == ConflictForm.SCOPE_APPLICATION else None,
            organisation=application.organisation if scope == ConflictForm.SCOPE_ORGANISATION else None,
        )
        return _("Your conflict of interest is recorded. You can no longer score or decide this application.")


class HandleFinalReportView(HandlerFormView):
    permission_required = "checks.accept_report_application"
    template_name = "checks/handler/final_report.html"

    def get_form(self, data=None):
        form = MessageForm(data)
        form.fields["message"].required = False
        return form

    def context(self, form):
        application = self.get_object()
        return {
            **super().context(form),
            "report": getattr(application, "final_report", None),
            "report_files": attachments_for(application, services.FINAL_REPORT_FILES),
        }

    def act(self, form):
        application = self.get_object()
        if self.request.POST.get("action") == "accept":
            services.accept_final_report(application=application, by=self.request.user)
            return _("The final report is accepted and the application is closed.")
        if not form.cleaned_data["message"].strip():
            raise ServiceError(_("Write what the applicant should complete."), field="message")
        services.request_report_completion(
            application=application, by=self.request.user, message=form.cleaned_data["message"]
        )
        return _("The final report is sent back to the applicant for completion.")


# --- Overview ----------------------------------------------------------------------------------------------------


class OverviewMixin(CheckPermissionMixin):
    permission_required = "checks.view_overview_grantcall"
    not_found_when_denied = False

    def get_permission_object(self):
        if not hasattr(self, "_call"):
            self._call = selectors.get_call_for(self.request.user, self.kwargs["pk"])
        return self._call


class CallOverviewView(OverviewMixin, TemplateView):
    template_name = "checks/overview.html"

    def get_context_data(self, **kwargs):
        call = self.get_permission_object()
        return super().get_context_data(overview=selectors.call_overview(call), call=call, **kwargs)


class CallExportView(OverviewMixin, View):
    def get(self, request, pk):
        call = self.get_permission_object()
        criteria, rows = selectors.export_table(call)
        header = [
            _("Reference number"),
            _("Organisation"),
            _("Title"),
            _("Track"),
            _("State"),
            pgettext("check application", "Submitted"),
            _("Requested (SEK)"),
            _("Assigned handler"),
            _("Reviews"),
            _("Average weighted score"),
            *[_("Average: %(name)s") % {"name": c.name} for c in criteria],
            _("Recommendations (approve/reject/unsure)"),
            _("Decision"),
            _("Granted (SEK)"),
            _("Reasoning"),
        ]
        stamp = timezone.localdate().isoformat()
        return csv_response(filename=f"checks-{call.reference_number}-{stamp}.csv", header=header, rows=rows)
