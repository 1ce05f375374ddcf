from django.contrib import admin

from portal.admin import PortalAdminAccess

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


@admin.register(Application)
class ApplicationAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["reference", "title", "organisation", "call", "state", "requested_amount"]
    list_filter = ["state", "call"]
    search_fields = ["reference", "title", "organisation__name"]
    readonly_fields = ["state", "reference", "submitted_at"]


admin.site.register(Review)
admin.site.register(Decision)
