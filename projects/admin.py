"""Needs and calls in the Django admin: portal admins see what the public sees, nothing more.

Draft needs, unpublished calls, company responses, questions (their askers stay anonymous) and interest profiles
are the organisations' own: the portal shows them to nobody else, so neither does the admin (superusers only,
audited; see portal/admin.py).
"""

from django.contrib import admin

from portal.admin import PortalModelAdmin, PortalStackedInline

from .models import Call, CallAlert, CpvCode, InterestProfile, MarketGapAssessment, Need, Question, Response
from .selectors import public_calls, published_needs
from .services import update_search_vectors


@admin.register(CpvCode)
class CpvCodeAdmin(PortalModelAdmin):
    portal_admins_may_view = True
    list_display = ["code", "check_digit", "label", "label_sv"]
    search_fields = ["code", "label", "label_sv"]


class AssessmentInline(PortalStackedInline):
    # Earlier versions are the buyer's own history: superusers only.
    model = MarketGapAssessment
    extra = 0
    readonly_fields = ["version", "suggested_procedure", "author", "created_at"]


@admin.register(Need)
class NeedAdmin(PortalModelAdmin):
    portal_admins_may_view = True
    list_display = ["title", "organisation", "stage", "visibility", "updated_at"]
    list_filter = ["visibility", "stage", "category"]
    search_fields = ["title", "summary", "organisation__name"]
    raw_id_fields = ["organisation", "author"]
    filter_horizontal = ["cpv_codes"]
    inlines = [AssessmentInline]

    def visible_to_portal_admins(self, queryset):
        return queryset.filter(pk__in=published_needs().values("pk"))

    def save_related(self, request, form, formsets, change):
        # A superuser's repair keeps the search index current, as the portal's pages do (after the CPV codes,
        # which are saved with the related objects, so their labels are indexed too).
        super().save_related(request, form, formsets, change)
        update_search_vectors(need=form.instance)


@admin.register(Call)
class CallAdmin(PortalModelAdmin):
    portal_admins_may_view = True
    list_display = ["title", "need", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "need__title"]
    raw_id_fields = ["need", "created_by"]
    readonly_fields = ["status", "published_at", "opened_at", "closed_at", "alerts_sent_at"]

    def visible_to_portal_admins(self, queryset):
        return queryset.filter(pk__in=public_calls().values("pk"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        update_search_vectors(call=obj)


@admin.register(Response)
class ResponseAdmin(PortalModelAdmin):
    list_display = ["call", "organisation", "status", "trl", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["call", "organisation", "author"]
    readonly_fields = ["status", "submitted_at", "withdrawn_at"]


@admin.register(Question)
class QuestionAdmin(PortalModelAdmin):
    list_display = ["call", "organisation", "status", "created_at", "answered_at", "published_at"]
    list_filter = ["status"]
    raw_id_fields = ["call", "organisation", "asked_by", "answered_by"]
    readonly_fields = ["status", "published_at", "rejected_at", "corrected_at", "earlier_answers"]


@admin.register(InterestProfile)
class InterestProfileAdmin(PortalModelAdmin):
    list_display = ["organisation", "keywords", "updated_at"]
    raw_id_fields = ["organisation", "updated_by"]
    filter_horizontal = ["cpv_codes"]


@admin.register(CallAlert)
class CallAlertAdmin(PortalModelAdmin):
    list_display = ["call", "user", "sent_at"]
    raw_id_fields = ["call", "user"]
