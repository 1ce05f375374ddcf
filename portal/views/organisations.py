from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView
from rules.contrib.views import PermissionRequiredMixin

from .. import selectors, services
from ..forms import InvitationForm, OrganisationEditForm, OrganisationForm
from ..middleware import ACTIVE_ORG_SESSION_KEY
from ..submission import SubmissionGuardMixin, guard_submission


class OrganisationCreateView(LoginRequiredMixin, SubmissionGuardMixin, FormView):
    form_class = OrganisationForm
    template_name = "portal/organisation_form.html"

    def form_valid(self, form):
        try:
            organisation = services.create_organisation(by=self.request.user, **form.cleaned_data)
        except (services.ServiceError, ValidationError) as error:
            form.add_error("org_number", getattr(error, "message", error))
            return self.form_invalid(form)
        self.request.session[ACTIVE_ORG_SESSION_KEY] = organisation.pk
        if organisation.is_public_body:
            messages.success(
                self.request,
                _(
                    "%(name)s is registered. A portal administrator will verify it; "
                    "until then you cannot publish or apply."
                )
                % {"name": organisation.name},
            )
        else:
            messages.success(self.request, _("%(name)s is registered.") % {"name": organisation.name})
        return redirect("portal:organisation_detail", pk=organisation.pk)


class OrganisationMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "portal.view_organisation"

    def get_object(self):
        if not hasattr(self, "_organisation"):
            self._organisation = selectors.get_organisation_for(self.request.user, self.kwargs["pk"])
        return self._organisation

    def get_permission_object(self):
        return self.get_object()

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise Http404
        return super().handle_no_permission()


class OrganisationDetailView(OrganisationMixin, View):
    def get(self, request, pk, form=None):
        organisation = self.get_object()
        return render(
            request,
            "portal/organisation_detail.html",
            {
                "organisation": organisation,
                "members": selectors.organisation_members(organisation),
                "invitations": selectors.pending_invitations(organisation),
                "invite_form": form or InvitationForm(),
                "can_invite": request.user.has_perm("portal.invite_organisation", organisation),
                "can_change": request.user.has_perm("portal.change_organisation", organisation),
            },
        )


class OrganisationEditView(OrganisationMixin, View):
    """Owners change the organisation's details; a rejected public body may ask to be verified again."""

    permission_required = "portal.change_organisation"
    template_name = "portal/organisation_edit.html"

    def get(self, request, pk):
        organisation = self.get_object()
        form = OrganisationEditForm(
            initial={"name": organisation.name, "address": organisation.address, "website": organisation.website}
        )
        return render(request, self.template_name, {"organisation": organisation, "form": form})

    def post(self, request, pk):
        organisation = self.get_object()
        form = OrganisationEditForm(request.POST)
        if form.is_valid():
            resubmit = "resubmit" in request.POST
            try:
                services.update_organisation(
                    organisation=organisation, by=request.user, resubmit=resubmit, **form.cleaned_data
                )
            except services.ServiceError as error:
                form.add_error(None, error.message)
            else:
                if resubmit:
                    messages.success(request, _("Saved. A portal administrator will look at the organisation again."))
                else:
                    messages.success(request, _("The changes are saved."))
                return redirect("portal:organisation_detail", pk=organisation.pk)
        return render(request, self.template_name, {"organisation": organisation, "form": form}, status=400)


class InviteView(OrganisationDetailView):
    permission_required = "portal.invite_organisation"
    http_method_names = ["post"]

    @guard_submission
    def post(self, request, pk):
        organisation = self.get_object()
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invite_member(organisation=organisation, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, _("An invitation has been sent to %(email)s.") % form.cleaned_data)
                return redirect("portal:organisation_detail", pk=organisation.pk)
        return self.get(request, pk, form=form)


class InvitationAcceptView(View):
    def get(self, request, token):
        try:
            invitation = services.invitation_from_token(token)
        except services.ServiceError as error:
            return render(request, "portal/invitation.html", {"error": error.message}, status=400)
        return render(request, "portal/invitation.html", {"invitation": invitation, "token": token})

    def post(self, request, token):
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        try:
            membership = services.accept_invitation(token=token, user=request.user)
        except services.ServiceError as error:
            return render(request, "portal/invitation.html", {"error": error.message}, status=400)
        request.session[ACTIVE_ORG_SESSION_KEY] = membership.organisation_id
        messages.success(request, _("You are now a member of %(name)s.") % {"name": membership.organisation.name})
        return redirect("portal:dashboard")


def _login_url():
    from django.urls import reverse

    return reverse("account_login")


class SwitchOrganisationView(LoginRequiredMixin, View):
    def post(self, request):
        organisation = selectors.organisation_for_user(request.user, request.POST.get("organisation"))
        if organisation is None:
            messages.error(request, _("You are not a member of that organisation."))
        else:
            request.session[ACTIVE_ORG_SESSION_KEY] = organisation.pk
            messages.success(request, _("You now act for %(name)s.") % {"name": organisation.name})
        return redirect("portal:dashboard")
