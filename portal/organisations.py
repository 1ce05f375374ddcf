"""Writes about who an organisation is: requests to join, and disputes over an organisation number.

The organisation number (organisationsnummer, given by Bolagsverket or Skatteverket) is an organisation's
identity in the portal: one organisation per number. Registering is open to anyone, so a number may be taken by
someone it does not belong to. The person it does belong to is then not stuck:

- they may **ask to join** the organisation that holds it; its owners accept (a membership is made) or decline;
- when the holder is **not verified**, they may **dispute** the number instead; a portal admin decides, and
  either gives the number to them (a new organisation of theirs, the holder loses the number and must give a
  correct one before it can be verified) or rejects the dispute. A verified holder's number is settled: a portal
  admin has already checked it, so only a request to join is possible.

Every mail here is queued in the transaction of the change it tells about (portal/mail.py).
See docs/architecture.md, "Organisation identity".
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import AuditAction
from .mail import send_mail_to
from .models import IdentityDispute, JoinRequest, Membership, Organisation, User
from .orgnr import normalise_org_number
from .rules import is_org_member, is_org_owner, is_portal_admin
from .selectors import organisation_owners
from .services import InvalidTransition, ServiceError, identity_changes, write_audit


@transaction.atomic
def request_to_join(*, organisation: Organisation, by: User, message: str = "") -> JoinRequest:
    """Ask the owners of `organisation` to let `by` in as a member (one open request per person and organisation).

    Side effects: an audit row on the organisation, a mail to its owners with a link to the page where they answer.
    """
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if Membership.objects.filter(organisation=organisation, user=by).exists():
        raise ServiceError(_("You are already a member of this organisation."))
    if JoinRequest.objects.filter(organisation=organisation, user=by, status=JoinRequest.Status.PENDING).exists():
        raise ServiceError(_("You have already asked to join this organisation; its owners have not answered yet."))
    join_request = JoinRequest.objects.create(organisation=organisation, user=by, message=message.strip())
    # The requester is the row's actor; the request's id, not their address, is kept.
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_JOIN_REQUESTED,
        obj=organisation,
        details={"join_request": join_request.pk},
    )
    link = settings.SITE_URL + reverse("portal:join_request_detail", args=[join_request.pk])
    send_mail_to(
        list(organisation_owners(organisation)),
        template="portal/mail/join_request",
        context={"organisation": organisation, "join_request": join_request, "requester": by, "link": link},
    )
    return join_request


@transaction.atomic
def answer_join_request(*, join_request: JoinRequest, by: User, accept: bool) -> JoinRequest:
    """An owner accepts (the requester becomes a member) or declines a pending request to join.

    Side effects: a membership when accepted, an audit row, a mail to the requester with the answer.
    """
    join_request = (
        JoinRequest.objects.select_for_update().select_related("organisation", "user").get(pk=join_request.pk)
    )
    organisation = join_request.organisation
    if not is_org_owner(by, organisation):
        raise ServiceError(_("Only the organisation's owners can answer requests to join."))
    if not join_request.is_pending:
        raise InvalidTransition(_("This request has already been answered."))
    join_request.status = JoinRequest.Status.ACCEPTED if accept else JoinRequest.Status.DECLINED
    join_request.decided_by = by
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        Membership.objects.get_or_create(
            user=join_request.user, organisation=organisation, defaults={"role": Membership.Role.MEMBER}
        )
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_JOIN_ACCEPTED if accept else AuditAction.ORGANISATION_JOIN_DECLINED,
        obj=organisation,
        details={"join_request": join_request.pk},
    )
    send_mail_to(
        [join_request.user],
        template="portal/mail/join_request_answered",
        context={"organisation": organisation, "join_request": join_request, "accepted": accept},
    )
    return join_request


@transaction.atomic
def raise_dispute(
    *,
    by: User,
    org_number: str,
    kind: str,
    name: str,
    statement: str,
    address: str = "",
    website: str = "",
) -> IdentityDispute:
    """Dispute the number held by an unverified organisation; a portal admin decides (`decide_dispute`).

    `kind`, `name`, `address` and `website` describe the disputing party's organisation, made if the dispute is
    upheld. Side effects: an audit row on the disputed organisation.
    """
    number = normalise_org_number(org_number)
    if not statement.strip():
        raise ServiceError(_("Say why the number belongs to your organisation."), field="statement")
    if kind not in Organisation.Kind.values:
        raise ServiceError(_("Choose a kind of organisation."), field="kind")
    holder = Organisation.objects.select_for_update().filter(org_number=number).first()
    if holder is None:
        raise ServiceError(_("No organisation holds this number; you can register it."), field="org_number")
    if holder.is_verified:
        raise ServiceError(
            _(
                "A portal administrator has verified the organisation that holds this number, so it cannot be "
                "disputed. You can ask to join it."
            ),
            field="org_number",
        )
    if is_org_member(by, holder):
        raise ServiceError(_("You are a member of the organisation that holds this number."), field="org_number")
    if IdentityDispute.objects.filter(org_number=number, raised_by=by, status=IdentityDispute.Status.OPEN).exists():
        raise ServiceError(_("You have already disputed this number; a portal administrator will decide."))
    dispute = IdentityDispute.objects.create(
        organisation=holder,
        org_number=number,
        raised_by=by,
        kind=kind,
        name=name,
        address=address,
        website=website,
        statement=statement.strip(),
    )
    write_audit(
        actor=by,
        action=AuditAction.ORGANISATION_DISPUTED,
        obj=holder,
        details={"dispute": dispute.pk, "org_number": number, "name": name},
    )
    return dispute


@transaction.atomic
def decide_dispute(*, dispute: IdentityDispute, by: User, uphold: bool, reason: str) -> IdentityDispute:
    """A portal admin upholds or rejects an open dispute; `reason` is mailed to both sides.

    Upheld: the disputed organisation loses the number (it stays, unverified and rejected with the reason, until
    its owners give a correct number) and a new, unverified organisation with the number is made with the
    disputing party as its owner. Side effects: audit rows (the dispute; when upheld also both organisations),
    a mail to the disputing party and one to the disputed organisation's owners, each in their own language.
    """
    if not is_portal_admin(by):
        raise ServiceError(_("Only portal administrators decide disputes."))
    if not reason.strip():
        raise ServiceError(_("Give a reason; it is sent to both sides."), field="reason")
    dispute = IdentityDispute.objects.select_for_update().get(pk=dispute.pk)
    if not dispute.is_open:
        raise InvalidTransition(_("This dispute has already been decided."))
    holder = Organisation.objects.select_for_update().get(pk=dispute.organisation_id)
    dispute.decided_by = by
    dispute.decided_at = timezone.now()
    dispute.decision_reason = reason.strip()
    if uphold:
        if holder.org_number != dispute.org_number:
            raise InvalidTransition(_("The disputed organisation no longer holds this number."))
        holder.org_number = None
        holder.status = Organisation.Status.REJECTED
        holder.rejection_reason = dispute.decision_reason
        holder.save(update_fields=["org_number", "status", "rejection_reason"])
        write_audit(
            actor=by,
            action=AuditAction.ORGANISATION_NUMBER_LOST,
            obj=holder,
            details={**identity_changes({"org_number": dispute.org_number}, {}), "dispute": dispute.pk},
        )
        new_organisation = Organisation.objects.create(
            kind=dispute.kind,
            name=dispute.name,
            org_number=dispute.org_number,
            address=dispute.address,
            website=dispute.website,
            status=Organisation.Status.PENDING,
        )
        Membership.objects.create(user=dispute.raised_by, organisation=new_organisation, role=Membership.Role.OWNER)
        write_audit(
            actor=by,
            action=AuditAction.ORGANISATION_CREATED,
            obj=new_organisation,
            details={"kind": new_organisation.kind, "dispute": dispute.pk},
        )
        dispute.status = IdentityDispute.Status.UPHELD
        dispute.new_organisation = new_organisation
    else:
        dispute.status = IdentityDispute.Status.REJECTED
    dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "new_organisation"])
    write_audit(
        actor=by,
        action=AuditAction.DISPUTE_UPHELD if uphold else AuditAction.DISPUTE_REJECTED,
        obj=dispute,
        details={
            "organisation": holder.pk,
            "new_organisation": dispute.new_organisation_id,
            "reason": dispute.decision_reason,
        },
    )
    context = {"dispute": dispute, "organisation": holder, "upheld": uphold}
    send_mail_to([dispute.raised_by], template="portal/mail/dispute_decided", context={**context, "to_claimant": True})
    send_mail_to(
        list(organisation_owners(holder)),
        template="portal/mail/dispute_decided",
        context={**context, "to_claimant": False},
    )
    return dispute
