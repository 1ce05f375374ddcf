"""Pages for companies: their response to a call, its submission and withdrawal, questions on a call and the
interest profile that decides which calls they are told about. A response is also read by the buyer
(`ResponseDetailView`)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from portal.clock import database_now
from portal.files import attachments_for
from portal.rules import org_roles
from portal.submission import guard_submission
from portal.views.access import form_error, message_error

from .. import selectors, services
from ..forms import InterestProfileForm, QuestionForm, ResponseForm
from ..models import InterestProfile, Response
from ..response_history.deadline import deadline_of, refusal_for
from ..response_history.selectors import versions_of
from ..rules import call_accepts_active_organisation
from ..structured import selectors as structured_selectors
from .base import ProjectsView
from .public import render_call_detail


class CompanyCallView(ProjectsView):
    """A call the user may see, acted on for a company; any other role gets 403."""

    permission_required = "projects.act_for_company"
    denied_status = 403

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])


class ResponseEditView(CompanyCallView):
    """Create or edit the company's response to a call (one per company and call)."""

    @cached_property
    def response(self):
        return selectors.response_of(self.organisation, self.object)

    @cached_property
    def questions(self):
        return structured_selectors.questions_of(self.object)

    def render_form(self, form):
        return render(
            self.request,
            "projects/response_form.html",
            {
                "call": self.object,
                "form": form,
                "response": self.response,
                "attachments": attachments_for(self.response) if self.response else [],
                "deadline": deadline_of(self.object, database_now()),
            },
        )

    def render_refused(self, form, message):
        """The response was not stored: show the form again with everything typed and say why at the top."""
        form.is_valid()
        form.add_error(None, message)
        return self.render_form(form)

    def refused(self):
        """The call does not take this company's response now: say why and go back."""
        call = self.object
        if call.is_open and not call_accepts_active_organisation(self.request.user, call):
            messages.error(self.request, services.ONLY_VERIFIED_COMPANIES)
        elif not call.is_open:
            messages.error(self.request, _("The call is not open, so responses can no longer be made or changed."))
        else:
            return None
        if self.response:
            return redirect("projects:response_detail", pk=self.response.pk)
        return redirect("projects:call_detail", pk=call.pk)

    def get(self, request, pk):
        return self.refused() or self.render_form(
            ResponseForm(
                instance=self.response,
                questions=self.questions,
                answers=structured_selectors.answers_by_number(self.response),
            )
        )

    @guard_submission
    def post(self, request, pk):
        call = self.object
        if call.is_open and not call_accepts_active_organisation(request.user, call):
            return self.refused()
        instance = Response.objects.get(pk=self.response.pk) if self.response else None
        form = ResponseForm(
            request.POST,
            request.FILES,
            instance=instance,
            questions=self.questions,
            submitting="submit" in request.POST,
            uploader=request.user,
        )
        refusal = refusal_for(call, database_now())
        if refusal:
            return self.render_refused(form, refusal)
        if form.is_valid():
            try:
                response = services.save_response(
                    call=self.object,
                    organisation=self.organisation,
                    by=request.user,
                    submit="submit" in request.POST,
                    **form.cleaned_data,
                )
            except services.InvalidTransition as error:
                # Closed while the request waited (the service checks after locking): keep what was typed.
                return self.render_refused(form, refusal_for(call, database_now()) or error.message)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                if response.is_submitted:
                    messages.success(request, _("Your response is submitted. You can change it until the call closes."))
                else:
                    messages.success(request, _("Your response is saved as a draft. Submit it before the call closes."))
                return redirect("projects:response_detail", pk=response.pk)
        return self.render_form(form)


class ResponseDetailView(ProjectsView):
    """The company's own response, or a submitted one for the buyer."""

    permission_required = "projects.view_response"

    def get_object(self):
        return selectors.get_response_for(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        response = self.object
        return render(
            request,
            "projects/response_detail.html",
            {
                "response": response,
                "call": response.call,
                "own": response.organisation_id in set(org_roles(request.user)),
                "can_edit": request.user.has_perm("projects.change_response", response),
                "attachments": attachments_for(response),
                "answers": structured_selectors.response_answers(response),
                "versions": list(versions_of(response)),
            },
        )


class ResponseTransitionView(ProjectsView):
    """Submit or withdraw the company's own response; the service refuses a move the state does not allow."""

    http_method_names = ["post"]
    permission_required = "projects.act_for_company"
    denied_status = 403
    to = Response.Status.SUBMITTED

    def get_object(self):
        return selectors.get_own_response(self.request.user, self.kwargs["pk"])

    def post(self, request, pk):
        try:
            services.transition_response(response=self.object, to=self.to, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            if self.to == Response.Status.SUBMITTED:
                messages.success(request, _("Your response is submitted. You can change it until the call closes."))
            else:
                messages.success(
                    request, _("Your response is withdrawn. You can submit it again until the call closes.")
                )
        return redirect("projects:response_detail", pk=self.object.pk)


class QuestionAskView(CompanyCallView):
    http_method_names = ["post"]

    @guard_submission
    def post(self, request, pk):
        call = self.object
        form = QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.ask_question(
                    call=call, organisation=self.organisation, by=request.user, text=form.cleaned_data["text"]
                )
            except services.InvalidTransition as error:
                message_error(request, error)
            except services.ServiceError as error:
                form_error(form, error)
                return render_call_detail(request, selectors.call_page_for(request.user, call.pk), question_form=form)
            else:
                messages.success(
                    request,
                    _(
                        "Your question is sent. The buyer reviews it and publishes it with its answer on this page, "
                        "without your company's name."
                    ),
                )
            return redirect(reverse("projects:call_detail", args=[call.pk]) + "#questions")
        return render_call_detail(request, selectors.call_page_for(request.user, call.pk), question_form=form)


class InterestProfileView(ProjectsView):
    permission_required = "projects.edit_interest_profile"

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
                form_error(form, error)
            else:
                messages.success(request, _("Your interest profile is saved. We will mail you about matching calls."))
                return redirect("portal:dashboard")
        return render(request, "projects/interest_profile.html", {"form": form})
