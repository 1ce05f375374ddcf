from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View
from django.views.generic import ListView

from portal.client_ip import client_ip
from portal.csv_export import csv_response
from portal.query import LenientPaginationMixin, clean_param
from portal.submission import guard_submission
from portal.views.staff import StaffPermissionMixin

from . import ics, selectors, services
from .forms import (
    CancelWebinarForm,
    RecordingForm,
    RegistrationForm,
    SeriesForm,
    SpeakerFormSet,
    WebinarForm,
    speakers_from,
)
from .models import Registration, Series, Webinar
from .ratelimit import allow

PRIVATE = "private, no-store"


def _ics_response(content: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


# Public pages ---------------------------------------------------------------------------------------------------


class UpcomingView(LenientPaginationMixin, ListView):
    template_name = "webinars/list.html"
    context_object_name = "webinars"
    paginate_by = 20

    def get_queryset(self):
        return selectors.upcoming_webinars()

    def get_context_data(self, **kwargs):
        return super().get_context_data(series_list=selectors.series_list(), **kwargs)


class PastView(LenientPaginationMixin, ListView):
    template_name = "webinars/past.html"
    context_object_name = "webinars"
    paginate_by = 20

    def get_queryset(self):
        return selectors.past_webinars()


class SeriesDetailView(View):
    def get(self, request, slug):
        series = selectors.get_series(slug)
        now = timezone.now()
        webinars = list(selectors.series_webinars(series))
        return render(
            request,
            "webinars/series_detail.html",
            {
                "series": series,
                "upcoming": sorted((w for w in webinars if w.ends_at > now), key=lambda w: w.starts_at),
                "past": [w for w in webinars if w.ends_at <= now and w.status == Webinar.Status.PUBLISHED],
            },
        )


class SeriesFeedView(View):
    def get(self, request, slug):
        series = selectors.get_series(slug)
        response = _ics_response(
            ics.series_feed(series, selectors.series_webinars(series)), f"{slug}.ics", attachment=False
        )
        response["Cache-Control"] = "public, max-age=3600"
        return response


class WebinarIcsView(View):
    def get(self, request, pk):
        webinar = selectors.get_webinar_for(request.user, pk)
        return _ics_response(ics.webinar_ics(webinar), f"webinar-{webinar.pk}.ics")


class WebinarDetailView(View):
    template_name = "webinars/detail.html"

    def _context(self, request, webinar, form=None):
        registration = selectors.registration_for_user(request.user, webinar)
        try:
            services.check_open_for_registration(webinar)
            closed_reason = ""
        except services.ServiceError as error:
            closed_reason = error.message
        return {
            "webinar": webinar,
            "speakers": webinar.speakers.all(),
            "seats_left": selectors.seats_left(webinar),
            "open": not closed_reason,
            "closed_reason": closed_reason,
            "own_registration": registration,
            "own_link": selectors.registration_token(registration) if registration else "",
            "form": form or RegistrationForm(user=request.user),
            "can_manage": request.user.has_perm("webinars.manage_webinars"),
        }

    def get(self, request, pk):
        webinar = selectors.get_webinar_for(request.user, pk)
        return render(request, self.template_name, self._context(request, webinar))

    @guard_submission
    def post(self, request, pk):
        webinar = selectors.get_webinar_for(request.user, pk)
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
                form.add_error(error.field if error.field in form.fields else None, error.message)
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
        elif registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("You are registered. A confirmation with a calendar file is on its way."))
        else:
            messages.success(
                request, _("The webinar is full: you are on the waiting list and will be mailed if a seat frees up.")
            )
        return redirect("webinars:registration", token=selectors.registration_token(registration))


class RegistrationMixin:
    def get_registration(self):
        return selectors.get_registration_by_token(self.kwargs["token"])


class RegistrationView(RegistrationMixin, View):
    def get(self, request, token):
        registration = self.get_registration()
        webinar = registration.webinar
        position = selectors.waiting_list_position(registration)
        show_join = (
            registration.status == Registration.Status.CONFIRMED
            and webinar.status == Webinar.Status.PUBLISHED
            and not webinar.is_past
        )
        response = render(
            request,
            "webinars/registration.html",
            {
                "registration": registration,
                "webinar": webinar,
                "speakers": webinar.speakers.all(),
                "token": token,
                "position": position,
                "show_join": show_join,
                "can_cancel": registration.status != Registration.Status.CANCELLED
                and webinar.status == Webinar.Status.PUBLISHED
                and not webinar.has_started,
            },
        )
        response["Cache-Control"] = PRIVATE
        return response


class RegistrationCancelView(RegistrationMixin, View):
    def post(self, request, token):
        registration = self.get_registration()
        try:
            services.cancel_registration(registration=registration, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your registration is cancelled. Thank you for letting us know."))
        return redirect("webinars:registration", token=token)


class RegistrationIcsView(RegistrationMixin, View):
    def get(self, request, token):
        registration = self.get_registration()
        if registration.status != Registration.Status.CONFIRMED:
            raise Http404  # the calendar file is for a seat; the waiting list gets it when promoted
        response = _ics_response(ics.registration_ics(registration), f"webinar-{registration.webinar_id}.ics")
        response["Cache-Control"] = PRIVATE
        return response


# Portal admins --------------------------------------------------------------------------------------------------


class AdminMixin(StaffPermissionMixin):
    permission_required = "webinars.manage_webinars"

    def get_webinar(self) -> Webinar:
        return get_object_or_404(Webinar.objects.select_related("series"), pk=self.kwargs["pk"])


class ManageView(AdminMixin, LenientPaginationMixin, ListView):
    template_name = "webinars/manage/list.html"
    context_object_name = "webinars"
    paginate_by = 50

    def get_queryset(self):
        return selectors.webinars_for_admin()

    def get_context_data(self, **kwargs):
        return super().get_context_data(series_list=selectors.series_list(), **kwargs)


class SeriesFormView(AdminMixin, View):
    template_name = "webinars/manage/series_form.html"

    def get_series(self):
        return get_object_or_404(Series, pk=self.kwargs["pk"]) if "pk" in self.kwargs else None

    def get(self, request, pk=None):
        series = self.get_series()
        return render(request, self.template_name, {"form": SeriesForm(instance=series), "series": series})

    @guard_submission
    def post(self, request, pk=None):
        series = self.get_series()
        form = SeriesForm(request.POST, instance=series)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in services.SERIES_FIELDS}
            try:
                if series is None:
                    series = services.create_series(by=request.user, **data)
                else:
                    series = services.update_series(series=series, by=request.user, **data)
            except services.ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(request, _("The series is saved."))
                return redirect("webinars:manage")
        return render(request, self.template_name, {"form": form, "series": series}, status=400)


class WebinarFormView(AdminMixin, View):
    template_name = "webinars/manage/webinar_form.html"

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        webinar = self.get_webinar()
        if webinar.status == Webinar.Status.CANCELLED:
            raise Http404
        return webinar

    def get(self, request, pk=None):
        webinar = self.get_instance()
        form = WebinarForm(instance=webinar)
        series = clean_param(request.GET.get("series"), max_length=20)
        if webinar is None and series:
            form.initial["series"] = series
        formset = SpeakerFormSet(instance=webinar or Webinar(), prefix="speakers")
        return render(request, self.template_name, {"form": form, "formset": formset, "webinar": webinar})

    @guard_submission
    def post(self, request, pk=None):
        webinar = self.get_instance()
        form = WebinarForm(request.POST, instance=webinar)
        formset = SpeakerFormSet(request.POST, instance=webinar or Webinar(), prefix="speakers")
        if form.is_valid() and formset.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                with transaction.atomic():
                    if webinar is None:
                        webinar = services.create_webinar(by=request.user, speakers=speakers_from(formset), **data)
                    else:
                        webinar = services.update_webinar(
                            webinar=webinar, by=request.user, speakers=speakers_from(formset), **data
                        )
            except services.ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The webinar is saved."))
                return redirect("webinars:manage_detail", pk=webinar.pk)
        return render(request, self.template_name, {"form": form, "formset": formset, "webinar": webinar}, status=400)


class WebinarManageView(AdminMixin, View):
    def get(self, request, pk):
        webinar = self.get_webinar()
        registrations = selectors.registrations_for_admin(webinar)
        paginator = Paginator(registrations, 100)
        page = paginator.get_page(clean_param(request.GET.get("page"), max_length=20))
        return render(
            request,
            "webinars/manage/detail.html",
            {
                "webinar": webinar,
                "speakers": webinar.speakers.all(),
                "counts": selectors.registration_counts(webinar),
                "registrations": page.object_list,
                "page_obj": page,
                "can_publish": Webinar.Status.PUBLISHED in Webinar.TRANSITIONS[webinar.status],
                "can_cancel": Webinar.Status.CANCELLED in Webinar.TRANSITIONS[webinar.status] and not webinar.is_past,
                "can_record": webinar.status != Webinar.Status.CANCELLED and webinar.has_started,
                "can_edit": webinar.status != Webinar.Status.CANCELLED,
            },
        )


class PublishView(AdminMixin, View):
    def post(self, request, pk):
        webinar = self.get_webinar()
        try:
            services.publish_webinar(webinar=webinar, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The webinar is published."))
        return redirect("webinars:manage_detail", pk=webinar.pk)


class _WebinarActionFormView(AdminMixin, View):
    template_name = ""
    form_class = None
    success_message = ""

    def allowed(self, webinar) -> bool:
        return True

    def get(self, request, pk):
        webinar = self.get_webinar()
        if not self.allowed(webinar):
            raise Http404
        return render(request, self.template_name, {"webinar": webinar, "form": self.form_class()})

    def post(self, request, pk):
        webinar = self.get_webinar()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.act(webinar, form.cleaned_data)
            except services.ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, self.success_message())
                return redirect("webinars:manage_detail", pk=webinar.pk)
        return render(request, self.template_name, {"webinar": webinar, "form": form}, status=400)


class CancelWebinarView(_WebinarActionFormView):
    template_name = "webinars/manage/cancel.html"
    form_class = CancelWebinarForm

    def allowed(self, webinar):
        return webinar.status != Webinar.Status.CANCELLED and not webinar.is_past

    def act(self, webinar, data):
        services.cancel_webinar(webinar=webinar, by=self.request.user, message=data["message"])

    def success_message(self):
        return _("The webinar is cancelled and the registrants are being told.")


class RecordingView(_WebinarActionFormView):
    template_name = "webinars/manage/recording.html"
    form_class = RecordingForm

    def allowed(self, webinar):
        return webinar.status != Webinar.Status.CANCELLED and webinar.has_started

    def get(self, request, pk):
        webinar = self.get_webinar()
        if not self.allowed(webinar):
            raise Http404
        form = self.form_class(initial={"recording_url": webinar.recording_url})
        return render(request, self.template_name, {"webinar": webinar, "form": form})

    def act(self, webinar, data):
        services.add_recording(webinar=webinar, by=self.request.user, recording_url=data["recording_url"])

    def success_message(self):
        return _("The recording link is saved.")


class AdminCancelRegistrationView(AdminMixin, View):
    def post(self, request, pk):
        registration = get_object_or_404(Registration, pk=pk)
        try:
            services.cancel_registration(registration=registration, by=request.user)
        except services.ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The registration of %(name)s is cancelled.") % {"name": registration.name})
        return redirect("webinars:manage_detail", pk=registration.webinar_id)


class RegistrationsCsvView(AdminMixin, View):
    def get(self, request, pk):
        webinar = self.get_webinar()
        header = [
            _("Name"),
            _("Email address"),
            _("Organisation"),
            _("Status"),
            pgettext("registration time", "Registered"),
            _("Confirmed"),
            pgettext("registration", "Cancelled"),
        ]
        local = timezone.get_current_timezone()

        def stamp(value):
            return value.astimezone(local).strftime("%Y-%m-%d %H:%M") if value else ""

        rows = (
            (
                registration.name,
                registration.email,
                registration.organisation,
                registration.get_status_display(),
                stamp(registration.queued_at),  # when the current registration was made (also after re-registering)
                stamp(registration.confirmed_at),
                stamp(registration.cancelled_at),
            )
            for registration in selectors.registrations_for_admin(webinar)
        )
        return csv_response(filename=f"registrations-webinar-{webinar.pk}.csv", header=header, rows=rows)
