"""Pages for buyers (members of a verified public body): their needs, assessments, calls, the responses to them
and the answers to questions. Objects come from selectors scoped to the organisation the user acts for (404
otherwise); a rule that forbids the action on the user's own object gives 403, a state that forbids it a message."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.csv_export import csv_response
from portal.files import attachments_for
from portal.submission import guard_submission
from portal.views.access import form_error, message_error

from .. import selectors, services
from ..forms import SOURCE_FIELDS, AnswerForm, AssessmentForm, CallForm, CancelCallForm, NeedForm, RejectQuestionForm
from ..models import Call, Conclusion, Need, Procedure, Response
from ..procedures import RULES, TrlBand
from ..structured.selectors import answered_questions, question_header, questions_of
from .base import BuyerView, ProjectsView, paginate

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
        form = CallForm(request.POST, request.FILES, uploader=request.user)
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
        form = CallForm(
            request.POST, request.FILES, instance=Call.objects.get(pk=self.object.pk), uploader=request.user
        )
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
        call = self.object
        # While sealed, only the number received and when the seal lifts (projects.response_history); after that
        # every response that reached the buyer, withdrawn ones marked (projects.records).
        sealed = call.responses_are_sealed
        responses = [] if sealed else list(selectors.received_readable_responses(call))
        context = {
            "call": call,
            "sealed": sealed,
            "responses": responses,
            "submitted_count": sum(1 for response in responses if response.is_submitted),
        }
        if sealed:
            context["received_count"] = selectors.submitted_responses(call).count()
        return render(request, "projects/call_responses.html", context)


class CallResponsesCsvView(OwnCallView):
    permission_required = "projects.read_responses_call"
    denied_status = 404  # sealed: as if there were nothing to download

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
        responses = list(selectors.readable_responses(self.object))
        answered = answered_questions(questions_of(self.object), responses)
        header += [question_header(item.question) for item in answered]
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
                *(question.entries[index][1] for question in answered),
            )
            for index, item in enumerate(responses)
        )
        return csv_response(filename=f"svar-utlysning-{self.object.pk}.csv", header=header, rows=rows)


# --- questions: moderation -----------------------------------------------------------------------------------------

NOT_ANSWERABLE = gettext_lazy("A rejected question is not published and cannot be answered.")
NOT_REJECTABLE = gettext_lazy("Only a question awaiting moderation can be rejected.")


def _moderation_url(call) -> str:
    return reverse("projects:question_moderation", args=[call.pk])


class QuestionModerationView(OwnCallView):
    """Every question on the buyer's own call: pending ones to word, answer, publish (several at once) or reject;
    published and rejected ones with their history. Never shows who asked."""

    permission_required = "projects.answer_question"

    def get(self, request, pk):
        return render(
            request,
            "projects/question_moderation.html",
            {"call": self.object, "questions": selectors.questions_to_moderate(self.object)},
        )


class OwnQuestionView(OwnCallView):
    """One question on the buyer's own call (404 for a question of another call). A state that forbids the action
    (a rejected question, a cancelled call) is told as a message; a form sent anyway keeps what was typed."""

    permission_required = "projects.answer_question"
    template_name = ""

    def question(self):
        return selectors.get_question_of_own_call(self.request.user, self.object, self.kwargs["question_pk"])

    def refuse(self, message):
        messages.error(self.request, message)
        return redirect(_moderation_url(self.object))

    def render_form(self, question, form):
        return render(self.request, self.template_name, {"call": self.object, "question": question, "form": form})


class QuestionAnswerView(OwnQuestionView):
    """Edit the public wording and the answer of a question; save, or save and publish it. A published answer is
    corrected here (the earlier answer is kept and the call page marks it corrected)."""

    template_name = "projects/question_answer.html"

    def get(self, request, pk, question_pk):
        question = self.question()
        if not request.user.has_perm("projects.change_question", question):
            return self.refuse(services.CALL_CANCELLED if self.object.is_cancelled else NOT_ANSWERABLE)
        return self.render_form(question, AnswerForm(question=question))

    def post(self, request, pk, question_pk):
        question = self.question()
        was_published = question.is_published
        form = AnswerForm(request.POST, question=question)
        publish = "publish" in request.POST
        if form.is_valid():
            try:
                services.answer_question(
                    question=question,
                    by=request.user,
                    answer=form.cleaned_data["answer"],
                    public_text=None if form.fields["public_text"].disabled else form.cleaned_data["public_text"],
                    publish=publish and not was_published,
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                if was_published:
                    messages.success(request, _("The corrected answer is published and marked as corrected."))
                elif publish:
                    messages.success(request, _("The question and its answer are published on the call page."))
                else:
                    messages.success(request, _("The answer is saved. Companies see it once you publish it."))
                return redirect(_moderation_url(self.object))
        return self.render_form(question, form)


class QuestionRejectView(OwnQuestionView):
    """Reject a pending question with a reason, which is mailed to the company that asked."""

    template_name = "projects/question_reject.html"

    def get(self, request, pk, question_pk):
        question = self.question()
        if not request.user.has_perm("projects.reject_question", question):
            return self.refuse(services.CALL_CANCELLED if self.object.is_cancelled else NOT_REJECTABLE)
        return self.render_form(question, RejectQuestionForm())

    def post(self, request, pk, question_pk):
        question = self.question()
        form = RejectQuestionForm(request.POST)
        if form.is_valid():
            try:
                services.reject_question(question=question, by=request.user, reason=form.cleaned_data["reason"])
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The question is rejected. The company that asked is told why."))
                return redirect(_moderation_url(self.object))
        return self.render_form(question, form)


class QuestionPublishView(OwnCallView):
    """Publish the ticked questions together (a form with checkboxes; works without JavaScript)."""

    http_method_names = ["post"]
    permission_required = "projects.answer_question"

    @guard_submission
    def post(self, request, pk):
        questions = selectors.get_questions_of_own_call(request.user, self.object, request.POST.getlist("questions"))
        try:
            published = services.publish_answers(call=self.object, questions=questions, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            count = len(published)
            messages.success(
                request,
                ngettext(
                    "%(count)d question and its answer are published. The companies taking part are mailed.",
                    "%(count)d questions and their answers are published. The companies taking part are mailed.",
                    count,
                )
                % {"count": count},
            )
        return redirect(_moderation_url(self.object))


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
