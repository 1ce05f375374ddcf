"""Writes for secrecy requests (sekretessbegäran) and record releases (utlämnande av allmän handling).

A company asks, the buyer decides: a secrecy request binds no one, it tells the buyer what the company fears
would harm it if released (OSL 31:16, 19:3). The buyer assesses secrecy when someone asks for the record and
records each release with its decisions; a redaction is a refusal the requester may appeal (OSL 6 kap.).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.files import attach_bytes
from portal.models import User
from portal.services import ServiceError, write_audit

from ..models import Call, Response
from .fields import parts_of
from .models import RecordRelease, SecrecyMarking
from .selectors import RELEASE_COPY_PURPOSE, markings_of, part_label, release_copy_context

CALL_NOT_OPEN = _("The call is not open, so secrecy requests can no longer be added or removed.")


def _require_open(response: Response) -> None:
    from ..services import _require_open as require_call_open  # the projects app's one deadline check

    call = Call.objects.get(pk=response.call_id)
    try:
        require_call_open(call)
    except ServiceError:
        raise ServiceError(CALL_NOT_OPEN) from None


@transaction.atomic
def add_secrecy_marking(*, response: Response, by: User, field: str, passage: str, reason: str) -> SecrecyMarking:
    """Ask that a part of the response (or an exact passage of it) be kept secret, with a reason.

    Refused (ServiceError, next to the field) without a reason, for an unknown part, for a passage of a file or a
    passage that does not occur in the part's current text, and once the call is no longer open.
    Side effects: a SecrecyMarking row, an audit row.
    """
    response = Response.objects.select_for_update().get(pk=response.pk)
    _require_open(response)
    reason, passage = reason.strip(), passage.strip()
    if not reason:
        raise ServiceError(_("Say why this part should be kept secret; the buyer weighs your reason."), field="reason")
    parts = {part.key: part for part in parts_of(response)}
    part = parts.get(field)
    if part is None:
        raise ServiceError(_("Choose a part of your response that has content."), field="field")
    if passage and not part.allows_passage:
        raise ServiceError(_("A file is kept secret as a whole: leave the passage empty."), field="passage")
    if passage and passage not in part.text:
        raise ServiceError(
            _(
                "The passage does not occur in “%(part)s”. Copy it exactly from your response, or leave it empty "
                "to mark the whole part."
            )
            % {"part": part.label},
            field="passage",
        )
    marking = SecrecyMarking.objects.create(
        response=response, field=field, passage=passage, reason=reason, created_by=by
    )
    write_audit(
        actor=by, action=AuditAction.SECRECY_REQUESTED, obj=response, details={"marking": marking.pk, "field": field}
    )
    return marking


@transaction.atomic
def remove_secrecy_marking(*, marking: SecrecyMarking, by: User) -> None:
    """Take back a secrecy request while the call is open. Side effects: the row deleted, an audit row."""
    response = Response.objects.select_for_update().get(pk=marking.response_id)
    _require_open(response)
    write_audit(
        actor=by,
        action=AuditAction.SECRECY_WITHDRAWN,
        obj=response,
        details={"marking": marking.pk, "field": marking.field},
    )
    marking.delete()


def release_filename(release: RecordRelease) -> str:
    name = slugify(release.response.organisation.name)[:50] or str(release.response_id)
    return f"utlamnande-{name}-{release.pk}.pdf"


def render_release_pdf(release: RecordRelease) -> bytes:
    """The release copy as a tagged PDF (small: rendered in the request)."""
    from django.template.loader import render_to_string

    from portal.documents import html_to_pdf

    with translation.override(release.language):
        context = {"generated_at": timezone.localtime(), **release_copy_context(release)}
        return html_to_pdf(render_to_string("documents/release_copy.html", context))


def release_response(
    *,
    response: Response,
    by: User,
    requested_on: datetime.date,
    anonymous: bool,
    requester_name: str = "",
    requester_email: str = "",
    registration: str = "",
    decisions: dict[int, tuple[str, str]],
    language: str = "",
) -> RecordRelease:
    """Record the release of a response to someone who asked for it and produce the release copy (PDF).

    `decisions` maps each secrecy request's id to (decision, provision): "redact" needs a provision (e.g.
    "OSL 31:16"); a request without a decision is refused, so nothing is released by oversight. Unmarked parts
    are released. The requester may stay anonymous (TF 2:18). Side effects: a RecordRelease row with the
    decisions, the PDF stored as its attachment, an audit row (no personal data: ids and counts).
    """
    if requested_on is None:
        raise ServiceError(_("Enter the date the request came in."), field="requested_on")
    if requested_on > timezone.localdate():
        raise ServiceError(_("The request cannot have come in after today."), field="requested_on")
    if not anonymous and not (requester_name.strip() or requester_email.strip()):
        raise ServiceError(
            _("Enter the requester's name or email address, or tick that the requester is anonymous."),
            field="requester_name",
        )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        response = (
            Response.objects.select_for_update()
            .select_related("organisation", "call__need__organisation")
            .get(pk=response.pk)
        )
        items = []
        present = {part.key for part in parts_of(response)}
        # A request about a part no longer in the response (a removed file) has nothing left to decide on.
        for marking in [marking for marking in markings_of(response) if marking.field in present]:
            decision, provision = decisions.get(marking.pk, ("", ""))
            if decision not in RecordRelease.Decision.values:
                raise ServiceError(_("Decide on every secrecy request: redact or release."))
            if decision == RecordRelease.Decision.REDACT and not provision.strip():
                raise ServiceError(
                    _("Name the provision of the Secrecy Act that applies, e.g. OSL 31:16."),
                    field=f"provision_{marking.pk}",
                )
            items.append(
                {
                    "marking": marking.pk,
                    "field": marking.field,
                    "field_label": part_label(response, marking.field),
                    "passage": marking.passage,
                    "reason": marking.reason,
                    "decision": decision,
                    "provision": provision.strip() if decision == RecordRelease.Decision.REDACT else "",
                }
            )
        release = RecordRelease.objects.create(
            response=response,
            anonymous=anonymous,
            requester_name="" if anonymous else requester_name.strip(),
            requester_email="" if anonymous else requester_email.strip(),
            requested_on=requested_on,
            registration=registration.strip(),
            decisions=items,
            language=language,
            released_by=by,
        )
        release.response = response
        attach_bytes(
            owner=release,
            content=render_release_pdf(release),
            filename=release_filename(release),
            by=by,
            purpose=RELEASE_COPY_PURPOSE,
        )
        write_audit(
            actor=by,
            action=AuditAction.RECORD_RELEASED,
            obj=response,
            details={"release": release.pk, "redacted": release.redacted_count, "marked": len(items)},
        )
    return release
