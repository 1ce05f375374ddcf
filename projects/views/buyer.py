"""Pages for buyers (members of a verified public body): their needs, assessments, calls, the responses to them
and the answers to questions. Objects come from selectors scoped to the organisation the user acts for (404
otherwise); a rule that forbids the action on the user's own object gives 403, a state that forbids it a message."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.csv_export import csv_response
from portal.files import attachments_for
from portal.submission import guard_submission
from portal.views.access import form_error, message_error

from .. import selectors, services
from ..forms import SOURCE_FIELDS, AnswerForm, AssessmentForm, CallForm, CancelCallForm, NeedForm
from ..models import Call, Conclusion, Need, Procedure, Response
from ..procedures import RULES, TrlBand
from .base import BuyerView, ProjectsView, paginate
from .public import render_call_detail

# --- needs -------------------------------------------------------------------------------------------------------


class MyNeedsView(BuyerView):
    def get(self, request):
        needs = selectors.needs_of_organisation(self.organisation)
        return render(request, "projects/need_mine.html", {"page_obj": paginate(request, needs)})


def _need_arguments(form) -> dict:
    """The form's cleaned data as the keywords of `create_need` / `update_need`."""
    data = dict(form.cleaned_data)
    data["cpv_codes"] = data.pop("cpv")
    return data


class NeedCreateView(BuyerView):
    def get(self, request):
        return render(request, "projects/need_form.html", {"form": NeedForm()})

    @guard_submission
    def post(self, request):
        form = NeedForm(request.POST)
        if form.is_valid():
            try:
                need = services.create_need(organisation=self.organisation, by=request.user, **_need_arguments(form))
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The need is saved as a draft. Publish it when it is ready."))
                return redirect("projects:need_detail", pk=need.pk)
        return render(request, "projects/need_form.html", {"form": form})


class OwnNeedView(ProjectsView):
    """A need of the organisation the user acts for."""

    permission_required = "projects.change_need"
    denied_status = 403

    def get_object(self):
        return selectors.get_own_need(self.request.user, self.kwargs["pk"])


class NeedEditView(OwnNeedView):
    def get(self, request, pk):
        return render(request, "projects/need_form.html", {"form": NeedForm(instance=self.object), "need": self.object})

    def post(self, request, pk):
        form = NeedForm(request.POST, instance=Need.objects.get(pk=self.object.pk))
        if form.is_valid():
            try:
                services.update_need(need=self.object, by=request.user, **_need_arguments(form))
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("projects:need_detail", pk=self.object.pk)
        return render(request, "projects/need_form.html", {"form": form, "need": self.object})


class NeedVisibilityView(OwnNeedView):
    http_method_names = ["post"]
    visibility = Need.Visibility.PUBLISHED

    def post(self, request, pk):
        try:
            services.set_need_visibility(need=self.object, by=request.user, visibility=self.visibility)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            if self.visibility == Need.Visibility.PUBLISHED:
                messages.success(request, _("The need is published in the catalogue."))
            else:
                messages.success(request, _("The need is a draft again and no longer public."))
        return redirect("projects:need_detail", pk=self.object.pk)


class NeedDeleteView(OwnNeedView):
    """Confirm, then delete a draft need that has no calls."""

    def get(self, request, pk):
        return render(request, "projects/need_delete.html", {"need": self.object})

    def post(self, request, pk):
        try:
            services.delete_need(need=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
            return redirect("projects:need_detail", pk=self.object.pk)
        messages.success(request, _("The need %(title)s is deleted.") % {"title": self.object.title})
        return redirect("projects:need_mine")


class NeedAssessView(OwnNeedView):
    permission_required = "projects.assess_need"
    template_name = "projects/assessment_form.html"

    def render_form(self, form, suggestion=None):
        current = self.object.assessments.order_by("-version").first()
        return render(
            self.request,
            self.template_name,
            {
                "need": self.object,
                "form": form,
                "suggestion": suggestion,
                "current_assessment": current,
                "rules": _rules_table(),
            },
        )

    def get(self, request, pk):
        current = self.object.assessments.order_by("-version").first()
        initial = {}
        if current:
            initial = {
                name: getattr(current, name)
                for name in AssessmentForm.Meta.fields
                if name not in ("chosen_procedure", "sources")
            }
            initial["sources"] = [key for key, field in SOURCE_FIELDS.items() if getattr(current, field)]
            if current.chosen_procedure != current.suggested_procedure:
                initial["chosen_procedure"] = current.chosen_procedure
        return self.render_form(AssessmentForm(initial=initial))

    def post(self, request, pk):
        form = AssessmentForm(request.POST)
        valid = form.is_valid()
        suggestion = getattr(form, "suggestion", None)
        if "preview" in request.POST or not valid:
            if "preview" in request.POST:
                # Only show the suggestion; errors of fields not yet filled would be noise here.
                form = AssessmentForm(request.POST)
                form.is_valid()
                suggestion = getattr(form, "suggestion", None)
                if suggestion is None:
                    messages.warning(request, _("Choose a conclusion and a TRL estimate to see the suggestion."))
                form = _without_errors(form)
            return self.render_form(form, suggestion)
        data = dict(form.cleaned_data)
        data.pop("sources")  # the form turned the choices into the source_* flags
        try:
            assessment = services.record_assessment(need=self.object, by=request.user, **data)
        except services.ServiceError as error:
            form_error(form, error)
            return self.render_form(form, suggestion)
        messages.success(
            request,
            _("Assessment version %(version)s is saved. Chosen procedure: %(procedure)s.")
            % {"version": assessment.version, "procedure": assessment.get_chosen_procedure_display()},
        )
        return redirect("projects:need_detail", pk=self.object.pk)


def _without_errors(form):
    form._errors = type(form._errors)() if form._errors is not None else None
    return form


def _rules_table():
    """Rows of (conclusion label, [(band label, procedure label)]) for the help table on the assessment page."""
    rows = []
    for conclusion in Conclusion:
        cells = []
        for band in (TrlBand.LOW, TrlBand.MIDDLE, TrlBand.HIGH):
            procedure, _reason = RULES[(conclusion, band)]
            cells.append((TrlBand.LABELS[band], Procedure(procedure).label))
        rows.append((conclusion.label, cells))
    return {"bands": [TrlBand.LABELS[b] for b in (TrlBand.LOW, TrlBand.MIDDLE, TrlBand.HIGH)], "rows": rows}


# --- calls -------------------------------------------------------------------------------------------------------


class CallCreateView(OwnNeedView):
    def render_form(self, form):
        return render(self.request, "projects/call_form.html", {"form": form, "need": self.object})

    def get(self, request, pk):
        if not self.object.is_published:
            messages.error(request, _("Publish the need before you create a call from it."))
            return redirect("projects:need_detail", pk=self.object.pk)
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = CallForm(
            initial={
                "opens_at": now + timezone.timedelta(days=1),
                "closes_at": now + timezone.timedelta(days=31),
                "title": self.object.title,
            }
        )
        return self.render_form(form)

    @guard_submission
    def post(self, request, pk):
        form = CallForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                call = services.create_call(need=self.object, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The call is saved as a draft. Check it, then publish it."))
                return redirect("projects:call_detail", pk=call.pk)
        return self.render_form(form)


class OwnCallView(ProjectsView):
    """A call of the organisation the user acts for."""

    permission_required = "projects.manage_call"
    denied_status = 403

    def get_object(self):
        return selectors.get_own_call(self.request.user, self.kwargs["pk"])


class CallEditView(OwnCallView):
    permission_required = "projects.change_call"

    def permission_denied(self):
        if self.request.user.has_perm("projects.manage_call", self.object):
            # The buyer's own call that has opened: say why it cannot be changed.
            messages.error(self.request, services.NOT_EDITABLE)
            return redirect("projects:call_detail", pk=self.object.pk)
        return super().permission_denied()

    def render_form(self, form):
        return render(
            self.request,
            "projects/call_form.html",
            {"form": form, "need": self.object.need, "call": self.object, "attachments": attachments_for(self.object)},
        )

    def get(self, request, pk):
        return self.render_form(CallForm(instance=self.object))

    def post(self, request, pk):
        form = CallForm(request.POST, request.FILES, instance=Call.objects.get(pk=self.object.pk))
        if form.is_valid():
            try:
                services.update_call(call=self.object, by=request.user, **form.cleaned_data)
            except services.InvalidTransition as error:
                message_error(request, error)
                return redirect("projects:call_detail", pk=self.object.pk)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("projects:call_detail", pk=self.object.pk)
        return self.render_form(form)


class CallPublishView(OwnCallView):
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            call = services.publish_call(call=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
            return redirect("projects:call_detail", pk=self.object.pk)
        if call.is_open:
            messages.success(request, _("The call is published and open."))
        else:
            messages.success(
                request,
                _("The call is published and opens %(time)s.")
                % {"time": timezone.localtime(call.opens_at).strftime("%Y-%m-%d %H:%M")},
            )
        return redirect("projects:call_detail", pk=call.pk)


class CallCancelView(OwnCallView):
    def get(self, request, pk):
        return render(request, "projects/call_cancel.html", {"call": self.object, "form": CancelCallForm()})

    def post(self, request, pk):
        form = CancelCallForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_call(call=self.object, by=request.user, reason=form.cleaned_data["reason"])
            except services.InvalidTransition as error:
                message_error(request, error)
                return redirect("projects:call_detail", pk=self.object.pk)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The call is cancelled."))
                return redirect("projects:call_detail", pk=self.object.pk)
        return render(request, "projects/call_cancel.html", {"call": self.object, "form": form})


class CallResponsesView(OwnCallView):
    permission_required = "projects.view_responses_call"

    def get(self, request, pk):
        responses = list(selectors.received_responses(self.object))
        submitted_count = sum(1 for response in responses if response.is_submitted)
        context = {"call": self.object, "responses": responses, "submitted_count": submitted_count}
        return render(request, "projects/call_responses.html", context)


class CallResponsesCsvView(OwnCallView):
    permission_required = "projects.view_responses_call"

    def get(self, request, pk):
        header = [
            _("Company"),
            _("Organisation number"),
            _("TRL"),
            _("Solution summary"),
            _("Description"),
            _("References"),
            _("Price indication (SEK)"),
            _("Submitted"),
            _("Verified by the portal"),
        ]
        rows = (
            (
                item.organisation.name,
                item.organisation.org_number,
                item.trl,
                item.summary,
                item.description,
                item.references,
                item.price_indication,
                timezone.localtime(item.submitted_at).strftime("%Y-%m-%d %H:%M") if item.submitted_at else "",
                _("yes") if item.organisation.is_verified else _("no"),
            )
            for item in selectors.submitted_responses(self.object)
        )
        return csv_response(filename=f"svar-utlysning-{self.object.pk}.csv", header=header, rows=rows)


class QuestionAnswerView(OwnCallView):
    http_method_names = ["post"]
    permission_required = "projects.answer_question"

    def post(self, request, pk, question_pk):
        call = self.object
        question = selectors.get_question_of_own_call(request.user, call, question_pk)
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_question(question=question, by=request.user, answer=form.cleaned_data["answer"])
            except services.InvalidTransition as error:
                message_error(request, error)
                return redirect("projects:call_detail", pk=call.pk)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The answer is published on the call page."))
                return redirect("projects:call_detail", pk=call.pk)
        # Show the error next to this question's answer field and keep what was typed.
        call = selectors.get_call_for(request.user, call.pk)
        return render_call_detail(request, call, answer_form=form, answer_question_pk=question.pk)


# --- attachments ---------------------------------------------------------------------------------------------------


class AttachmentRemoveView(ProjectsView):
    """Remove a file from one's own call before it opens or one's own response while the call is open (the company
    removes its own files here too); anything else is 404."""

    http_method_names = ["post"]
    permission_required = "projects.manage_attachments"
    denied_status = 403

    def get_object(self):
        from portal.models import Attachment

        attachment = Attachment.objects.filter(uuid=self.kwargs["uuid"]).select_related("content_type").first()
        owner = attachment.owner if attachment else None
        if isinstance(owner, Call):
            self.owner = selectors.get_own_call(self.request.user, owner.pk)
        elif isinstance(owner, Response):
            self.owner = selectors.get_own_response(self.request.user, owner.pk)
        else:
            raise Http404
        return attachment

    def get_permission_object(self):
        return self.owner

    def post(self, request, uuid):
        owner = self.owner
        name = "projects:call_detail" if isinstance(owner, Call) else "projects:response_detail"
        try:
            services.remove_attachment(attachment=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The file %(name)s is removed.") % {"name": self.object.filename})
        return redirect(reverse(name, args=[owner.pk]))
