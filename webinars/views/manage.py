"""Portal admins' pages: series and webinars, their states, recordings and registrations."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.generic import ListView

from portal.csv_export import csv_response
from portal.query import LenientPaginationMixin, clean_param
from portal.submission import guard_submission
from portal.views.access import PermissionView, form_error, message_error

from .. import selectors, services
from ..forms import CancelWebinarForm, RecordingForm, SeriesForm, SpeakerFormSet, WebinarForm, speakers_from
from ..models import Webinar


class AdminView(PermissionView):
    """A portal admin's page.

    Other roles get 403, as on every staff page. A portal admin asking for an action that the webinar's
    state does not allow now (editing a cancelled webinar, the recording form before the start) gets 404:
    for that webinar the page does not exist.
    """

    role_required = "webinars.manage_webinars"
    permission_required = "webinars.manage_webinars"

    def permission_denied(self):
        raise Http404


class WebinarAdminView(AdminView):
    def get_object(self):
        return selectors.get_webinar_to_manage(self.kwargs["pk"])


class ManageView(AdminView, LenientPaginationMixin, ListView):
    template_name = "webinars/manage/list.html"
    context_object_name = "webinars"
    paginate_by = 50

    def get_queryset(self):
        return selectors.webinars_for_admin()

    def get_context_data(self, **kwargs):
        return super().get_context_data(series_list=selectors.series_list(), **kwargs)


# Series ---------------------------------------------------------------------------------------------------------


class _SeriesFormView(AdminView):
    template_name = "webinars/manage/series_form.html"

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, {"form": form, "series": self.object}, status=status)

    def get(self, request, pk=None):
        return self.render_form(SeriesForm(instance=self.object))

    @guard_submission
    def post(self, request, pk=None):
        form = SeriesForm(request.POST, instance=self.object)
        if form.is_valid():
            try:
                self.save(form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The series is saved."))
                return redirect("webinars:manage")
        return self.render_form(form, status=400)


class SeriesCreateView(_SeriesFormView):
    permission_required = "webinars.add_series"

    def save(self, data):
        return services.create_series(by=self.request.user, **data)


class SeriesEditView(_SeriesFormView):
    permission_required = "webinars.change_series"

    def get_object(self):
        return selectors.get_series_to_manage(self.kwargs["pk"])

    def save(self, data):
        return services.update_series(series=self.object, by=self.request.user, **data)


# Webinars -------------------------------------------------------------------------------------------------------


class _WebinarFormView(AdminView):
    template_name = "webinars/manage/webinar_form.html"

    def render_form(self, form, formset, status=200):
        context = {"form": form, "formset": formset, "webinar": self.object}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk=None):
        form = WebinarForm(instance=self.object)
        series = clean_param(request.GET.get("series"), max_length=20)
        if self.object is None and series:
            form.initial["series"] = series
        return self.render_form(form, SpeakerFormSet(instance=self.object or Webinar(), prefix="speakers"))

    @guard_submission
    def post(self, request, pk=None):
        form = WebinarForm(request.POST, instance=self.object)
        formset = SpeakerFormSet(request.POST, instance=self.object or Webinar(), prefix="speakers")
        if form.is_valid() and formset.is_valid():
            try:
                webinar = self.save(form.cleaned_data, speakers_from(formset))
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The webinar is saved."))
                return redirect("webinars:manage_detail", pk=webinar.pk)
        return self.render_form(form, formset, status=400)


class WebinarCreateView(_WebinarFormView):
    permission_required = "webinars.add_webinar"

    def save(self, data, speakers):
        return services.create_webinar(by=self.request.user, speakers=speakers, **data)


class WebinarEditView(_WebinarFormView, WebinarAdminView):
    permission_required = "webinars.change_webinar"

    def save(self, data, speakers):
        return services.update_webinar(webinar=self.object, by=self.request.user, speakers=speakers, **data)


class WebinarManageView(WebinarAdminView):
    def get(self, request, pk):
        webinar = self.object
        paginator = Paginator(selectors.registrations_for_admin(webinar), 100)
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
            },
        )


class PublishView(WebinarAdminView):
    # A one-button action: a stale page (already published, cancelled) gets the service's reason as a message.
    def post(self, request, pk):
        try:
            services.publish_webinar(webinar=self.object, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The webinar is published."))
        return redirect("webinars:manage_detail", pk=pk)


class _WebinarActionFormView(WebinarAdminView):
    template_name = ""
    form_class = None
    success_message = ""

    def initial(self) -> dict:
        return {}

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, {"webinar": self.object, "form": form}, status=status)

    def get(self, request, pk):
        return self.render_form(self.form_class(initial=self.initial()))

    def post(self, request, pk):
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                self.act(**form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, str(self.success_message))
                return redirect("webinars:manage_detail", pk=pk)
        return self.render_form(form, status=400)


class CancelWebinarView(_WebinarActionFormView):
    permission_required = "webinars.cancel_webinar"
    template_name = "webinars/manage/cancel.html"
    form_class = CancelWebinarForm
    success_message = gettext_lazy("The webinar is cancelled and the registrants are being told.")

    def act(self, *, message):
        services.cancel_webinar(webinar=self.object, by=self.request.user, message=message)


class RecordingView(_WebinarActionFormView):
    permission_required = "webinars.record_webinar"
    template_name = "webinars/manage/recording.html"
    form_class = RecordingForm
    success_message = gettext_lazy("The recording link is saved.")

    def initial(self):
        return {"recording_url": self.object.recording_url, "captioned": self.object.recording_captioned}

    def render_form(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"webinar": self.object, "form": form, "has_caption_file": bool(self.object.recording_captions)},
            status=status,
        )

    def act(self, *, recording_url, captioned, captions_file, remove_captions):
        services.add_recording(
            webinar=self.object,
            by=self.request.user,
            recording_url=recording_url,
            captioned=captioned,
            captions=captions_file,
            remove_captions=remove_captions,
        )


# Registrations --------------------------------------------------------------------------------------------------


class AdminCancelRegistrationView(AdminView):
    # A one-button action, as PublishView: the rule (rules.registration_can_be_cancelled) is the service's.
    def get_object(self):
        return selectors.get_registration_to_manage(self.kwargs["pk"])

    def post(self, request, pk):
        registration = self.object
        try:
            services.cancel_registration(registration=registration, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The registration of %(name)s is cancelled.") % {"name": registration.name})
        return redirect("webinars:manage_detail", pk=registration.webinar_id)


class RegistrationsCsvView(WebinarAdminView):
    permission_required = "webinars.view_registrations"

    def get(self, request, pk):
        webinar = self.object
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
