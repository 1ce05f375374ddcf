"""Pages for everyone: upcoming and past webinars, series with their calendar feed, a webinar and its form."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.generic import ListView

from portal.cache import PageFragments
from portal.client_ip import client_ip
from portal.query import LenientPaginationMixin
from portal.submission import guard_submission
from portal.views.access import PermissionView, form_error

from .. import ics, rules, selectors, services
from ..forms import RegistrationForm
from ..ratelimit import allow


class PublicView(PermissionView):
    login_required = False


class UpcomingView(PublicView, LenientPaginationMixin, ListView):
    template_name = "webinars/list.html"
    context_object_name = "webinars"
    paginate_by = 20

    def get_queryset(self):
        return selectors.upcoming_webinars()

    def get_context_data(self, **kwargs):
        return super().get_context_data(series_list=selectors.series_list(), **kwargs)


class PastView(PublicView, LenientPaginationMixin, ListView):
    template_name = "webinars/past.html"
    context_object_name = "webinars"
    paginate_by = 20

    def get_queryset(self):
        return selectors.past_webinars()


class SeriesDetailView(PublicView):
    permission_required = "webinars.view_series"

    def get_object(self):
        return selectors.get_series(self.kwargs["slug"])

    def get(self, request, slug):
        series = self.object
        now = timezone.now()
        webinars = list(selectors.series_webinars(series))
        return render(
            request,
            "webinars/series_detail.html",
            {
                "series": series,
                "upcoming": sorted((w for w in webinars if w.ends_at > now), key=lambda w: w.starts_at),
                "past": [w for w in webinars if w.ends_at <= now and w.is_published],
            },
        )


class SeriesFeedView(PublicView):
    permission_required = "webinars.view_series"

    def get_object(self):
        return selectors.get_series(self.kwargs["slug"])

    def get(self, request, slug):
        series = self.object
        response = ics.http_response(
            ics.series_feed(series, selectors.series_webinars(series)), f"{slug}.ics", attachment=False
        )
        response["Cache-Control"] = "public, max-age=3600"
        return response


class WebinarView(PublicView):
    """A webinar the user may see: public ones for everyone, drafts for portal admins (404 otherwise)."""

    permission_required = "webinars.view_webinar"

    def get_object(self):
        return selectors.get_webinar_for(self.request.user, self.kwargs["pk"])


class WebinarIcsView(WebinarView):
    def get(self, request, pk):
        return ics.http_response(ics.webinar_ics(self.object), f"webinar-{self.object.pk}.ics")


class WebinarCaptionsView(WebinarView):
    """The attached WebVTT captions of a webinar's recording, for the player's <track> and for download."""

    def get(self, request, pk):
        webinar = self.object
        if not webinar.recording_captions:
            raise Http404
        response = HttpResponse(webinar.recording_captions, content_type="text/vtt; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="webinar-{webinar.pk}.vtt"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


# A cached fragment not used for an hour leaves the cache; its key changes long before that when its rows do.
FRAGMENT_TTL = 60 * 60


class WebinarDetailView(WebinarView):
    """A webinar's page. What it says about the webinar (its time, text, speakers and recording) and the empty
    registration form a visitor gets are cached fragments (webinars/detail.html), the same for everyone."""

    template_name = "webinars/detail.html"

    def get_object(self):
        webinar, self.own_registration = selectors.webinar_page_for(self.request.user, self.kwargs["pk"])
        return webinar

    def _context(self, request, webinar, form=None):
        registration = self.own_registration
        try:
            services.check_open_for_registration(webinar)
            closed_reason = ""
        except services.ServiceError as error:
            closed_reason = error.message
        # A visitor's form before it is sent is the same for everyone (a signed-in person's is filled in).
        shared_form = form is None and not request.user.is_authenticated
        # The webinar's facts and the visitor's empty form are cached fragments (detail.html).
        parts = {"webinar-about": webinar.pk, **({"webinar-form": ""} if shared_form else {})}
        return {
            "webinar": webinar,
            "speakers": webinar.speakers.all(),  # read only when the fragment that lists them is rendered
            "seats_left": selectors.seats_left(webinar),
            "open": rules.webinar_is_open_for_registration(webinar),
            "closed_reason": closed_reason,
            "own_registration": registration,
            "own_link": selectors.registration_token(registration) if registration else "",
            "form": form or RegistrationForm(user=request.user),
            "can_manage": request.user.has_perm("webinars.manage_webinars"),
            "shared_form": shared_form,
            "page_fragments": PageFragments(("webinars",), parts, FRAGMENT_TTL),
        }

    def get(self, request, pk):
        return render(request, self.template_name, self._context(request, self.object))

    @guard_submission
    def post(self, request, pk):
        webinar = self.object
        form = RegistrationForm(request.POST, user=request.user)
        limit = getattr(settings, "WEBINARS_REGISTRATIONS_PER_HOUR", 10)
        if not allow("webinar-registration", client_ip(request) or "unknown", limit=limit, window=3600):
            form.is_valid()
            form.add_error(None, _("Too many registrations have been made from your network. Try again in an hour."))
            return render(request, self.template_name, self._context(request, webinar, form), status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = services.register(
                    webinar=webinar,
                    name=data["name"],
                    email=form.user.email if form.user else data["email"],
                    organisation=data["organisation"],
                    consent=data["consent"],
                    user=form.user,
                    language=getattr(form.user, "language", "") or translation.get_language(),
                )
            except services.ServiceError as error:
                form_error(form, error)
            else:
                return self._registered(request, form, outcome)
        return render(request, self.template_name, self._context(request, webinar, form), status=400)

    def _registered(self, request, form, outcome):
        registration = outcome.registration
        if form.user is None:
            # The same answer whether or not the address was already registered: the mail tells the difference.
            messages.success(
                request,
                _("Thank you! We have sent a mail to %(email)s with your registration and your personal link.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("webinars:detail", pk=registration.webinar_id)
        if outcome.already_registered:
            messages.info(request, _("You were already registered for this webinar."))
        elif registration.is_confirmed:
            messages.success(request, _("You are registered. A confirmation with a calendar file is on its way."))
        else:
            messages.success(
                request, _("The webinar is full: you are on the waiting list and will be mailed if a seat frees up.")
            )
        return redirect("webinars:registration", token=selectors.registration_token(registration))
