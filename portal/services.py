"""Writes for the portal core: organisations, memberships, invitations, verification, audit."""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit, dates
from .audit import AuditAction
from .mail import Recipient, send_mail_to
from .models import AuditEntry, Invitation, Membership, Organisation, User
from .orgnr import normalise_org_number
from .rules import forget_org_roles

INVITATION_SALT = "portal.invitation"
INVITATION_MAX_AGE = 60 * 60 * 24 * 14  # two weeks


class ServiceError(Exception):
    """A rule of the domain was broken; the message is shown to the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(ServiceError):
    pass


def require_dates_in_range(**values) -> None:
    """Refuse a date or date-time outside `portal.dates`' range (EARLIEST–LATEST); the error names the field.

    Services call this before they compare or save dates, since they can be called from elsewhere than a form.
    """
    for field, value in values.items():
        if not dates.is_in_range(value):
            raise ServiceError(dates.out_of_range_message(), field=field)


def write_audit(*, actor, action: AuditAction, obj=None, details: dict | None = None) -> AuditEntry:
    """Write one audit row. Called by services for every state change, verification and decision.

    `action` must be an AuditAction (a free string raises TypeError); `details` holds plain values
    (ids, state values, amounts, versions), never personal data. See portal/audit.py.
    """
    if not isinstance(action, AuditAction):
        raise TypeError(f"write_audit needs an AuditAction, not {action!r}.")
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action.value,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=audit.object_repr(obj),
        details=details or {},
    )


DUPLICATE_ORG_NUMBER = _("An organisation with this number is already registered.")


@transaction.atomic
def create_organisation(
    *, by: User, kind: str, name: str, org_number: str, address: str = "", website: str = ""
) -> Organisation:
    """Create an organisation with `by` as owner. Every organisation, companies too, starts unverified (pending)
    and waits in the verification queue. A number already held is refused; the person may instead ask to join the
    holder or dispute its number (portal/organisations.py).

    Side effects: an owner membership, an audit row.
    """
    number = normalise_org_number(org_number)
    if Organisation.objects.filter(org_number=number).exists():
        raise ServiceError(DUPLICATE_ORG_NUMBER, field="org_number")
    try:
        # A savepoint: the same number registered at the same moment (another tab) breaks the unique
        # constraint; the outer transaction stays usable and nothing is saved.
        with transaction.atomic():
            organisation = Organisation.objects.create(
                kind=kind,
                name=name,
                org_number=number,
                address=address,
                website=website,
                status=Organisation.Status.PENDING,
                registered_by=by,
            )
    except IntegrityError:
        raise ServiceError(DUPLICATE_ORG_NUMBER, field="org_number") from None
    Membership.objects.create(user=by, organisation=organisation, role=Membership.Role.OWNER)
    forget_org_roles(by)
    write_audit(actor=by, action=AuditAction.ORGANISATION_CREATED, obj=organisation, details={"kind": kind})
    return organisation


def _owners(organisation):
    return list(User.objects.filter(memberships__organisation=organisation, memberships__role=Membership.Role.OWNER))


@transaction.atomic
def verify_organisation(*, organisation: Organisation, by: User) -> Organisation:
    """Mark an organisation (public body or company) verified, also again after a change of name, number or kind.

    Records what was verified (name, number, kind). Side effects: audit row (with what changed since the last
    verification), mail to its owners.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_verified:
        raise InvalidTransition(_("The organisation is already verified."))
    if not organisation.org_number:
        raise InvalidTransition(_("The organisation has no organisation number to verify."))
    changes = _identity_changes_since_verification(organisation)
    organisation.status = Organisation.Status.VERIFIED
    organisation.verified_by = by
    organisation.verified_at = timezone.now()
    organisation.rejection_reason = ""
    # What was verified: a later change of any of these sends the organisation back to the queue.
    organisation.verified_name = organisation.name
    organisation.verified_org_number = organisation.org_number
    organisation.verified_kind = organisation.kind
    organisation.save(
        update_fields=[
            "status",
            "verified_by",
            "verified_at",
            "rejection_reason",
            "verified_name",
            "verified_org_number",
            "verified_kind",
        ]
    )
    write_audit(actor=by, action=AuditAction.ORGANISATION_VERIFIED, obj=organisation, details=changes)
    owners = _owners(organisation)
    # Queued in this transaction (portal/mail.py): the mail server is never asked during the request.
    send_mail_to(owners, template="portal/mail/organisation_verified", context={"organisation": organisation})
    return organisation


@transaction.atomic
def reject_organisation(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    """Reject a verification request with a reason. Side effects: audit row, mail with the reason to owners."""
    if not reason.strip():
        raise ServiceError(_("Give a reason; it is sent to the organisation."), field="reason")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.awaits_verification:
        raise InvalidTransition(_("Only organisations awaiting verification can be rejected."))
    organisation.status = Organisation.Status.REJECTED
    organisation.rejection_reason = reason.strip()
    organisation.rejected_by = by
    organisation.rejected_at = timezone.now()
    organisation.save(update_fields=["status", "rejection_reason", "rejected_by", "rejected_at"])
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_REJECTED,
        obj=organisation,
        details={"reason": organisation.rejection_reason},
    )
    owners = _owners(organisation)
    send_mail_to(owners, template="portal/mail/organisation_rejected", context={"organisation": organisation})
    return organisation


@transaction.atomic
def undo_organisation_decision(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    """A portal admin takes back a verification or a rejection (a mistake, new facts): the organisation awaits
    verification again, as if never decided. Its members lose what verification gave until it is verified again.

    Side effects: the decision's stored fields cleared, an audit row with the old status and the reason, a mail
    with the reason to the owners.
    """
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Give a reason; it is sent to the organisation."), field="reason")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not (organisation.is_verified or organisation.is_rejected):
        raise InvalidTransition(_("Only a verification or a rejection can be undone."))
    old_status = organisation.status
    organisation.status = Organisation.Status.PENDING
    organisation.verified_by = None
    organisation.verified_at = None
    organisation.verified_name = organisation.verified_org_number = organisation.verified_kind = ""
    organisation.rejection_reason = ""
    organisation.rejected_by = None
    organisation.rejected_at = None
    organisation.save(
        update_fields=[
            "status",
            "verified_by",
            "verified_at",
            "verified_name",
            "verified_org_number",
            "verified_kind",
            "rejection_reason",
            "rejected_by",
            "rejected_at",
        ]
    )
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_DECISION_UNDONE,
        obj=organisation,
        details={"from": old_status, "to": organisation.status, "reason": reason},
    )
    send_mail_to(
        _owners(organisation),
        template="portal/mail/organisation_decision_undone",
        context={
            "organisation": organisation,
            "was_verified": old_status == Organisation.Status.VERIFIED,
            "reason": reason,
        },
    )
    return organisation


IDENTITY_FIELDS = ("name", "org_number", "kind")


def identity_changes(old: dict, new: dict) -> dict:
    """The audit details of a change of identity: {"name": {"from": old, "to": new}, …} for each field of
    IDENTITY_FIELDS that differs (organisation data, not personal data; None for no number)."""
    return {
        field: {"from": old.get(field) or None, "to": new.get(field) or None}
        for field in IDENTITY_FIELDS
        if (old.get(field) or None) != (new.get(field) or None)
    }


def _identity_changes_since_verification(organisation: Organisation) -> dict:
    """What changed since the last verification, as audit details (nothing for a first verification)."""
    if not organisation.verified_at:
        return {}
    verified = {
        "name": organisation.verified_name,
        "org_number": organisation.verified_org_number,
        "kind": organisation.verified_kind,
    }
    return identity_changes(verified, {field: getattr(organisation, field) for field in IDENTITY_FIELDS})


@transaction.atomic
def update_organisation(
    *,
    organisation: Organisation,
    by: User,
    name: str,
    address: str = "",
    website: str = "",
    org_number: str | None = None,
    kind: str | None = None,
    resubmit: bool = False,
) -> Organisation:
    """An owner changes the organisation's details; `org_number` and `kind` None leave them as they are.

    A verified organisation whose name, number or kind changes is no longer verified: it goes back to the
    verification queue (status pending) until a portal admin confirms the new identity; what it has published
    stays up. With `resubmit` a rejected organisation asks to be verified again (back to pending, the old reason
    cleared). Side effects: audit rows (ORGANISATION_CHANGED, and ORGANISATION_REVERIFICATION, each with the
    identity fields' old → new values, or ORGANISATION_RESUBMITTED).
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    new = {"name": name, "org_number": organisation.org_number, "kind": organisation.kind}
    if org_number is not None:
        new["org_number"] = normalise_org_number(org_number)
    if kind is not None:
        if kind not in Organisation.Kind.values:
            raise ServiceError(_("Choose a kind of organisation."), field="kind")
        new["kind"] = kind
    if (
        new["org_number"] != organisation.org_number
        and Organisation.objects.filter(org_number=new["org_number"]).exclude(pk=organisation.pk).exists()
    ):
        raise ServiceError(DUPLICATE_ORG_NUMBER, field="org_number")
    changes = identity_changes({field: getattr(organisation, field) for field in IDENTITY_FIELDS}, new)
    for field in IDENTITY_FIELDS:
        setattr(organisation, field, new[field])
    organisation.address, organisation.website = address, website
    fields = [*IDENTITY_FIELDS, "address", "website"]
    reverify = bool(changes) and organisation.is_verified
    if resubmit:
        if not organisation.is_rejected:
            raise InvalidTransition(_("Only a rejected organisation can ask to be verified again."))
        if not organisation.org_number:
            raise ServiceError(_("Give the organisation number before you ask to be verified."), field="org_number")
        organisation.status = Organisation.Status.PENDING
        organisation.rejection_reason = ""
        fields += ["status", "rejection_reason"]
    elif reverify:
        organisation.status = Organisation.Status.PENDING
        fields += ["status"]
    try:
        with transaction.atomic():
            organisation.save(update_fields=fields)
    except IntegrityError:  # the same number taken at the same moment (another tab)
        raise ServiceError(DUPLICATE_ORG_NUMBER, field="org_number") from None
    write_audit(actor=by, action=AuditAction.ORGANISATION_CHANGED, obj=organisation, details=changes)
    if reverify:
        write_audit(actor=by, action=AuditAction.ORGANISATION_REVERIFICATION, obj=organisation, details=changes)
    if resubmit:
        write_audit(actor=by, action=AuditAction.ORGANISATION_RESUBMITTED, obj=organisation)
    return organisation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"id": invitation.pk, "email": invitation.email.lower()}, salt=INVITATION_SALT)


@transaction.atomic
def invite_member(
    *, organisation: Organisation, by: User, email: str, role: str = Membership.Role.MEMBER
) -> Invitation:
    """Invite someone by email. Side effects: audit row, mail with a signed link."""
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ServiceError(_("This person is already a member."), field="email")
    # One open invitation per address and organisation; the organisation's row is locked so that two tabs
    # sending the same address at once are served one after the other and the second one sees the first.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        created_at__gt=timezone.now() - timedelta(seconds=INVITATION_MAX_AGE),
    ).exists():
        raise ServiceError(_("This address already has an open invitation to this organisation."), field="email")
    invitation = Invitation.objects.create(organisation=organisation, email=email, role=role, invited_by=by)
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_INVITED,
        obj=organisation,
        details={"invitation": invitation.pk, "role": role},
    )
    link = settings.SITE_URL + reverse("portal:invitation_accept", args=[invitation_token(invitation)])
    existing = User.objects.filter(email__iexact=email).first()
    recipient = Recipient.from_user(existing) if existing else Recipient(email=email, language=by.language)
    send_mail_to(
        [recipient],
        template="portal/mail/invitation",
        context={"organisation": organisation, "invited_by": by, "link": link},
    )
    return invitation


LAST_OWNER = _("An organisation needs at least one owner. Make someone else an owner first.")


def _lock_membership(membership: Membership) -> Membership:
    # The organisation's row first: two owners demoting each other at once are served one after the other,
    # so the second one sees that only one owner is left.
    Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    try:
        return Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise ServiceError(_("This person is no longer a member.")) from None


def _is_last_owner(membership: Membership) -> bool:
    return (
        membership.role == Membership.Role.OWNER
        and not Membership.objects.filter(organisation_id=membership.organisation_id, role=Membership.Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def change_member_role(*, membership: Membership, role: str, by: User) -> Membership:
    """Make a member an owner, or an owner a member; the organisation always keeps one owner.

    Side effects: audit row.
    """
    if role not in Membership.Role.values:
        raise ServiceError(_("Choose a role from the list."), field="role")
    membership = _lock_membership(membership)
    if membership.role == role:
        return membership
    if _is_last_owner(membership):
        raise ServiceError(LAST_OWNER, field="role")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if membership.user_id == by.pk:
        forget_org_roles(by)
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_ROLE_CHANGED,
        obj=membership.organisation,
        details={"membership": membership.pk, "from_role": previous, "to_role": role},
    )
    return membership


@transaction.atomic
def remove_member(*, membership: Membership, by: User) -> None:
    """Take a person out of an organisation (an owner removing a member, or a member leaving).

    The last owner cannot go. Side effects: audit row; a mail to the person removed by someone else.
    """
    membership = _lock_membership(membership)
    if _is_last_owner(membership):
        raise ServiceError(LAST_OWNER)
    organisation, person, pk, role = membership.organisation, membership.user, membership.pk, membership.role
    membership.delete()
    leaving = person.pk == by.pk
    if leaving:
        forget_org_roles(by)
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_MEMBER_LEFT if leaving else AuditAction.ORGANISATION_MEMBER_REMOVED,
        obj=organisation,
        details={"membership": pk, "role": role},
    )
    if not leaving:
        send_mail_to([person], template="portal/mail/member_removed", context={"organisation": organisation})


def invitation_from_token(token: str) -> Invitation:
    """The invitation behind a link, or ServiceError for a forged, expired or used link."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise ServiceError(_("This invitation has expired. Ask the organisation for a new one.")) from None
    except signing.BadSignature:
        raise ServiceError(_("This invitation link is not valid.")) from None
    invitation = (
        Invitation.objects.filter(pk=data.get("id"), email__iexact=data.get("email", ""))
        .select_related("organisation")
        .first()
    )
    if invitation is None:
        raise ServiceError(_("This invitation link is not valid."))
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, user: User) -> Membership:
    """Accept an invitation once. Side effects: a membership, an audit row."""
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ServiceError(_("This invitation has already been accepted."))
    if invitation.email.lower() != user.email.lower():
        raise ServiceError(
            _("This invitation was sent to another email address. Sign in with that address to accept it.")
        )
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
    )
    forget_org_roles(user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    write_audit(
        actor=user,
        action=AuditAction.ORGANISATION_JOINED,
        obj=invitation.organisation,
        details={"invitation": invitation.pk, "role": membership.role},
    )
    return membership


def set_user_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
