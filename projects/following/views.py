from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from portal.services import ServiceError

from .. import selectors
from ..models import Call
from ..views.base import ProjectsView, PublicView
from . import services


class FollowCallView(ProjectsView):
    """POST: the signed-in company member follows a public call that has not closed."""

    http_method_names = ["post"]
    permission_required = "projects.follow_call"
    denied_status = 403

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])

    def post(self, request, pk):
        services.follow_call(call=self.object, user=request.user)
        messages.success(request, _("You follow the call. You will get a mail when it changes and before it closes."))
        return redirect("projects:call_detail", pk=self.object.pk)


class UnfollowCallView(ProjectsView):
    """POST: the signed-in person stops following a call they can see."""

    http_method_names = ["post"]

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])

    def post(self, request, pk):
        if services.unfollow_call(call=self.object, user=request.user):
            messages.success(request, _("You no longer follow the call."))
        else:
            messages.info(request, _("You did not follow this call."))
        return redirect("projects:call_detail", pk=self.object.pk)


@method_decorator(csrf_exempt, name="dispatch")  # RFC 8058: mail clients POST without a form of ours
class StopNoticesView(PublicView):
    """The link in every notice about a call: GET shows one button and what it does, POST does it (also the
    RFC 8058 one-click POST `List-Unsubscribe=One-Click`). No sign-in: the signed token names call and address."""

    http_method_names = ["get", "post"]

    def get_object(self):
        # No 404: a link to a missing call is as invalid as a changed one, and says nothing about which ids exist.
        return Call.objects.filter(pk=self.kwargs["pk"]).first()

    def read(self):
        if self.object is None:
            return None, services.BAD_LINK
        try:
            return services.read_stop_token(call_id=self.object.pk, token=self.kwargs["token"]), None
        except ServiceError as error:
            return None, error.message

    def get(self, request, pk, token):
        email, error = self.read()
        return render(
            request,
            "projects/following/stop_notices.html",
            {"call": self.object, "email": email, "error": error, "done": False},
            status=400 if error else 200,
        )

    def post(self, request, pk, token):
        email, error = self.read()
        if error is None:
            services.stop_call_notices(call=self.object, email=email)
        return render(
            request,
            "projects/following/stop_notices.html",
            {"call": self.object, "email": email, "error": error, "done": error is None},
            status=400 if error else 200,
        )
