from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.admin import PortalAdminAccess
from portal.services import ServiceError

from . import selectors, services
from .models import Registration, Series, Speaker, Webinar


@admin.register(Series)
class SeriesAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


class SpeakerInline(PortalAdminAccess, admin.TabularInline):
    model = Speaker
    extra = 1


class RegistrationInline(PortalAdminAccess, admin.TabularInline):
    model = Registration
    extra = 0
    can_delete = False
    fields = ["name", "email", "organisation", "status", "created_at", "reminder_sent_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class WebinarAdminForm(forms.ModelForm):
    class Meta:
        model = Webinar
        fields = [*services.WEBINAR_FIELDS]

    def clean(self):
        cleaned = super().clean()
        recording_url, starts_at = cleaned.get("recording_url"), cleaned.get("starts_at")
        if recording_url and "recording_url" in self.changed_data and starts_at and starts_at > timezone.now():
            self.add_error("recording_url", _("A recording can be added once the webinar has started."))
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity is not None:
            taken = selectors.confirmed_count(self.instance)
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _("%(n)s people already have a seat; the capacity cannot be lower than that.") % {"n": taken},
                )
        return cleaned


@admin.register(Webinar)
class WebinarAdmin(PortalAdminAccess, admin.ModelAdmin):
    form = WebinarAdminForm
    list_display = ["title", "series", "starts_at", "status", "capacity"]
    list_filter = ["status", "series"]
    search_fields = ["title", "theme"]
    date_hierarchy = "starts_at"
    inlines = [SpeakerInline, RegistrationInline]
    # Status changes go through the services (audit, mails): use the actions or the portal's pages.
    readonly_fields = [
        "status",
        "cancellation_message",
        "published_at",
        "cancelled_at",
        "recording_published_at",
        "sequence",
        "created_by",
        "created_at",
        "updated_at",
    ]
    actions = ["publish"]

    @admin.action(description=_("Publish the selected webinars"))
    def publish(self, request, queryset):
        for webinar in queryset:
            try:
                services.publish_webinar(webinar=webinar, by=request.user)
            except ServiceError as error:
                self.message_user(request, f"{webinar}: {error.message}", messages.ERROR)

    def has_change_permission(self, request, obj=None):
        # Pass the object on, so that the rule "cancelled webinars cannot be changed" applies here too.
        return request.user.has_perm("webinars.change_webinar", obj)

    def save_model(self, request, obj, form, change):
        """Save through the services, so a new time or a larger capacity mails registrants as in the portal."""
        data = {name: form.cleaned_data[name] for name in services.WEBINAR_FIELDS if name in form.cleaned_data}
        # A new recording link goes through add_recording, as in the portal: audit row and mail to the registrants.
        recording_url = ""
        if "recording_url" in form.changed_data and data.get("recording_url"):
            recording_url = data.pop("recording_url")
        if change:
            saved = services.update_webinar(webinar=obj, by=request.user, **data)
        else:
            saved = services.create_webinar(by=request.user, **data)
        if recording_url:
            saved = services.add_recording(webinar=saved, by=request.user, recording_url=recording_url)
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(Registration)
class RegistrationAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["name", "email", "webinar", "status", "created_at", "reminder_sent_at"]
    list_filter = ["status", "webinar"]
    search_fields = ["name", "email", "organisation"]
    readonly_fields = [
        "webinar",
        "user",
        "status",
        "secret",
        "consent_at",
        "created_at",
        "queued_at",
        "confirmed_at",
        "cancelled_at",
        "reminder_sent_at",
        "anonymised_at",
    ]
    actions = ["cancel"]

    def has_add_permission(self, request):
        return False  # people register on the portal (consent, mails, waiting list)

    @admin.action(description=_("Cancel the selected registrations"))
    def cancel(self, request, queryset):
        for registration in queryset:
            try:
                services.cancel_registration(registration=registration, by=request.user)
            except ServiceError as error:
                self.message_user(request, f"{registration}: {error.message}", messages.ERROR)
