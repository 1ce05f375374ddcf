"""Writes of the calendar feeds: a person makes, replaces and revokes their private feed."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.models import Membership, Organisation, User
from portal.services import ServiceError, write_audit

from .feed_selectors import hash_token
from .models import CalendarFeed

NOT_A_COMPANY_MEMBER = _("Only a member of a company can have a private calendar feed of its matching calls.")


def _require_company_member(user: User, organisation: Organisation | None) -> Organisation:
    if organisation is None or not organisation.is_company:
        raise ServiceError(NOT_A_COMPANY_MEMBER)
    if not Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ServiceError(NOT_A_COMPANY_MEMBER)
    return organisation


def _revoke_live(user: User, organisation: Organisation) -> list[CalendarFeed]:
    live = list(
        CalendarFeed.objects.select_for_update().filter(user=user, organisation=organisation, revoked_at__isnull=True)
    )
    now = timezone.now()
    for feed in live:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        write_audit(actor=user, action=AuditAction.CALENDAR_FEED_REVOKED, obj=feed)
    return live


@transaction.atomic
def create_calendar_feed(*, user: User, organisation: Organisation | None) -> tuple[CalendarFeed, str]:
    """Make the person's private feed for the company they act for, revoking the one they had (a replacement).

    Returns the feed and its secret, which is stored only as a hash: the caller shows it once. Side effects: the
    earlier feed revoked, an audit row for each (revoked, created)."""
    organisation = _require_company_member(user, organisation)
    _revoke_live(user, organisation)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(user=user, organisation=organisation, token_hash=hash_token(token))
    write_audit(actor=user, action=AuditAction.CALENDAR_FEED_CREATED, obj=feed)
    return feed, token


@transaction.atomic
def revoke_calendar_feed(*, user: User, organisation: Organisation | None) -> int:
    """Revoke the person's private feed for the organisation: its address answers 404 from now on.

    Returns the number revoked (0 when there was none). Side effects: an audit row per feed revoked."""
    if organisation is None:
        return 0
    return len(_revoke_live(user, organisation))
