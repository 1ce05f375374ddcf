"""Writes of an application's thread and versions: messages, internal notes, snapshots.

A message from the applicant is mailed to the assigned handler (every handler when nobody is assigned); a
handler's message to every member of the applicant organisation; an internal note to nobody. Mails are queued
in the writing transaction (portal.mail.send_mail_to), each in its recipient's language.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.files import attach_files
from portal.mail import send_mail_to
from portal.models import User
from portal.rules import is_handler, is_org_member, is_staff_role
from portal.services import ServiceError, write_audit

from .. import selectors as check_selectors
from ..models import Application
from . import selectors
from .diff import application_content
from .models import MESSAGE_FILES, ApplicationSnapshot, Message

MAX_LENGTH = 10000


@transaction.atomic
def post_message(*, application: Application, by: User, body: str, internal: bool = False, files=()) -> Message:
    """Write a message in the application's thread (or, for a handler, an internal note).

    Raises ServiceError (on the field `body`) for an empty or too long text, and when the writer may not write
    here (a handler with a declared conflict of interest included).
    Side effects: the message, its attachments, an audit row, mails (none for a note).
    """
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Write a message."), field="body")
    if len(body) > MAX_LENGTH:
        raise ServiceError(
            _("The message is too long: at most %(max)s characters.") % {"max": MAX_LENGTH}, field="body"
        )
    if application.is_draft:
        raise ServiceError(_("Messages can be written once the application has been submitted."))
    if is_handler(by):
        by._check_conflicts_cache = None
        if check_selectors.conflict_for(by, application) is not None:
            raise ServiceError(_("You have declared a conflict of interest with this application."))
        sender = Message.Sender.HANDLER
    elif is_org_member(by, application) and not is_staff_role(by):
        sender = Message.Sender.APPLICANT
        if internal:
            raise ServiceError(_("Only handlers can write internal notes."))
    else:
        raise ServiceError(_("You cannot write in this thread."))
    message = Message.objects.create(application=application, sender=sender, internal=internal, author=by, body=body)
    if files:
        attach_files(owner=message, files=files, by=by, purpose=MESSAGE_FILES)
    write_audit(
        actor=by,
        action=AuditAction.APPLICATION_NOTE_WRITTEN if internal else AuditAction.APPLICATION_MESSAGE_SENT,
        obj=application,
        details={"message": message.pk, "files": len(files)},
    )
    if internal:
        return message
    if sender == Message.Sender.APPLICANT:
        recipients, template = selectors.handler_recipients(application), "checks/messages/mail/to_handler"
    else:
        recipients, template = selectors.applicant_recipients(application), "checks/messages/mail/to_applicant"
    recipients = [person for person in recipients if person.pk != by.pk]
    send_mail_to(recipients, template=template, context={"application": application, "message": message})
    return message


def take_snapshot(application: Application, moment: str) -> ApplicationSnapshot:
    """Keep the application's fields and budget lines as they are now (inside the caller's transaction)."""
    return ApplicationSnapshot.objects.create(
        application=application, moment=moment, content=application_content(application)
    )
