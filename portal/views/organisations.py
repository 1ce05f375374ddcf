from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import FormView

from .. import organisations as identity
from .. import selectors, services
from ..forms import DisputeForm, InvitationForm, JoinRequestForm, MemberRoleForm, OrganisationEditForm, OrganisationForm
from ..middleware import ACTIVE_ORG_SESSION_KEY
from ..models import Membership
from ..orgnr import normalise_org_number
from ..submission import SubmissionGuardMixin, guard_submission
from .access import PermissionView, form_error, message_error


class OrganisationCreateView(PermissionView, SubmissionGuardMixin, FormView):
    permission_required = "portal.create_organisation"
    form_class = OrganisationForm
    template_name = "portal/organisation_form.html"

    def form_valid(self, form):
        try:
            organisation = services.create_organisation(by=self.request.user, **form.cleaned_data)
        except (services.ServiceError, ValidationError) as error:
            # The number is taken: instead of a dead end, offer to ask to join the holder or (when the holder
            # is not verified) to dispute the number. (Read it before the error takes it out of cleaned_data.)
            holder = selectors.organisation_holding(form.cleaned_data.get("org_number"))
            if isinstance(error, ValidationError):  # a number the service could not read
                form.add_error("org_number", error)
            else:
                form_error(form, error)
            return self.render_to_response(self.get_context_data(form=form, **_holder_choices(self.request, holder)))
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
            messages.success(
                self.request,
                _(
                    "%(name)s is registered. A portal administrator will verify it; until then buyers see it as "
                    "unverified."
                )
                % {"name": organisation.name},
            )
        return redirect("portal:organisation_detail", pk=organisation.pk)


def _holder_choices(request, holder) -> dict:
    """What the create form offers when the number is held by `holder`."""
    if holder is None:
        return {}
    user = request.user
    dispute_query = urlencode(
        {key: request.POST.get(key, "") for key in ("org_number", "kind", "name", "address", "website")}
    )
    return {
        "holder": holder,
        "can_ask_to_join": user.has_perm("portal.ask_to_join_organisation", holder),
        "can_dispute": user.has_perm("portal.dispute_organisation", holder),
        # Its own ids: the page's main form has an org_number field too.
        "join_form": JoinRequestForm(initial={"org_number": holder.org_number}, auto_id="join_%s"),
        "dispute_query": dispute_query,
    }


def _holder_or_none(value):
    """The organisation holding the number in `value`, or None (a malformed number holds nothing)."""
    try:
        number = normalise_org_number(value)
    except ValidationError:
        return None
    return selectors.organisation_holding(number)


def _register_instead(request):
    """A link with a number nobody holds (or no number) leads to the registration form, not to a dead end."""
    messages.info(request, _("No organisation is registered with that number. You can register it here."))
    return redirect("portal:organisation_create")


class HolderView(PermissionView):
    """A page about the organisation that holds the number in `org_number` (the query, or the form when sent).

    Refused to whom the rule does not allow (its own members; a verified holder's number cannot be disputed): 403,
    since the person typed the number and knows the organisation exists. A number nobody holds leads to the
    registration form; sent in a form, it is 404.
    """

    denied_status = 403

    def get_object(self):
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        holder = _holder_or_none(data.get("org_number"))
        if holder is None and self.request.method == "POST":
            raise Http404
        return holder

    def get(self, request):
        if self.object is None:
            return _register_instead(request)
        return render(request, self.template_name, {"holder": self.object, "form": self.initial_form()})


class JoinRequestCreateView(HolderView):
    """Ask the owners of the organisation that holds a number to let one in."""

    permission_required = "portal.ask_to_join_organisation"
    template_name = "portal/join_request_form.html"

    def initial_form(self):
        return JoinRequestForm(initial={"org_number": self.object.org_number})

    @guard_submission
    def post(self, request):
        holder = self.object
        form = JoinRequestForm(request.POST)
        if form.is_valid():
            try:
                identity.request_to_join(organisation=holder, by=request.user, message=form.cleaned_data["message"])
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request,
                    _("Your request to join %(name)s has been sent to its owners. You get a mail with their answer.")
                    % {"name": holder.name},
                )
                return redirect("portal:dashboard")
        return render(request, self.template_name, {"holder": holder, "form": form}, status=400)


class JoinRequestDetailView(PermissionView):
    """The request's page: its owners accept or decline it here; the requester sees its state."""

    template_name = "portal/join_request.html"
    # Answering is for its owners while it is pending (the same rule the service keeps); the page shows it.
    denied_status = 403

    @property
    def permission_required(self):
        return "portal.decide_joinrequest" if self.request.method == "POST" else "portal.view_joinrequest"

    def get_object(self):
        return selectors.get_join_request_for(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        join_request = self.object
        context = {
            "join_request": join_request,
            "can_answer": request.user.has_perm("portal.decide_joinrequest", join_request),
        }
        return render(request, self.template_name, context)

    def post(self, request, pk):
        join_request = self.object
        accept = request.POST.get("answer") == "accept"
        try:
            identity.answer_join_request(join_request=join_request, by=request.user, accept=accept)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            template = (
                _("%(email)s is now a member of %(name)s.") if accept else _("You declined the request from %(email)s.")
            )
            messages.success(
                request, template % {"email": join_request.user.email, "name": join_request.organisation.name}
            )
        return redirect("portal:organisation_detail", pk=join_request.organisation_id)


class DisputeCreateView(HolderView):
    """Dispute the number of an unverified organisation; a portal admin decides."""

    permission_required = "portal.dispute_organisation"
    template_name = "portal/dispute_form.html"

    def initial_form(self):
        initial = {key: self.request.GET.get(key, "") for key in ("kind", "name", "address", "website")}
        return DisputeForm(initial={**initial, "org_number": self.object.org_number})

    @guard_submission
    def post(self, request):
        holder = self.object
        form = DisputeForm(request.POST)
        if form.is_valid():
            try:
                identity.raise_dispute(by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your dispute over %(number)s has been sent. A portal administrator will decide and you "
                        "get a mail with the decision."
                    )
                    % {"number": holder.org_number},
                )
                return redirect("portal:dashboard")
        return render(request, self.template_name, {"holder": holder, "form": form}, status=400)


class OrganisationView(PermissionView):
    """A page about one of the user's organisations (any, for portal admins); 404 for anyone else."""

    permission_required = "portal.view_organisation"

    def get_object(self):
        return selectors.get_organisation_for(self.request.user, self.kwargs["pk"])


class OrganisationDetailView(OrganisationView):
    def get(self, request, pk, form=None):
        organisation = self.object
        return render(
            request,
            "portal/organisation_detail.html",
            {
                "organisation": organisation,
                "members": selectors.organisation_members(organisation),
                "invitations": selectors.pending_invitations(organisation),
                "invite_form": form or InvitationForm(),
                "can_invite": request.user.has_perm("portal.invite_organisation", organisation),
                "join_requests": selectors.pending_join_requests(organisation)
                if request.user.has_perm("portal.change_organisation", organisation)
                else [],
                "can_change": request.user.has_perm("portal.change_organisation", organisation),
                "roles": Membership.Role.choices,
            },
        )


class OrganisationEditView(OrganisationView):
    """Owners change the organisation's details; a rejected organisation may ask to be verified again, and a
    verified one that changes its name, number or kind goes back to verification."""

    permission_required = "portal.change_organisation"
    template_name = "portal/organisation_edit.html"

    def get(self, request, pk):
        organisation = self.object
        form = OrganisationEditForm(
            initial={
                "kind": organisation.kind,
                "name": organisation.name,
                "org_number": organisation.org_number,
                "address": organisation.address,
                "website": organisation.website,
            },
            verified=organisation.is_verified,
        )
        return render(request, self.template_name, {"organisation": organisation, "form": form})

    def post(self, request, pk):
        organisation = self.object
        form = OrganisationEditForm(request.POST, verified=organisation.is_verified)
        if form.is_valid():
            resubmit = "resubmit" in request.POST
            try:
                updated = services.update_organisation(
                    organisation=organisation, by=request.user, resubmit=resubmit, **form.cleaned_data
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                if resubmit:
                    messages.success(request, _("Saved. A portal administrator will look at the organisation again."))
                elif organisation.is_verified and not updated.is_verified:
                    messages.warning(
                        request,
                        _(
                            "Saved. The name, organisation number or kind changed, so a portal administrator will "
                            "verify the organisation again; until then it counts as unverified."
                        ),
                    )
                else:
                    messages.success(request, _("The changes are saved."))
                return redirect("portal:organisation_detail", pk=organisation.pk)
        return render(request, self.template_name, {"organisation": organisation, "form": form}, status=400)


class InviteView(OrganisationDetailView):
    permission_required = "portal.invite_organisation"
    http_method_names = ["post"]

    @guard_submission
    def post(self, request, pk):
        organisation = self.object
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invite_member(organisation=organisation, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("An invitation has been sent to %(email)s.") % form.cleaned_data)
                return redirect("portal:organisation_detail", pk=organisation.pk)
        return self.get(request, pk, form=form)


class InvitationAcceptView(PermissionView):
    """Anyone with the link sees the invitation; accepting it needs a sign-in (then back here)."""

    @property
    def login_required(self):
        return self.request.method == "POST"

    def get(self, request, token):
        try:
            invitation = services.invitation_from_token(token)
        except services.ServiceError as error:
            return render(request, "portal/invitation.html", {"error": error.message}, status=400)
        return render(request, "portal/invitation.html", {"invitation": invitation, "token": token})

    def post(self, request, token):
        try:
            membership = services.accept_invitation(token=token, user=request.user)
        except services.ServiceError as error:
            return render(request, "portal/invitation.html", {"error": error.message}, status=400)
        request.session[ACTIVE_ORG_SESSION_KEY] = membership.organisation_id
        messages.success(request, _("You are now a member of %(name)s.") % {"name": membership.organisation.name})
        return redirect("portal:dashboard")


class SwitchOrganisationView(PermissionView):
    permission_required = "portal.switch_organisation"

    def post(self, request):
        organisation = selectors.organisation_for_user(request.user, request.POST.get("organisation"))
        if organisation is None:
            messages.error(request, _("You are not a member of that organisation."))
        else:
            request.session[ACTIVE_ORG_SESSION_KEY] = organisation.pk
            messages.success(request, _("You now act for %(name)s.") % {"name": organisation.name})
        return redirect("portal:dashboard")


class MembershipView(PermissionView):
    """A membership in one of the user's organisations; 404 for anyone else."""

    def get_object(self):
        return selectors.get_membership_for(self.request.user, self.kwargs["organisation_pk"], self.kwargs["pk"])


class MemberRoleView(MembershipView):
    permission_required = "portal.change_membership"
    http_method_names = ["post"]

    def post(self, request, organisation_pk, pk):
        form = MemberRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a role from the list."))
        else:
            try:
                services.change_member_role(membership=self.object, role=form.cleaned_data["role"], by=request.user)
            except services.ServiceError as error:
                message_error(request, error)
            else:
                messages.success(request, _("The role is changed."))
        return redirect("portal:organisation_detail", pk=organisation_pk)


class MemberRemoveView(MembershipView):
    """Confirm, then remove a member (an owner) or leave (the member)."""

    permission_required = "portal.remove_membership"
    template_name = "portal/member_remove.html"

    def get(self, request, organisation_pk, pk):
        return render(request, self.template_name, {"membership": self.object, "leaving": self._leaving()})

    def post(self, request, organisation_pk, pk):
        leaving = self._leaving()
        try:
            services.remove_member(membership=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
            return redirect("portal:organisation_detail", pk=organisation_pk)
        if leaving:
            messages.success(request, _("You have left %(name)s.") % {"name": self.object.organisation.name})
            return redirect("portal:dashboard")
        messages.success(request, _("The member is removed."))
        return redirect("portal:organisation_detail", pk=organisation_pk)

    def _leaving(self) -> bool:
        return self.object.user_id == self.request.user.pk
