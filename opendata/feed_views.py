"""The calendar feeds: the public one (everything, or what the catalogue's filters select), a person's private one
(the calls matching their company's interest profile, at a secret address) and the page where they make,
replace and revoke it."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from portal.cache import cache_public_page
from portal.rules import active_organisation
from portal.services import ServiceError
from portal.views.access import PermissionView, message_error
from portal.views.pages import PublicView

from . import feed_selectors, feed_services
from .feed_forms import CALLS, WEBINARS, CalendarFilterForm
from .feed_ics import calendar_feed

CONTENT_TYPE = "text/calendar; charset=utf-8"
# The secret of a feed just made, kept in the session until the page shows it once (only its hash is stored).
NEW_TOKEN_KEY = "opendata:new_calendar_token"


def _feed_response(content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type=CONTENT_TYPE)


def _feed_headers(view, *, private: bool):
    """Headers of a feed, also on a copy the page cache serves (it keeps only the content type): inline, so that
    calendar programs subscribe to it; the private one neither stored by proxies nor indexed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            response["Content-Disposition"] = 'inline; filename="kalender.ics"'
            if private:
                patch_cache_control(response, private=True, no_store=True)
                response["X-Robots-Tag"] = "noindex"
            else:
                patch_cache_control(response, public=True, max_age=3600)
        return response

    return wrapped


class PublicCalendarView(PublicView):
    """`/oppna-data/kalender.ics`: calls' opening and closing times and webinars; 400 for an unknown parameter or
    value (opendata/feed_forms.py)."""

    def get(self, request):
        form = CalendarFilterForm(request.GET)
        problems = form.problems()
        if problems:
            return HttpResponse(
                "\n".join([_("The calendar feed cannot be made from this address."), *problems]) + "\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        kinds = form.kinds()
        with translation.override(form.cleaned_data.get("lang") or translation.get_language()):
            calls = feed_selectors.feed_calls_shown(form.call_filters()) if CALLS in kinds else []
            webinars = feed_selectors.feed_webinars() if WEBINARS in kinds else []
            return _feed_response(
                calendar_feed(name=_("Innovation procurement: calls and webinars"), calls=calls, webinars=webinars)
            )


public_calendar = _feed_headers(
    cache_public_page(PublicCalendarView.as_view(), shows=("needs", "organisations", "webinars")), private=False
)


def request_token(request) -> str:
    """The secret of a private feed's address: in the query string, which the request log never writes."""
    return request.GET.get("token", "")


class PrivateCalendarView(PublicView):
    """`/oppna-data/kalender/privat.ics?token=…`: whoever holds the address (a calendar program signs in as nobody);
    404 for an unknown or revoked secret and for a person no longer a member. In the person's language."""

    def get_object(self):
        return feed_selectors.get_live_feed(request_token(self.request))

    def get(self, request):
        feed = self.object
        with translation.override(feed.user.language or settings.LANGUAGE_CODE):
            calls = feed_selectors.matching_calls(feed)
            name = _("Calls matching the interest profile of %(organisation)s") % {
                "organisation": feed.organisation.name
            }
            return _feed_response(calendar_feed(name=name, calls=calls))


private_calendar = _feed_headers(PrivateCalendarView.as_view(), private=True)


class SubscriptionView(PermissionView):
    """A company member's own private feed: make one, replace it, revoke it (POST forms; no JavaScript needed)."""

    role_required = "projects.act_for_company"
    template_name = "opendata/subscription.html"

    def get(self, request):
        organisation = active_organisation(request.user)
        new_token = request.session.pop(NEW_TOKEN_KEY, None)
        return render(
            request,
            self.template_name,
            {
                "organisation": organisation,
                "feed": feed_selectors.live_feed_of(request.user, organisation),
                "private_url": private_url(new_token) if new_token else None,
                "public_url": settings.SITE_URL + reverse("opendata:calendar"),
            },
        )

    def post(self, request):
        organisation = active_organisation(request.user)
        action = request.POST.get("action")
        try:
            if action in ("create", "replace"):
                _feed, token = feed_services.create_calendar_feed(user=request.user, organisation=organisation)
                request.session[NEW_TOKEN_KEY] = token
                messages.success(request, _("Your private calendar address is ready. Copy it now: it is shown once."))
            elif action == "revoke":
                if feed_services.revoke_calendar_feed(user=request.user, organisation=organisation):
                    messages.success(request, _("The private calendar address is revoked and no longer works."))
            else:
                messages.error(request, _("Choose one of the buttons."))
        except ServiceError as error:
            message_error(request, error)
        return redirect("opendata:subscription")


def private_url(token: str) -> str:
    """The address of a private feed (SITE_URL: the portal's public address, whatever host the request used)."""
    return settings.SITE_URL + reverse("opendata:private_calendar") + "?token=" + token
