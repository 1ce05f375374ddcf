"""Reads for the portal core. Every object a user reaches goes through a scoped helper."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from .compiled import CompiledQuery
from .models import AuditEntry, IdentityDispute, Invitation, JoinRequest, Membership, Organisation


def memberships_for(user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name")


_memberships = CompiledQuery(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("organisation__name", "pk")
    ),
    "user_id",
)


def memberships_list(user) -> list[Membership]:
    """`memberships_for` as a list, in one query compiled once per process (portal.compiled): what the dashboard's
    organisation panel lists on every signed-in person's dashboard."""
    return _memberships.instances(user_id=user.pk)


def default_organisation_for(user):
    membership = memberships_for(user).first()
    return membership.organisation if membership else None


def second_factor_types() -> tuple[str, ...]:
    """The allauth authenticator types that count as a second factor in the staff rule: an authenticator app (TOTP)
    or a WebAuthn key. Recovery codes do not: they only stand in for one of these."""
    from allauth.mfa.models import Authenticator

    return (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


@dataclass
class SignedInContext:
    """What every signed-in request needs about its user besides the user row, read in the same query."""

    organisation: Organisation | None  # the organisation acted for: the chosen one if still a member, else the default
    chosen_is_member: bool  # False when an organisation was chosen and the user no longer belongs to it
    group_names: set[str] | None  # None where the database cannot aggregate them in the same query
    has_second_factor: bool  # a TOTP authenticator or a WebAuthn key (passkey): second_factor_types()
    org_roles: dict[int, str] | None = None  # {organisation id: role} of every membership (rules.org_roles); as above
    permission_names: set[str] | None = None  # Django's model permissions, own and the groups' (ModelBackend); as above


_ORGANISATION_FIELDS = [field.attname for field in Organisation._meta.concrete_fields]


def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _signed_in_queryset(user_id, chosen_id):
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group

    user_model = get_user_model()
    default = Subquery(
        Membership.objects.filter(user_id=OuterRef("pk")).order_by("organisation__name").values("organisation_id")[:1]
    )
    annotations = {
        "has_second_factor": Exists(
            Authenticator.objects.filter(user_id=OuterRef("pk"), type__in=second_factor_types())
        ),
    }
    if chosen_id is not None:
        chosen_member = Exists(Membership.objects.filter(user_id=OuterRef("pk"), organisation_id=chosen_id))
        annotations["chosen_is_member"] = chosen_member
        acting_for = Case(When(chosen_member, then=Value(chosen_id)), default=default, output_field=BigIntegerField())
    else:
        acting_for = default
    if connections[user_model._base_manager.db].vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        annotations["group_names"] = ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name"))
        memberships = Membership.objects.filter(user_id=OuterRef("pk")).order_by("organisation_id")
        annotations["membership_organisations"] = ArraySubquery(memberships.values("organisation_id"))
        annotations["membership_roles"] = ArraySubquery(memberships.values("role"))
        # Django's model permissions, own and through groups, as ModelBackend reads them ("app_label.codename"): a
        # `has_perm` that the rules answer False goes on to ModelBackend, which would read them with two queries.
        # Two subqueries, each walking from the user's own rows by index: one over both relations (an OR across two
        # joins) read every permission row on each request.
        dotted = Concat("permission__content_type__app_label", Value("."), "permission__codename")
        own = user_model.user_permissions.through.objects.filter(user_id=OuterRef("pk"))
        through_groups = Group.permissions.through.objects.filter(group__user=OuterRef("pk"))
        annotations["own_permission_names"] = ArraySubquery(own.values(dotted=dotted))
        annotations["group_permission_names"] = ArraySubquery(through_groups.values(dotted=dotted))
    organisation = FilteredRelation("memberships__organisation", condition=Q(memberships__organisation__id=acting_for))
    return (
        user_model._base_manager.filter(pk=user_id)
        .annotate(acting_for=organisation, **annotations)
        .order_by(F("acting_for__id").asc(nulls_last=True))  # one row per membership; the matching one first
        .values(
            *_user_fields(),
            *annotations,
            *(f"acting_for__{name}" for name in _ORGANISATION_FIELDS),
        )[:1]
    )


# The query of `signed_in_user`, compiled once per process (portal.compiled): building it is most of its cost (a join
# through a filtered relation and some forty columns). One for each shape: with a chosen organisation and without.
_signed_in = {
    False: CompiledQuery(lambda user_id: _signed_in_queryset(user_id, None), "user_id"),
    True: CompiledQuery(_signed_in_queryset, "user_id", "chosen_id"),
}


def signed_in_user(user_id, chosen=None) -> tuple[object | None, SignedInContext | None]:
    """The user's row and what every signed-in request needs besides it, in one query: `(user, context)`, or
    `(None, None)` when there is no such user. Used by portal.middleware.AuthenticationMiddleware in place of the
    backend's `get_user` (the same row by its key: the portal's user manager filters nothing, so the base manager
    used here and the default manager ModelBackend uses read the same rows).

    The organisation acted for follows the rules of `organisation_for_user` (the chosen organisation only while the
    user is a member of it) and `default_organisation_for` (otherwise the first membership by organisation name);
    its row is joined to the user's (`FilteredRelation`) so it costs no query of its own. Group names and the
    memberships' roles are read in the same query on PostgreSQL only (arrays); elsewhere they are None and read when
    first needed.
    """
    try:
        chosen_id = int(chosen) if chosen not in (None, "") else None
    except (TypeError, ValueError):
        chosen_id = -1  # no organisation has it: treated as one the user does not belong to
    user_model = get_user_model()
    alias = router.db_for_read(user_model)
    values = {"user_id": user_id} if chosen_id is None else {"user_id": user_id, "chosen_id": chosen_id}
    found = _signed_in[chosen_id is not None].rows(using=alias, **values)
    if not found:
        return None, None
    row = found[0]
    fields = _user_fields()
    user = user_model.from_db(alias, fields, [row[name] for name in fields])
    organisation = None
    if row["acting_for__id"] is not None:
        values = [row[f"acting_for__{name}"] for name in _ORGANISATION_FIELDS]
        organisation = Organisation.from_db(alias, _ORGANISATION_FIELDS, values)
    group_names = row.get("group_names")
    organisations, roles = row.get("membership_organisations"), row.get("membership_roles")
    context = SignedInContext(
        organisation=organisation,
        chosen_is_member=bool(row.get("chosen_is_member", True)),
        group_names=set(group_names) if group_names is not None else None,
        has_second_factor=bool(row["has_second_factor"]),
        org_roles=dict(zip(organisations, roles, strict=True)) if organisations is not None else None,
        permission_names=_permission_names(row),
    )
    return user, context


def _permission_names(row) -> set[str] | None:
    own, of_groups = row.get("own_permission_names"), row.get("group_permission_names")
    if own is None or of_groups is None:
        return None
    return {*own, *of_groups}


def signed_in_context(user, chosen=None) -> SignedInContext:
    """What `signed_in_user` reads besides the user's row, for a user already loaded."""
    _user, context = signed_in_user(user.pk, chosen)
    if context is None:
        return SignedInContext(organisation=None, chosen_is_member=False, group_names=None, has_second_factor=False)
    return context


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
