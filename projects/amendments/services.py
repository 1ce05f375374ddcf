"""Writes for amendments (ändringsmeddelanden) and the cancellation notice.

LOU (2016:1145) wants a change to the procurement documents to reach every supplier at the same time and in the
same way: an amendment is published on the call page, mailed to everyone involved in the call (followers,
companies with a draft or submitted response, companies that asked), and kept, with every file it replaced.
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.clock import database_now
from portal.files import attach_files, attachments_for
from portal.models import Attachment, User
from portal.services import InvalidTransition, ServiceError, require_dates_in_range, write_audit

from ..models import Call, Response
from ..notifications import notify_call_participants
from .models import Amendment, AmendmentFile

NOT_OPEN = _("Only an open call can be amended. Before it opens, edit the call instead.")
CLOSED = _("The call has closed, so it can no longer be amended.")
CANCELLED = _("The call has been cancelled, so it can no longer be amended.")
NO_TEXT = _("Write the correction notice: what has changed and why.")
PAST = _("The new closing time has already passed. Choose a later time.")
SHORTENED = _("Companies have already started responding, so the closing time can only be moved later, not earlier.")
NOT_A_FILE = _("This file is not a current attachment of the call.")


def require_amendable(call: Call, now: datetime) -> None:
    """Refuse unless `call` is open at `now` (closed and cancelled calls stay as they were)."""
    state = call.state_at(now)
    if state == Call.State.CANCELLED:
        raise InvalidTransition(CANCELLED)
    if state == Call.State.CLOSED:
        raise InvalidTransition(CLOSED)
    if state != Call.State.OPEN:
        raise InvalidTransition(NOT_OPEN)


def current_attachments(call: Call):
    """The call's files that no amendment has replaced (the ones an amendment may replace)."""
    return attachments_for(call).filter(replaced_by__isnull=True).order_by("created_at", "id")


def has_responses(call: Call) -> bool:
    """Whether any company has a draft or submitted response to the call (then the deadline may only move later)."""
    return Response.objects.filter(call=call, status__in=[Response.Status.DRAFT, Response.Status.SUBMITTED]).exists()


@transaction.atomic
def amend_call(
    *,
    call: Call,
    by: User,
    text: str,
    closes_at: datetime | None = None,
    attachments=(),
    replacements: dict[int, tuple] | None = None,
) -> Amendment:
    """Publish the next numbered amendment of an open call.

    `attachments` are new files (cleaned by AttachmentsField); `replacements` maps the id of a current attachment
    of the call to the cleaned file that replaces it (the old file is kept, marked replaced). `closes_at` moves the
    deadline: never into the past, within portal.dates' range, and never earlier once a company has a draft or
    submitted response. The call row is locked first: a response saved or submitted at the same moment
    (`projects.services.save_response` / `transition_response` lock it too) is either before the amendment (and
    counts as a response) or after it (and sees the new deadline). Side effects: Amendment and AmendmentFile rows,
    the files, the call's closing time, an audit row, a notice to the call's participants.
    """
    call = Call.objects.select_for_update(of=("self",)).select_related("need__organisation").get(pk=call.pk)
    now = database_now()
    require_amendable(call, now)
    text = (text or "").strip()
    if not text:
        raise ServiceError(NO_TEXT, field="text")
    previous = call.closes_at
    if closes_at is not None and closes_at != previous:
        require_dates_in_range(closes_at=closes_at)
        if closes_at <= now:
            raise ServiceError(PAST, field="closes_at")
        if closes_at < previous and has_responses(call):
            raise ServiceError(SHORTENED, field="closes_at")
    else:
        closes_at = None
    replaced: list[tuple[Attachment, tuple]] = []
    if replacements:
        current = {attachment.pk: attachment for attachment in current_attachments(call)}
        for attachment_id, cleaned in replacements.items():
            if attachment_id not in current:
                raise ServiceError(NOT_A_FILE, field=f"replace_{attachment_id}")
            replaced.append((current[attachment_id], cleaned))
    number = (Amendment.objects.filter(call=call).aggregate(last=Max("number"))["last"] or 0) + 1
    amendment = Amendment.objects.create(
        call=call, number=number, text=text, previous_closes_at=previous, closes_at=closes_at, created_by=by
    )
    for attachment in attach_files(owner=call, files=list(attachments), by=by):
        AmendmentFile.objects.create(amendment=amendment, attachment=attachment)
    for old, cleaned in replaced:
        (new,) = attach_files(owner=call, files=[cleaned], by=by)
        AmendmentFile.objects.create(amendment=amendment, attachment=new, replaces=old)
    # Storing the files may have taken us past the old deadline: a call that closed meanwhile stays closed.
    require_amendable(call, database_now())
    if closes_at is not None:
        call.closes_at = closes_at
    call.save(update_fields=["closes_at", "updated_at"])  # also a new `updated_at` for the decision support
    details = {"number": number, "files": len(attachments) + len(replaced)}
    if closes_at is not None:
        details |= {"from": f"{localtime(previous):%Y-%m-%d %H:%M}", "to": f"{localtime(closes_at):%Y-%m-%d %H:%M}"}
    write_audit(actor=by, action=AuditAction.CALL_AMENDED, obj=call, details=details)
    link = settings.SITE_URL + reverse("projects:call_detail", args=[call.pk]) + "#amendments"
    files = list(amendment.files.select_related("attachment", "replaces"))
    notify_call_participants(
        call=call, template="projects/mail/call_amended", context={"amendment": amendment, "files": files, "link": link}
    )
    return amendment


def notify_cancelled(*, call: Call) -> int:
    """Tell the participants of a call just cancelled, with the reason (inside the cancelling transaction).

    Side effects: mails. Returns the number queued.
    """
    link = settings.SITE_URL + reverse("projects:call_detail", args=[call.pk])
    return notify_call_participants(
        call=call, template="projects/mail/call_cancelled", context={"reason": call.cancel_reason, "link": link}
    )
