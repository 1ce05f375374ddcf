"""Grant calls and applications in the Django admin, to look things up: calls are set up and published on the
portal's own pages (checks/manage/), applications, reviews and decisions change only through the services (state
machine, budget lock, decision letter). Drafts are the applicant's own, as on the portal's pages."""

from django.contrib import admin

from portal.admin import PortalModelAdmin, PortalTabularInline, ReadOnlyAdmin

from .models import Application, Criterion, Decision, GrantCall, Review, Track


class FixedRulesInline(PortalTabularInline):
    """Once an application has left the draft state the call's tracks and criteria change only through
    services.save_call (the published rules hold, see docs/checks.md): read-only here, even for superusers."""

    extra = 0
    portal_admins_may_view = True

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and obj.has_fixed_rules) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.has_fixed_rules) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.has_fixed_rules) and super().has_delete_permission(request, obj)


class TrackInline(FixedRulesInline):
    model = Track


class CriterionInline(FixedRulesInline):
    model = Criterion


@admin.register(GrantCall)
class GrantCallAdmin(PortalModelAdmin):
    portal_admins_may_view = True
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

    def visible_to_portal_admins(self, queryset):
        return queryset.exclude(state=Application.State.DRAFT)


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "handler", "recommendation", "weighted_score"]

    def visible_to_portal_admins(self, queryset):
        return queryset.exclude(application__state=Application.State.DRAFT)


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "outcome", "granted_amount", "decided_by", "decided_at"]
