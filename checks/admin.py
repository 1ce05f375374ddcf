"""Read-mostly admin for support: applications, reviews and decisions change only through the portal's pages and
services (state machine, budget lock, decision letter), and a call is published and budgeted on its own page."""

from django.contrib import admin

from portal.admin import PortalAdminAccess, ReadOnlyAdmin

from .models import Application, Criterion, Decision, GrantCall, Review, Track


class TrackInline(PortalAdminAccess, admin.TabularInline):
    model = Track
    extra = 0


class CriterionInline(PortalAdminAccess, admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(GrantCall)
class GrantCallAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["name", "reference_number", "status", "opens_on", "closes_on", "total_budget"]
    inlines = [TrackInline, CriterionInline]

    def get_readonly_fields(self, request, obj=None):
        # Once the call exists, its budget changes only through services.save_call (never below the sum granted).
        return ["status", "published_at", "created_by", *(["total_budget"] if obj is not None else [])]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "organisation", "call", "state", "requested_amount"]
    list_filter = ["state", "call"]
    search_fields = ["reference", "title", "organisation__name"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "handler", "recommendation", "weighted_score"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "outcome", "granted_amount", "decided_by", "decided_at"]
