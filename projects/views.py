"""Thin views: parse a form, check a permission, call one service, then redirect or render.

Objects come from scoped selectors (404 for "missing" and "not yours"); a role that may
not do something gets 403; a state that forbids it (a closed call) gets a message.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from portal.csv_export import csv_response
from portal.files import attachments_for
from portal.query import clean_param, clean_query
from portal.rules import active_organisation
from portal.selectors import audit_entries_for
from portal.submission import guard_submission

from . import selectors, services
from .forms import (
    SOURCE_FIELDS,
    AnswerForm,
    AssessmentForm,
    CallFilterForm,
    CallForm,
    CancelCallForm,
    InterestProfileForm,
    NeedFilterForm,
    NeedForm,
    QuestionForm,
    ResponseForm,
)
from .models import Call, CpvCode, InterestProfile, Need, Response
from .procedures import RULES, TrlBand
from .rules import acts_for_company, call_accepts_active_organisation

PAGE_SIZE = 20


def _query_string(request) -> str:
    params = clean_query(request.GET)
    params.pop("page", None)
    return params.urlencode()


def _paginate(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(clean_param(request.GET.get("page"), max_length=20))


class MemberView(LoginRequiredMixin, View):
    """Signed-in users; `require(perm, obj)` raises 403 when the role may not do it."""

    def require(self, perm, obj=None):
        if not self.request.user.has_perm(perm, obj):
            raise PermissionDenied

    @property
    def organisation(self):
        return active_organisation(self.request.user)

    def service_error(self, form, error):
        field = error.field if form is not None and error.field in getattr(form, "fields", {}) else None
        if form is not None:
            form.add_error(field, error.message)
        else:
            messages.error(self.request, error.message)


# --- needs -------------------------------------------------------------------------------------------------------


class NeedListView(View):
    def get(self, request):
        form = NeedFilterForm(request.GET or None, organisations=selectors.publishers())
        filters = form.filters() if request.GET else {}
        needs = selectors.filter_needs(selectors.published_needs(), filters)
        return render(
            request,
            "projects/need_list.html",
            {"form": form, "page_obj": _paginate(request, needs), "query_string": _query_string(request)},
        )


class BuyerView(MemberView):
    """Pages for buyers of a verified public body; an unverified one is told why it must wait."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        organisation = self.organisation
        if organisation is not None and organisation.is_public_body and not organisation.is_verified:
            return render(request, "projects/not_verified.html", {"organisation": organisation}, status=403)
        self.require("projects.create_need")
        return super().dispatch(request, *args, **kwargs)


class MyNeedsView(BuyerView):
    def get(self, request):
        needs = selectors.needs_of_organisation(self.organisation)
        return render(request, "projects/need_mine.html", {"page_obj": _paginate(request, needs)})


class NeedCreateView(BuyerView):
    def get(self, request):
        return render(request, "projects/need_form.html", {"form": NeedForm()})

    @guard_submission
    def post(self, request):
        form = NeedForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                need = services.create_need(
                    organisation=self.organisation, by=request.user, data=data, cpv_codes=data.pop("cpv")
                )
            except services.ServiceError as error:
                self.service_error(form, error)
            else:
                messages.success(request, _("The need is saved as a draft. Publish it when it is ready."))
                return redirect("projects:need_detail", pk=need.pk)
        return render(request, "projects/need_form.html", {"form": form})


class NeedDetailView(View):
    def get(self, request, pk):
        need = selectors.get_need_for(request.user, pk)
        user = request.user
        member = user.is_authenticated and need.organisation_id in _org_ids(user)
        calls = need.calls.select_related("need").order_by("-opens_at")
        if not member:
            calls = calls.filter(published_at__isnull=False)
        calls = list(calls)
        assessments = sorted(need.assessments.all(), key=lambda a: a.version, reverse=True)
        return render(
            request,
            "projects/need_detail.html",
            {
                "need": need,
                "is_member": member,
                "assessment": assessments[0] if assessments else None,
                "earlier_assessments": assessments[1:],
                "calls": calls,
                "can_edit": user.has_perm("projects.change_need", need),
                "can_create_call": user.has_perm("projects.create_call_need", need),
                "can_unpublish": not any(call.published_at for call in calls),
                "can_delete": not need.is_published and not calls,
                "history": _history(need) if member else [],
            },
        )


def _history(need) -> list[dict]:
    return [
        {
            "at": entry.created_at,
            "actor": entry.actor,
            "label": entry.action_label(),
            "description": entry.rendered_description(),
        }
        for entry in audit_entries_for(need)[:20]
    ]


def _org_ids(user):
    from portal.rules import org_roles

    return set(org_roles(user))


class NeedEditView(MemberView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.need = selectors.get_own_need(request.user, kwargs["pk"])
        self.require("projects.change_need", self.need)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(request, "projects/need_form.html", {"form": NeedForm(instance=self.need), "need": self.need})

    def post(self, request, pk):
        form = NeedForm(request.POST, instance=Need.objects.get(pk=self.need.pk))
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.update_need(need=self.need, by=request.user, data=data, cpv_codes=data.pop("cpv"))
            except services.ServiceError as error:
                self.service_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("projects:need_detail", pk=self.need.pk)
        return render(request, "projects/need_form.html", {"form": form, "need": self.need})


class NeedVisibilityView(MemberView):
    visibility = Need.Visibility.PUBLISHED

    def post(self, request, pk):
        need = selectors.get_own_need(request.user, pk)
        self.require("projects.change_need", need)
        try:
            services.set_need_visibility(need=need, by=request.user, visibility=self.visibility)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            if self.visibility == Need.Visibility.PUBLISHED:
                messages.success(request, _("The need is published in the catalogue."))
            else:
                messages.success(request, _("The need is a draft again and no longer public."))
        return redirect("projects:need_detail", pk=need.pk)


class NeedDeleteView(MemberView):
    """Confirm, then delete a draft need that has no calls."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.need = selectors.get_own_need(request.user, kwargs["pk"])
        self.require("projects.change_need", self.need)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(request, "projects/need_delete.html", {"need": self.need})

    def post(self, request, pk):
        try:
            services.delete_need(need=self.need, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
            return redirect("projects:need_detail", pk=self.need.pk)
        messages.success(request, _("The need %(title)s is deleted.") % {"title": self.need.title})
        return redirect("projects:need_mine")


class NeedAssessView(MemberView):
    template_name = "projects/assessment_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.need = selectors.get_own_need(request.user, kwargs["pk"])
        self.require("projects.assess_need", self.need)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, suggestion=None):
        current = self.need.assessments.order_by("-version").first()
        return render(
            self.request,
            self.template_name,
            {
                "need": self.need,
                "form": form,
                "suggestion": suggestion,
                "current_assessment": current,
                "rules": _rules_table(),
            },
        )

    def get(self, request, pk):
        current = self.need.assessments.order_by("-version").first()
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
        try:
            assessment = services.record_assessment(need=self.need, by=request.user, data=form.cleaned_data)
        except services.ServiceError as error:
            self.service_error(form, error)
            return self.render_form(form, suggestion)
        messages.success(
            request,
            _("Assessment version %(version)s is saved. Chosen procedure: %(procedure)s.")
            % {"version": assessment.version, "procedure": assessment.get_chosen_procedure_display()},
        )
        return redirect("projects:need_detail", pk=self.need.pk)


def _without_errors(form):
    form._errors = type(form._errors)() if form._errors is not None else None
    return form


def _rules_table():
    """Rows of (conclusion label, [(band label, procedure label)]) for the help table on the assessment page."""
    from .models import Conclusion, Procedure

    rows = []
    for conclusion in Conclusion:
        cells = []
        for band in (TrlBand.LOW, TrlBand.MIDDLE, TrlBand.HIGH):
            procedure, _reason = RULES[(conclusion, band)]
            cells.append((TrlBand.LABELS[band], Procedure(procedure).label))
        rows.append((conclusion.label, cells))
    return {"bands": [TrlBand.LABELS[b] for b in (TrlBand.LOW, TrlBand.MIDDLE, TrlBand.HIGH)], "rows": rows}


# --- calls -------------------------------------------------------------------------------------------------------


class CallListView(View):
    def get(self, request):
        form = CallFilterForm(request.GET or None, organisations=selectors.publishers())
        filters = form.filters() if request.GET else {}
        calls = selectors.filter_calls(selectors.public_calls(), filters)
        return render(
            request,
            "projects/call_list.html",
            {"form": form, "page_obj": _paginate(request, calls), "query_string": _query_string(request)},
        )


class CallCreateView(MemberView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.need = selectors.get_own_need(request.user, kwargs["pk"])
        self.require("projects.change_need", self.need)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        return render(
            request=self.request, template_name="projects/call_form.html", context={"form": form, "need": self.need}
        )

    def get(self, request, pk):
        if not self.need.is_published:
            messages.error(request, _("Publish the need before you create a call from it."))
            return redirect("projects:need_detail", pk=self.need.pk)
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = CallForm(
            initial={
                "opens_at": now + timezone.timedelta(days=1),
                "closes_at": now + timezone.timedelta(days=31),
                "title": self.need.title,
            }
        )
        return self.render_form(form)

    @guard_submission
    def post(self, request, pk):
        form = CallForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("attachments")
            try:
                call = services.create_call(need=self.need, by=request.user, data=data, files=files)
            except services.ServiceError as error:
                self.service_error(form, error)
            else:
                messages.success(request, _("The call is saved as a draft. Check it, then publish it."))
                return redirect("projects:call_detail", pk=call.pk)
        return self.render_form(form)


class CallDetailView(View):
    def get(self, request, pk, question_form=None, answer_form=None, answer_question_pk=None):
        call = selectors.get_call_for(request.user, pk)
        user = request.user
        organisation = active_organisation(user)
        own_response = selectors.response_of(organisation, call)
        can_manage = user.has_perm("projects.manage_call", call)
        questions = selectors.questions_for(call, user)
        return render(
            request,
            "projects/call_detail.html",
            {
                "call": call,
                "need": call.need,
                "attachments": attachments_for(call),
                "questions": questions,
                "question_form": question_form or QuestionForm(),
                "can_ask": user.has_perm("projects.ask_call", call),
                "can_respond": user.has_perm("projects.respond_call", call),
                # A company that may not respond only because it is not verified is told so.
                "unverified_company": call.is_open
                and acts_for_company(user)
                and not call_accepts_active_organisation(user, call),
                "own_response": own_response,
                "can_manage": can_manage,
                "can_edit": user.has_perm("projects.change_call", call),
                "can_read_responses": user.has_perm("projects.view_responses_call", call),
                "submitted_count": selectors.submitted_responses(call).count() if can_manage else None,
                "answer_form": answer_form or AnswerForm(),
                "answer_question_pk": answer_question_pk,
            },
        )


class CallEditView(MemberView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.call = selectors.get_own_call(request.user, kwargs["pk"])
        self.require("projects.manage_call", self.call)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        return render(
            self.request,
            "projects/call_form.html",
            {"form": form, "need": self.call.need, "call": self.call, "attachments": attachments_for(self.call)},
        )

    def get(self, request, pk):
        if not request.user.has_perm("projects.change_call", self.call):
            messages.error(request, _("A call can only be changed before it opens."))
            return redirect("projects:call_detail", pk=self.call.pk)
        return self.render_form(CallForm(instance=self.call))

    def post(self, request, pk):
        form = CallForm(request.POST, request.FILES, instance=Call.objects.get(pk=self.call.pk))
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("attachments")
            try:
                services.update_call(call=self.call, by=request.user, data=data, files=files)
            except services.ServiceError as error:
                if isinstance(error, services.InvalidTransition):
                    messages.error(request, error.message)
                    return redirect("projects:call_detail", pk=self.call.pk)
                self.service_error(form, error)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect("projects:call_detail", pk=self.call.pk)
        return self.render_form(form)


class CallPublishView(MemberView):
    def post(self, request, pk):
        call = selectors.get_own_call(request.user, pk)
        self.require("projects.manage_call", call)
        try:
            call = services.publish_call(call=call, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            if call.status == Call.Status.OPEN:
                messages.success(request, _("The call is published and open."))
            else:
                messages.success(
                    request,
                    _("The call is published and opens %(time)s.")
                    % {"time": timezone.localtime(call.opens_at).strftime("%Y-%m-%d %H:%M")},
                )
        return redirect("projects:call_detail", pk=call.pk)


class CallCancelView(MemberView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.call = selectors.get_own_call(request.user, kwargs["pk"])
        self.require("projects.manage_call", self.call)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return render(request, "projects/call_cancel.html", {"call": self.call, "form": CancelCallForm()})

    def post(self, request, pk):
        form = CancelCallForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_call(call=self.call, by=request.user, reason=form.cleaned_data["reason"])
            except services.ServiceError as error:
                if isinstance(error, services.InvalidTransition):
                    messages.error(request, error.message)
                    return redirect("projects:call_detail", pk=self.call.pk)
                self.service_error(form, error)
            else:
                messages.success(request, _("The call is cancelled."))
                return redirect("projects:call_detail", pk=self.call.pk)
        return render(request, "projects/call_cancel.html", {"call": self.call, "form": form})


class CallResponsesView(MemberView):
    def get(self, request, pk):
        call = selectors.get_own_call(request.user, pk)
        self.require("projects.view_responses_call", call)
        responses = selectors.submitted_responses(call)
        return render(request, "projects/call_responses.html", {"call": call, "responses": responses})


class CallResponsesCsvView(MemberView):
    def get(self, request, pk):
        call = selectors.get_own_call(request.user, pk)
        self.require("projects.view_responses_call", call)
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
            for item in selectors.submitted_responses(call)
        )
        return csv_response(filename=f"svar-utlysning-{call.pk}.csv", header=header, rows=rows)


# --- responses ---------------------------------------------------------------------------------------------------


class ResponseEditView(MemberView):
    """Create or edit the company's response to a call (one per company and call)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.call = selectors.get_call_for(request.user, kwargs["pk"])
        self.require("projects.act_for_company")
        self.response = selectors.response_of(self.organisation, self.call)
        if self.call.is_open and not call_accepts_active_organisation(request.user, self.call):
            messages.error(request, services.ONLY_VERIFIED_COMPANIES)
            if self.response:
                return redirect("projects:response_detail", pk=self.response.pk)
            return redirect("projects:call_detail", pk=self.call.pk)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        return render(
            self.request,
            "projects/response_form.html",
            {
                "call": self.call,
                "form": form,
                "response": self.response,
                "attachments": attachments_for(self.response) if self.response else [],
            },
        )

    def closed(self):
        messages.error(self.request, _("The call is not open, so responses can no longer be made or changed."))
        if self.response:
            return redirect("projects:response_detail", pk=self.response.pk)
        return redirect("projects:call_detail", pk=self.call.pk)

    def get(self, request, pk):
        if not self.call.is_open:
            return self.closed()
        return self.render_form(ResponseForm(instance=self.response))

    @guard_submission
    def post(self, request, pk):
        if not self.call.is_open:
            return self.closed()
        instance = Response.objects.get(pk=self.response.pk) if self.response else None
        form = ResponseForm(request.POST, request.FILES, instance=instance)
        if form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("attachments")
            try:
                response = services.save_response(
                    call=self.call,
                    organisation=self.organisation,
                    by=request.user,
                    data=data,
                    files=files,
                    submit="submit" in request.POST,
                )
            except services.InvalidTransition as error:
                messages.error(request, error.message)
                return redirect("projects:call_detail", pk=self.call.pk)
            except services.ServiceError as error:
                self.service_error(form, error)
            else:
                if response.status == Response.Status.SUBMITTED:
                    messages.success(request, _("Your response is submitted. You can change it until the call closes."))
                else:
                    messages.success(request, _("Your response is saved as a draft. Submit it before the call closes."))
                return redirect("projects:response_detail", pk=response.pk)
        return self.render_form(form)


class ResponseDetailView(MemberView):
    def get(self, request, pk):
        response = selectors.get_response_for(request.user, pk)
        self.require("projects.view_response", response)
        own = response.organisation_id in _org_ids(request.user)
        return render(
            request,
            "projects/response_detail.html",
            {
                "response": response,
                "call": response.call,
                "own": own,
                "can_edit": request.user.has_perm("projects.change_response", response),
                "attachments": attachments_for(response),
            },
        )


class ResponseTransitionView(MemberView):
    to = Response.Status.SUBMITTED

    def post(self, request, pk):
        response = selectors.get_own_response(request.user, pk)
        try:
            services.transition_response(response=response, to=self.to, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            if self.to == Response.Status.SUBMITTED:
                messages.success(request, _("Your response is submitted. You can change it until the call closes."))
            else:
                messages.success(
                    request, _("Your response is withdrawn. You can submit it again until the call closes.")
                )
        return redirect("projects:response_detail", pk=response.pk)


# --- questions ---------------------------------------------------------------------------------------------------


class QuestionAskView(MemberView):
    @guard_submission
    def post(self, request, pk):
        call = selectors.get_call_for(request.user, pk)
        self.require("projects.act_for_company")
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.ask_question(
                    call=call, organisation=self.organisation, by=request.user, text=form.cleaned_data["text"]
                )
            except services.InvalidTransition as error:
                messages.error(request, error.message)
            except services.ServiceError as error:
                self.service_error(form, error)
                return CallDetailView().get(request, pk, question_form=form)
            else:
                messages.success(request, _("Your question is sent. The answer will be shown on this page."))
            return redirect(reverse("projects:call_detail", args=[call.pk]) + "#questions")
        return CallDetailView().get(request, pk, question_form=form)


class QuestionAnswerView(MemberView):
    def post(self, request, pk, question_pk):
        call = selectors.get_own_call(request.user, pk)
        self.require("projects.answer_question", call)
        question = selectors.get_question_of_own_call(request.user, call, question_pk)
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_question(question=question, by=request.user, answer=form.cleaned_data["answer"])
            except services.InvalidTransition as error:
                messages.error(request, error.message)
                return redirect("projects:call_detail", pk=call.pk)
            except services.ServiceError as error:
                self.service_error(form, error)
            else:
                messages.success(request, _("The answer is published on the call page."))
                return redirect("projects:call_detail", pk=call.pk)
        # Show the error next to this question's answer field and keep what was typed.
        return CallDetailView().get(request, pk, answer_form=form, answer_question_pk=question.pk)


# --- interest profile --------------------------------------------------------------------------------------------


class InterestProfileView(MemberView):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.require("projects.edit_interest_profile")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        profile = InterestProfile.objects.filter(organisation=self.organisation).prefetch_related("cpv_codes").first()
        initial = {}
        if profile:
            initial = {
                "cpv": list(profile.cpv_codes.all()),
                "categories": profile.categories,
                "themes": profile.themes,
                "keywords": profile.keywords,
            }
        return render(
            request,
            "projects/interest_profile.html",
            {"form": InterestProfileForm(initial=initial), "profile": profile},
        )

    def post(self, request):
        form = InterestProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_interest_profile(
                    organisation=self.organisation,
                    by=request.user,
                    cpv_codes=data["cpv"],
                    categories=data["categories"],
                    themes=data["themes"],
                    keywords=data["keywords"],
                )
            except services.ServiceError as error:
                self.service_error(form, error)
            else:
                messages.success(request, _("Your interest profile is saved. We will mail you about matching calls."))
                return redirect("portal:dashboard")
        return render(request, "projects/interest_profile.html", {"form": form})


# --- attachments ---------------------------------------------------------------------------------------------------


class AttachmentRemoveView(MemberView):
    """Remove a file from one's own draft call or open response; anything else is 404."""

    def post(self, request, uuid):
        from portal.models import Attachment

        attachment = Attachment.objects.filter(uuid=uuid).select_related("content_type").first()
        owner = attachment.owner if attachment else None
        if isinstance(owner, Call):
            call = selectors.get_own_call(request.user, owner.pk)
            self.require("projects.manage_call", call)
            back = reverse("projects:call_detail", args=[call.pk])
        elif isinstance(owner, Response):
            response = selectors.get_own_response(request.user, owner.pk)
            back = reverse("projects:response_detail", args=[response.pk])
        else:
            raise Http404
        try:
            services.remove_attachment(attachment=attachment, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The file %(name)s is removed.") % {"name": attachment.filename})
        return redirect(back)


# --- CPV ---------------------------------------------------------------------------------------------------------


class CpvSearchView(View):
    """Find CPV codes by code or words: an HTML page without JavaScript, JSON for the picker (?format=json)."""

    def get(self, request):
        text = clean_param(request.GET.get("q"), max_length=100)
        codes = CpvCode.objects.none()
        if text:
            digits = text.replace("-", "")
            if digits.isascii() and digits.isdigit():
                codes = CpvCode.objects.filter(code__startswith=digits[:8])
            else:
                condition = Q()
                for word in text.split()[:5]:
                    condition &= Q(label__icontains=word) | Q(label_sv__icontains=word)
                codes = CpvCode.objects.filter(condition)
        codes = codes.order_by("code")[:50]
        if request.GET.get("format") == "json":
            return JsonResponse({"results": [{"code": c.full_code, "label": c.display_label} for c in codes]})
        return render(request, "projects/cpv_search.html", {"q": text, "codes": codes})
