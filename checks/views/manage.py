"""Pages of portal admins: grant calls with their tracks and assessment criteria.

These are role pages: the role is checked before the call is fetched, so anyone but a portal admin gets 403
whether or not the call exists (as on the list of calls).
"""

from functools import cached_property

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import ListView

from portal.query import LenientPaginationMixin
from portal.services import ServiceError
from portal.submission import guard_submission
from portal.views.access import PermissionView, form_error, message_error

from .. import selectors, services
from ..forms import CriterionFormSet, GrantCallForm, TrackFormSet, rows_from
from ..models import GrantCall


class ManageView(PermissionView):
    permission_required = "checks.manage_calls"

    @cached_property
    def call(self) -> GrantCall:
        """The call the URL names (after the role check), or a new one."""
        if "pk" not in self.kwargs:
            return GrantCall()
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])


class AdminCallListView(ManageView, LenientPaginationMixin, ListView):
    template_name = "checks/admin/call_list.html"
    context_object_name = "calls"
    paginate_by = 50

    def get_queryset(self):
        return selectors.all_calls()


class CallFormView(ManageView):
    template_name = "checks/admin/call_form.html"

    def render_forms(self, form, tracks, criteria, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "call": self.call,
                "form": form,
                "tracks": tracks,
                "criteria": criteria,
                "formsets": [tracks, criteria],
                "has_errors": status == 400,
            },
            status=status,
        )

    def get(self, request, pk=None):
        call = self.call
        track_rows = [
            {k: getattr(t, k) for k in ("id", "name", "description", "cap_one", "cap_two_or_more", "position")}
            for t in (call.tracks.all() if call.pk else [])
        ]
        criterion_rows = [
            {k: getattr(c, k) for k in ("id", "name", "description", "weight", "position")}
            for c in (call.criteria.all() if call.pk else [])
        ]
        return self.render_forms(
            GrantCallForm(instance=call),
            TrackFormSet(prefix="tracks", initial=track_rows),
            CriterionFormSet(prefix="criteria", initial=criterion_rows),
        )

    @guard_submission
    def post(self, request, pk=None):
        form = GrantCallForm(request.POST, instance=self.call)
        tracks = TrackFormSet(request.POST, prefix="tracks")
        criteria = CriterionFormSet(request.POST, prefix="criteria")
        if form.is_valid() and tracks.is_valid() and criteria.is_valid():
            try:
                call = services.save_call(
                    call=form.save(commit=False),
                    language=form.cleaned_data["language"],
                    tracks=rows_from(tracks),
                    criteria=rows_from(criteria),
                    by=request.user,
                )
            except ServiceError as error:
                _show_error(error, form, [tracks, criteria])
            else:
                messages.success(request, _("The call is saved."))
                return redirect("checks:call_edit", pk=call.pk)
        return self.render_forms(form, tracks, criteria, status=400)


def _show_error(error: ServiceError, form, formsets) -> None:
    """Put a refusal of `save_call` next to its field: a row's (`tracks-2-cap_one`) or the call form's."""
    for formset in formsets:
        prefix = f"{formset.prefix}-"
        if error.field and error.field.startswith(prefix):
            index, _sep, name = error.field[len(prefix) :].partition("-")
            if index.isdigit() and int(index) < len(formset.forms) and name in formset.forms[int(index)].fields:
                formset.forms[int(index)].add_error(name, error.message)
                return
    form_error(form, error)


class CallPublishView(ManageView):
    def post(self, request, pk):
        try:
            services.publish_call(call=self.call, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The call is published."))
        return redirect("checks:call_edit", pk=self.call.pk)


class DeciderListView(ManageView, LenientPaginationMixin, ListView):
    """The handlers and who of them may decide (beslutsfattare), with a button to give or take away the right."""

    template_name = "checks/admin/deciders.html"
    context_object_name = "handlers"
    paginate_by = 100

    def get_queryset(self):
        return selectors.handlers_with_decide_right()


class DeciderToggleView(ManageView):
    """Give a handler the right to decide or take it away (POST only, audited by the service)."""

    def post(self, request, pk):
        handler = selectors.get_handler(pk)
        allowed = request.POST.get("allowed") == "1"
        try:
            services.set_decide_right(user=handler, allowed=allowed, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            if allowed:
                messages.success(request, _("%(name)s may now decide.") % {"name": handler})
            else:
                messages.success(request, _("%(name)s may no longer decide.") % {"name": handler})
        return redirect("checks:deciders")
