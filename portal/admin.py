"""The Django admin: read-only for portal admins, a break-glass tool for superusers, and every change audited.

The portal's own pages change state through services (verification, memberships, grant calls, webinars …) and
write their audit rows. The admin must not be a way around them, so every ModelAdmin and inline here derives from
`PortalModelAdmin` / `PortalInline` (a test checks the whole registry):

- portal admins (group `portal_admins`, staff) may only *view*, and only the models whose admin sets
  `portal_admins_may_view` — what they need to operate. A model admin may narrow the rows they see with
  `visible_to_portal_admins` (published needs, submitted applications …): company responses, drafts and
  attachments are no more visible here than on the portal's pages;
- superusers may still add, change and delete (break glass), and each of those is written to the audit log
  (`AuditAction.ADMIN_ADD`, `ADMIN_CHANGE`, `ADMIN_DELETE`, `ADMIN_ACTION`; details: the model and the names of
  the changed fields, or the action) next to Django's own LogEntry; nobody else gets any admin action;
- everybody else gets nothing, whatever Django permissions their groups hold.
"""

import dataclasses

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.decorators import secure_admin_login
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.socialaccount import admin as socialaccount_admin  # noqa: F401  (registers what is unregistered below)
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .audit import AuditAction
from .models import Attachment, AuditEntry, Invitation, Mail, Membership, Organisation, OutboxMessage, User
from .rules import is_portal_admin
from .services import write_audit

# Sign-in goes through allauth, with its two-factor step and rate limits: the admin's own password form would skip both.
admin.site.login = secure_admin_login(admin.site.login)


def is_superuser(request) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def _audit(request, event: AuditAction, obj, **details) -> None:
    """One audit row about `obj`: the model ("app_label.model") and what was done to it."""
    write_audit(actor=request.user, action=event, obj=obj, details={"model": obj._meta.label_lower, **details})


def _audited(action):
    """The action's function, writing an audit row for each selected object first."""

    def audited(modeladmin, request, queryset):
        for obj in queryset:
            _audit(request, AuditAction.ADMIN_ACTION, obj, action=action.name)
        return action.func(modeladmin, request, queryset)

    return audited


class PortalAdminRules:
    """Who may do what in the Django admin (see the module's docstring)."""

    portal_admins_may_view = False

    def _portal_admin_may_view(self, request) -> bool:
        return self.portal_admins_may_view and is_portal_admin(request.user)

    def has_module_permission(self, request):
        return is_superuser(request) or self._portal_admin_may_view(request)

    def has_view_permission(self, request, obj=None):
        return is_superuser(request) or self._portal_admin_may_view(request)

    def has_add_permission(self, request, *args):
        return is_superuser(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return is_superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request) and super().has_delete_permission(request, obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if is_superuser(request) else self.visible_to_portal_admins(queryset)

    def visible_to_portal_admins(self, queryset):
        """The rows a portal admin may look at; all of them unless a model admin says otherwise."""
        return queryset


class AuditedAdmin(PortalAdminRules):
    """Every add, change (inlines and password included) and delete made in the admin gets an audit row.

    Django's admin calls these hooks for each change it records in its own LogEntry (change form with its
    inlines, list editing, "delete selected", the add-user and password pages), inside the change's transaction
    where the admin opens one; other actions are wrapped by get_actions.
    """

    # Form fields that set a model field of another name (the password forms): audited under the model's field.
    audit_field_names: dict[str, str] = {}

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's message for its LogEntry (each log_addition / log_change follows its own call); the names
        of the changed fields, and of the inlines with changed rows, are kept for the audit row."""
        names = [self.audit_field_names.get(name, name) for name in form.changed_data]
        for formset in formsets or []:
            if formset.new_objects or formset.changed_objects or formset.deleted_objects:
                fk = getattr(formset, "fk", None)
                names.append(fk.remote_field.name if fk is not None else formset.model._meta.model_name)
        request._audit_fields = list(dict.fromkeys(names))
        return super().construct_change_message(request, form, formsets, add)

    @staticmethod
    def _changed_fields(request) -> list[str]:
        return request.__dict__.pop("_audit_fields", [])

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        _audit(request, AuditAction.ADMIN_ADD, obj, fields=self._changed_fields(request))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        _audit(request, AuditAction.ADMIN_CHANGE, obj, fields=self._changed_fields(request))
        return entry

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        """No actions for anybody but superusers; theirs are audited per object before they run ("delete
        selected" audits itself, through log_deletions)."""
        if not is_superuser(request):
            return {}
        actions = super().get_actions(request, action_location=action_location)
        return {
            name: action if name == "delete_selected" else dataclasses.replace(action, func=_audited(action))
            for name, action in actions.items()
        }

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            _audit(request, AuditAction.ADMIN_DELETE, obj)
        return entries


class PortalModelAdmin(AuditedAdmin, admin.ModelAdmin):
    """The base of every ModelAdmin in the project."""


class PortalInline(PortalAdminRules):
    """The base of every inline: it follows the same rules as its ModelAdmin (changes are logged by the parent)."""


class PortalTabularInline(PortalInline, admin.TabularInline):
    pass


class PortalStackedInline(PortalInline, admin.StackedInline):
    pass


class ReadOnlyAdmin(PortalModelAdmin):
    """For rows that only services write: portal admins may look, nobody adds, changes or deletes here."""

    portal_admins_may_view = True

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Accounts change on the portal's pages (allauth: email, password, two factors). Portal admins may look a
    person up; only a superuser adds users, sets passwords, staff status and groups here (audited)."""

    portal_admins_may_view = True
    audit_field_names = {"password1": "password", "password2": "password", "usable_password": "password"}
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if is_superuser(request) or obj is None:
            return fieldsets
        # Not even the hash's summary for anybody else.
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f != "password"]}) for name, opts in fieldsets]


class MembershipInline(PortalTabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    portal_admins_may_view = True


@admin.register(Organisation)
class OrganisationAdmin(PortalModelAdmin):
    """Organisations are verified on the portal's staff pages and their members join by invitation."""

    portal_admins_may_view = True
    list_display = ["name", "kind", "org_number", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "org_number"]
    inlines = [MembershipInline]
    readonly_fields = ["verified_by", "verified_at"]


@admin.register(Invitation)
class InvitationAdmin(PortalModelAdmin):
    portal_admins_may_view = True
    list_display = ["email", "organisation", "role", "created_at", "accepted_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "description"]


@admin.register(Attachment)
class AttachmentAdmin(PortalModelAdmin):
    """Files of needs, calls, company responses and applications: served only by the portal's own views, which
    check who may see their owner; superusers only here."""

    list_display = ["filename", "mime_type", "size", "content_type", "object_id", "created_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Which jobs waited for the broker, how often they were tried and why they failed."""

    list_display = ["id", "task", "created", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter), "task"]
    search_fields = ["task", "last_error"]
    readonly_fields = ["task", "kwargs", "created", "sent_at", "attempts", "last_error"]


@admin.register(Mail)
class MailAdmin(ReadOnlyAdmin):
    """Whether a mail went out, and why not: portal admins see the delivery (address, template, status, tries,
    error), not what the mail says — subject, body and attachments are other people's mail, and some carry a
    personal link (password reset, invitation). Superusers see those too. Nobody changes a row here: the send
    task marks it sent once (portal/mail.py)."""

    DELIVERY = ["to", "language", "template", "key", "status", "attempts", "last_error"]
    TIMES = ["created_at", "updated_at", "sent_at"]
    CONTENT = ["from_email", "subject", "body", "html_body", "headers", "attachment_names"]

    list_display = ["id", "to", "template", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    readonly_fields = DELIVERY + TIMES + CONTENT

    def get_fields(self, request, obj=None):
        return self.DELIVERY + self.TIMES + (self.CONTENT if is_superuser(request) else [])

    def get_search_fields(self, request):
        return ["to", "template", "subject"] if is_superuser(request) else ["to", "template"]

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(attachment["name"] for attachment in obj.attachments) or "-"


# The admins that Django and allauth register themselves follow the same rules: superusers only, audited.
# Importing their modules first registers them, so that they can be replaced here.
admin.site.unregister(Group)
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)
# e-legitimation: the providers come from the environment only and a person links or unlinks an e-ID on their own
# pages (docs/eid.md), so the admin shows none of allauth's social-account models.
admin.site.unregister(SocialApp)
admin.site.unregister(SocialAccount)
admin.site.unregister(SocialToken)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, BaseGroupAdmin):
    pass


@admin.register(EmailAddress)
class EmailAddressAdmin(AuditedAdmin, BaseEmailAddressAdmin):
    pass


@admin.register(Authenticator)
class AuthenticatorAdmin(AuditedAdmin, BaseAuthenticatorAdmin):
    pass
