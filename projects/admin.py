"""Read-mostly admin for support: changes of state go through the portal's own pages and services."""

from django.contrib import admin

from portal.admin import PortalAdminAccess

from .models import Call, CallAlert, CpvCode, InterestProfile, MarketGapAssessment, Need, Question, Response
from .services import update_search_vectors


@admin.register(CpvCode)
class CpvCodeAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["code", "check_digit", "label", "label_sv"]
    search_fields = ["code", "label", "label_sv"]


class AssessmentInline(PortalAdminAccess, admin.StackedInline):
    model = MarketGapAssessment
    extra = 0
    readonly_fields = ["version", "suggested_procedure", "author", "created_at"]


@admin.register(Need)
class NeedAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["title", "organisation", "stage", "visibility", "updated_at"]
    list_filter = ["visibility", "stage", "category"]
    search_fields = ["title", "summary", "organisation__name"]
    raw_id_fields = ["organisation", "author"]
    filter_horizontal = ["cpv_codes"]
    inlines = [AssessmentInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        update_search_vectors(need=obj)


@admin.register(Call)
class CallAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["title", "need", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "need__title"]
    raw_id_fields = ["need", "created_by"]
    readonly_fields = ["status", "published_at", "opened_at", "closed_at", "alerts_sent_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        update_search_vectors(call=obj)


@admin.register(Response)
class ResponseAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["call", "organisation", "status", "trl", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["call", "organisation", "author"]
    readonly_fields = ["status", "submitted_at", "withdrawn_at"]


@admin.register(Question)
class QuestionAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["call", "organisation", "created_at", "answered_at"]
    raw_id_fields = ["call", "organisation", "asked_by", "answered_by"]


@admin.register(InterestProfile)
class InterestProfileAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["organisation", "keywords", "updated_at"]
    raw_id_fields = ["organisation", "updated_by"]
    filter_horizontal = ["cpv_codes"]


@admin.register(CallAlert)
class CallAlertAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["call", "user", "sent_at"]
    raw_id_fields = ["call", "user"]
