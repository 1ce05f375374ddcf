"""Pages for everyone, signed in or not: the published grant calls."""

from django.shortcuts import render
from django.views.generic import ListView

from portal.query import LenientPaginationMixin
from portal.views.access import PermissionView

from .. import selectors


class CallListView(PermissionView, LenientPaginationMixin, ListView):
    login_required = False
    template_name = "checks/call_list.html"
    context_object_name = "calls"
    paginate_by = 20

    def get_queryset(self):
        return selectors.published_calls()


class CallDetailView(PermissionView):
    login_required = False
    permission_required = "checks.view_grantcall"

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        call = self.object
        context = {"call": call, "can_apply": request.user.has_perm("checks.apply_grantcall", call)}
        if request.user.has_perm("checks.view_overview_grantcall", call):
            context["overview"] = selectors.call_overview(call)
        return render(request, "checks/call_detail.html", context)
