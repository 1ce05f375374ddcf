from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Attachment, AuditEntry, Invitation, Membership, Organisation, OutboxMessage, User
from .rules import is_portal_admin

# Sign-in goes through allauth, with its two-factor step and rate limits: the admin's own password form would skip both.
admin.site.login = secure_admin_login(admin.site.login)


class PortalAdminAccess:
    """Portal admins run the Django admin: they may view, add and change every model registered with this mixin.

    The `rules` permissions of the models answer for portal users acting on objects and say no to a model-wide
    question, so the admin asks here instead. Deleting stays with superusers: domain objects change state
    through services, and their history is kept.
    """

    def has_module_permission(self, request):
        return is_portal_admin(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_portal_admin(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return is_portal_admin(request.user) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_portal_admin(request.user) or super().has_change_permission(request, obj)


class ReadOnlyAdmin(PortalAdminAccess, admin.ModelAdmin):
    """For rows that only services write: portal admins may look, nobody adds, changes or deletes here."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(PortalAdminAccess, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "language")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers; portal admins manage groups (handlers, portal_admins).
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "is_superuser"]


class MembershipInline(PortalAdminAccess, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["name", "kind", "org_number", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "org_number"]
    inlines = [MembershipInline]
    readonly_fields = ["verified_by", "verified_at"]


@admin.register(Invitation)
class InvitationAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "accepted_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "description"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(PortalAdminAccess, admin.ModelAdmin):
    list_display = ["filename", "mime_type", "size", "content_type", "object_id", "created_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Which jobs waited for the broker, how often they were tried and why they failed."""

    list_display = ["id", "task", "created", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["task", "last_error"]
    readonly_fields = ["task", "kwargs", "created", "sent_at", "attempts", "last_error"]
