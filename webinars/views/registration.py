"""The personal page of a registration: reached by its signed link (no sign-in), with the join link for a
seat, the calendar file and the button to cancel."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.views.access import PermissionView, message_error

from .. import ics, selectors, services

PRIVATE = "private, no-store"


class PersonalLinkView(PermissionView):
    """The signed link is the key: whoever holds it sees the registration; a forged or replaced link is a 404."""

    login_required = False

    def get_object(self):
        return selectors.get_registration_by_token(self.kwargs["token"])


class RegistrationView(PersonalLinkView):
    def get(self, request, token):
        registration = self.object
        webinar = registration.webinar
        response = render(
            request,
            "webinars/registration.html",
            {
                "registration": registration,
                "webinar": webinar,
                "speakers": webinar.speakers.all(),
                "token": token,
                "position": selectors.waiting_list_position(registration),
            },
        )
        response["Cache-Control"] = PRIVATE
        return response


class RegistrationCancelView(PersonalLinkView):
    # The rule (rules.registration_can_be_cancelled) is the service's: a stale page gets its reason as a message.
    def post(self, request, token):
        try:
            services.cancel_registration(registration=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("Your registration is cancelled. Thank you for letting us know."))
        return redirect("webinars:registration", token=token)


class RegistrationIcsView(PersonalLinkView):
    # The calendar file is for a seat; the waiting list gets it when promoted.
    permission_required = "webinars.download_registration_calendar"

    def get(self, request, token):
        registration = self.object
        response = ics.http_response(ics.registration_ics(registration), f"webinar-{registration.webinar_id}.ics")
        response["Cache-Control"] = PRIVATE
        return response
