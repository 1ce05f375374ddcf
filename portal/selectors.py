"""Reads for the portal core. Every object a user reaches goes through a scoped helper."""

from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import AuditEntry, IdentityDispute, Invitation, JoinRequest, Membership, Organisation


def memberships_for(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


def default_organisation_for(user):
    membership = memberships_for(user).first()
    return membership.organisation if membership else None


def organisation_for_user(user, organisation_id) -> Organisation | None:
    """The organisation if the user is a member of it, else None."""
    try:
        return Organisation.objects.get(pk=organisation_id, memberships__user=user)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        return None


def get_organisation_for(user, pk) -> Organisation:
    """An organisation the user belongs to (or any, for portal admins); 404 otherwise."""
    from .rules import is_portal_admin

    queryset = Organisation.objects.all()
    if not is_portal_admin(user):
        queryset = queryset.filter(memberships__user=user)
    try:
        return queryset.distinct().get(pk=pk)
    except (Organisation.DoesNotExist, ValueError):
        raise Http404 from None


def get_organisation(pk) -> Organisation:
    """Any organisation, for portal admins' pages (the view checks the permission); 404 if missing."""
    try:
        return Organisation.objects.get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organisations_awaiting_verification() -> QuerySet[Organisation]:
    """Public bodies and companies waiting for a portal admin: new ones, and verified ones that changed their
    name, number or kind (`Organisation.changes_since_verification` says what)."""
    return (
        Organisation.objects.filter(status=Organisation.Status.PENDING)
        .select_related("registered_by")
        .annotate(member_count=Count("memberships"))
        .order_by("created_at")
    )


def organisations_decided(status: str) -> QuerySet[Organisation]:
    """Verified or rejected organisations (`status`), the latest decision first, with who decided and who
    registered them."""
    field = "verified_at" if status == Organisation.Status.VERIFIED else "rejected_at"
    return (
        Organisation.objects.filter(status=status)
        .select_related("verified_by", "rejected_by", "registered_by")
        .order_by(F(field).desc(nulls_last=True), "name")
    )


def organisation_holding(org_number: str) -> Organisation | None:
    """The organisation registered with this (normalised) number, or None."""
    if not org_number:
        return None
    return Organisation.objects.filter(org_number=org_number).first()


def pending_join_requests(organisation) -> QuerySet[JoinRequest]:
    return organisation.join_requests.filter(status=JoinRequest.Status.PENDING).select_related("user")


def get_join_request_for(user, pk) -> JoinRequest:
    """A request to join that the user made, or one to an organisation the user owns; 404 otherwise."""
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER).values("organisation_id")
    try:
        return (
            JoinRequest.objects.select_related("organisation", "user", "decided_by")
            .filter(Q(user=user) | Q(organisation_id__in=owned))
            .get(pk=pk)
        )
    except (JoinRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def open_disputes() -> QuerySet[IdentityDispute]:
    return IdentityDispute.objects.filter(status=IdentityDispute.Status.OPEN).select_related(
        "organisation", "raised_by"
    )


def get_dispute(pk) -> IdentityDispute:
    """Any dispute, for portal admins (the view checks the permission first); 404 if missing."""
    try:
        return IdentityDispute.objects.select_related("organisation", "raised_by", "new_organisation").get(pk=pk)
    except (IdentityDispute.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_membership_for(user, organisation_pk, pk) -> Membership:
    """A membership in an organisation the user belongs to; 404 otherwise (also for portal admins: they do not
    manage other organisations' members)."""
    try:
        return Membership.objects.select_related("user", "organisation").get(
            pk=pk, organisation_id=organisation_pk, organisation__memberships__user=user
        )
    except (Membership.DoesNotExist, ValueError):
        raise Http404 from None


def organisation_members(organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("role", "user__email")


def pending_invitations(organisation) -> QuerySet[Invitation]:
    """Invitations not yet accepted whose link still works (expired ones can no longer be accepted)."""
    from .services import INVITATION_MAX_AGE

    valid_since = timezone.now() - timedelta(seconds=INVITATION_MAX_AGE)
    return organisation.invitations.filter(accepted_at__isnull=True, created_at__gte=valid_since)


def audit_entries(*, action: str = "") -> QuerySet[AuditEntry]:
    """The audit log, optionally of one event (a value with a dot, "call.open") or a group of them ("call")."""
    entries = AuditEntry.objects.select_related("actor", "content_type")
    if "." in action:
        entries = entries.filter(action=action)
    elif action:
        entries = entries.filter(action__startswith=f"{action}.")
    return entries


def audit_entries_for(obj) -> QuerySet[AuditEntry]:
    from django.contrib.contenttypes.models import ContentType

    return audit_entries().filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


def organisation_owners(organisation):
    from .models import User

    return User.objects.filter(memberships__organisation=organisation, memberships__role=Membership.Role.OWNER)
