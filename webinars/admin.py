"""Webinars in the Django admin, to look things up: portal admins create, publish, change and cancel webinars on
the portal's own pages (webinars/manage/), whose services mail the registrants and write the audit rows."""

from django.contrib import admin

from portal.admin import PortalModelAdmin, PortalTabularInline

from .models import Registration, Series, Speaker, Webinar


@admin.register(Series)
class SeriesAdmin(PortalModelAdmin):
    portal_admins_may_view = True
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title"]


class SpeakerInline(PortalTabularInline):
    model = Speaker
    extra = 0
    portal_admins_may_view = True


class RegistrationInline(PortalTabularInline):
    model = Registration
    extra = 0
    can_delete = False
    fields = ["name", "email", "organisation", "status", "created_at", "reminder_sent_at"]
    readonly_fields = fields
    show_change_link = True
    portal_admins_may_view = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Webinar)
class WebinarAdmin(PortalModelAdmin):
    portal_admins_may_view = True
    list_display = ["title", "series", "starts_at", "status", "capacity"]
    list_filter = ["status", "series"]
    search_fields = ["title", "theme"]
    date_hierarchy = "starts_at"
    inlines = [SpeakerInline, RegistrationInline]
    # Status changes go through the services (audit, mails), on the portal's pages.
    readonly_fields = [
        "status",
        "cancellation_message",
        "published_at",
        "cancelled_at",
        "recording_published_at",
        "recording_captions",  # attached through the recording page, where the file is checked
        "sequence",
        "created_by",
        "created_at",
        "updated_at",
    ]


@admin.register(Registration)
class RegistrationAdmin(PortalModelAdmin):
    portal_admins_may_view = True
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

    def has_add_permission(self, request):
        return False  # people register on the portal (consent, mails, waiting list)
