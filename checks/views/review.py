"""Pages of the agency's staff: handlers score, ask for completions, decide and handle final reports; portal
admins read along (and see the overview of a call).

An application is fetched through `selectors.get_application_for_staff` (404 for anyone who is not staff, and
for drafts). When the rule of a handler's action says no (the state moved on, a declared conflict of interest),
the handler is told why on the application's page.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.generic import ListView, TemplateView

from portal.csv_export import csv_response
from portal.files import attachments_for
from portal.query import LenientPaginationMixin, clean_query
from portal.services import ServiceError
from portal.views.access import PermissionView, form_error, message_error

from .. import selectors, services
from ..decision_letters.selectors import decision_context, preview_decision
from ..forms import (
    AssignForm,
    ConflictForm,
    CorrectionForm,
    DecisionForm,
    MessageForm,
    QueueFilterForm,
    ReviewForm,
)
from ..rules import presents_proposal


class QueueView(PermissionView, LenientPaginationMixin, ListView):
    permission_required = "checks.view_queue"
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


class StaffApplicationView(PermissionView):
    """A submitted application, for handlers and admins; 404 for anyone else and for drafts."""

    permission_required = "checks.view_internal_application"

    def get_object(self):
        return selectors.get_application_for_staff(self.request.user, self.kwargs["pk"])

    def back(self):
        return redirect("checks:review_detail", pk=self.object.pk)


class ReviewDetailView(StaffApplicationView):
    def get(self, request, pk):
        application = self.object
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
                # Letters and earlier decisions exist only once a decision does (no queries before).
                "letter": application.letters.first() if getattr(application, "decision", None) else None,
                "assign_form": AssignForm(initial={"handler": application.assigned_to_id}),
                "can_assign": has("checks.assign_application", application),
                "can_review": has("checks.review_application", application),
                "can_request_completion": has("checks.request_completion_application", application),
                "can_propose": has("checks.propose_application", application),
                "can_correct": has("checks.propose_correction_application", application),
                "can_decide": has("checks.decide_application", application),
                "proposal": application.pending_proposal,
                "i_presented": presents_proposal(request.user, application),
                "decisions": selectors.decisions_of(application) if getattr(application, "decision", None) else [],
                "can_accept_report": has("checks.accept_report_application", application),
                "can_declare_conflict": has("checks.declare_conflict_application", application),
                "can_retry_letter": has("checks.retry_letter_application", application),
                "budget_left": application.call.total_budget - selectors.budget_granted(application.call),
            },
        )


class AssignView(StaffApplicationView):
    permission_required = "checks.assign_application"

    def post(self, request, pk):
        application = self.object
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
            message_error(request, error)
        else:
            messages.success(request, _("The assignment is saved."))
        return self.back()


class HandlerFormView(StaffApplicationView):
    """A form page for one handler action; when its rule says no (state, conflict), the handler is told why."""

    template_name = ""
    form_class = None
    denied_message = ""

    def permission_denied(self):
        if selectors.conflict_for(self.request.user, self.object) is not None:
            messages.error(self.request, _("You have declared a conflict of interest with this application."))
        else:
            messages.error(self.request, self.denied_message or _("This is not possible in the current state."))
        return self.back()

    def get_form(self, data=None):
        return self.form_class(data)

    def context(self, form):
        return {"application": self.object, "form": form}

    def get(self, request, pk):
        return render(request, self.template_name, self.context(self.get_form()))

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                message = self.act(form)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, message)
                return self.back()
        return render(request, self.template_name, self.context(form), status=400)


class ScoreView(HandlerFormView):
    permission_required = "checks.review_application"
    template_name = "checks/handler/review_form.html"

    def get_form(self, data=None):
        application = self.object
        return ReviewForm(
            data, criteria=application.call.criteria.all(), review=selectors.review_by(application, self.request.user)
        )

    def act(self, form):
        services.save_review(
            application=self.object,
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
        services.request_completion(application=self.object, by=self.request.user, message=form.cleaned_data["message"])
        return _("The applicant has been asked to complete the application.")


class ProposeView(HandlerFormView):
    """The handler (föredragande) proposes the decision; another handler with the right to decide decides it."""

    permission_required = "checks.propose_application"
    template_name = "checks/handler/decision_form.html"
    form_class = DecisionForm

    def get_form(self, data=None):
        return DecisionForm(data, initial={"granted_amount": self.object.requested_amount})

    def context(self, form):
        application = self.object
        return {
            **super().context(form),
            "budget_left": application.call.total_budget - selectors.budget_granted(application.call),
            "average": selectors.average_score(application),
        }

    def act(self, form):
        services.propose_decision(
            application=self.object,
            by=self.request.user,
            outcome=form.cleaned_data["outcome"],
            granted_amount=form.cleaned_data.get("granted_amount"),
            reasoning=form.cleaned_data["reasoning"],
        )
        return _("Your proposal is saved. Another handler with the right to decide must now decide it.")


class CorrectView(HandlerFormView):
    """Propose a correction (rättelse, förvaltningslagen 36 §) of the decision that stands."""

    permission_required = "checks.propose_correction_application"
    template_name = "checks/handler/correction_form.html"
    denied_message = _("Only a decision that stands, before the final report, can be corrected.")

    def get_form(self, data=None):
        decision = self.object.decision
        return CorrectionForm(
            data, initial={"granted_amount": decision.granted_amount or None, "reasoning": decision.reasoning}
        )

    def context(self, form):
        return {**super().context(form), "decision": self.object.decision}

    def act(self, form):
        services.propose_correction(
            application=self.object,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            granted_amount=form.cleaned_data.get("granted_amount"),
            reasoning=form.cleaned_data["reasoning"],
        )
        return _("The correction is proposed. Another handler with the right to decide must now decide it.")


class DecideView(StaffApplicationView):
    """Confirm a proposal as beslutsfattare: the page shows what will be sent to whom and the letter's preview."""

    permission_required = "checks.decide_application"

    def permission_denied(self):
        user, application = self.request.user, self.object
        proposal = application.pending_proposal
        if selectors.conflict_for(user, application) is not None:
            message = _("You have declared a conflict of interest with this application.")
        elif proposal is None:
            message = _("There is no proposal to decide. A handler must first propose a decision.")
        elif proposal.proposed_by_id == user.pk:
            message = _("You presented this proposal, so another handler must decide it (four eyes).")
        elif not (application.is_in_review or application.is_correctable):
            message = _("This is not possible in the current state.")
        else:
            message = _("You do not have the right to decide. A portal admin can give it to you.")
        messages.error(self.request, message)
        return self.back()

    def get(self, request, pk):
        application = self.object
        proposal = application.pending_proposal
        decision = preview_decision(proposal, by=request.user)
        return render(
            request,
            "checks/handler/decide_confirm.html",
            {
                "application": application,
                "proposal": proposal,
                "recipients": selectors.people_to_mail(application),
                "letter": decision_context(application, decision),
            },
        )

    def post(self, request, pk):
        try:
            proposal_id = int(request.POST.get("proposal", ""))
        except ValueError:
            proposal_id = 0
        try:
            decision = services.decide_proposal(application=self.object, by=request.user, proposal_id=proposal_id)
        except ServiceError as error:
            message_error(request, error)
            return self.back()
        if decision.corrects_id:
            messages.success(request, _("The decision is corrected. The new decision letter is being prepared."))
        elif decision.is_approved:
            messages.success(
                request, _("The application is approved. The decision letter is being prepared and will be mailed.")
            )
        else:
            messages.success(
                request, _("The application is rejected. The decision letter is being prepared and will be mailed.")
            )
        return self.back()


class ConflictView(HandlerFormView):
    permission_required = "checks.declare_conflict_application"
    template_name = "checks/handler/conflict_form.html"
    form_class = ConflictForm

    def act(self, form):
        application = self.object
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
        application = self.object
        return {
            **super().context(form),
            "report": getattr(application, "final_report", None),
            "report_files": attachments_for(application, services.FINAL_REPORT_FILES),
        }

    def act(self, form):
        if self.request.POST.get("action") == "accept":
            services.accept_final_report(application=self.object, by=self.request.user)
            return _("The final report is accepted and the application is closed.")
        services.request_report_completion(
            application=self.object, by=self.request.user, message=form.cleaned_data["message"]
        )
        return _("The final report is sent back to the applicant for completion.")


# --- A call's overview, for handlers and admins -------------------------------------------------------------------


class OverviewView(PermissionView):
    permission_required = "checks.view_overview_grantcall"
    denied_status = 403

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])


class CallOverviewView(OverviewView, TemplateView):
    template_name = "checks/overview.html"

    def get_context_data(self, **kwargs):
        call = self.object
        return super().get_context_data(overview=selectors.call_overview(call), call=call, **kwargs)


class CallExportView(OverviewView):
    def get(self, request, pk):
        call = self.object
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
