"""Mail: one way out.

Every mail the portal sends — its own (`send_mail_to`) and allauth's (`queue_message`, from
portal/adapters.py) — is rendered at once in the recipient's language and written as a `Mail` row, with an
outbox job (`portal.tasks.send_mail`), in the caller's transaction. No web request talks to the mail server.

`deliver_mail` (the task's work) locks the row, returns if it was already sent, sends it and marks it sent in
the same transaction, so a job delivered twice sends the mail once. Transient SMTP failures (connection
errors, timeouts, a dropped connection, 4xx replies) are retried with backoff; permanent ones (5xx) mark the
row failed with the error. See docs/architecture.md, "Mail: one way out".

Subject and body come from templates (`<name>_subject.txt`, `<name>.txt`) rendered as plain text (no HTML
escaping).
"""

import base64
import logging
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template import engines
from django.utils import timezone, translation

from .models import Mail
from .outbox import enqueue

logger = logging.getLogger(__name__)

# A mail is tried this many times in all; a transient failure after the last try marks it failed.
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str = "sv"

    @classmethod
    def from_user(cls, user) -> "Recipient":
        return cls(email=user.email, language=getattr(user, "language", "") or settings.LANGUAGE_CODE)


def _render_text(name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping."""
    return engines["text"].get_template(name).render(context)


def _encode(attachments) -> list[dict]:
    return [
        {"name": name, "content": base64.b64encode(content).decode("ascii"), "mimetype": mimetype}
        for name, content, mimetype in attachments or []
    ]


def _queue(*, key: str | None = None, **fields) -> Mail | None:
    """Write a Mail row and its outbox job in the current transaction; None if a mail with `key` exists."""
    if key is not None:
        with transaction.atomic():  # a savepoint: a concurrent duplicate key only undoes this row
            mail, created = Mail.objects.get_or_create(key=key, defaults=fields)
        if not created:
            return None
    else:
        mail = Mail.objects.create(**fields)
    from .tasks import send_mail

    enqueue(send_mail, mail_id=mail.pk)
    return mail


def send_mail_to(
    recipients,
    *,
    template: str,
    context: dict,
    attachments: list[tuple[str, bytes, str]] | None = None,
    key: str | None = None,
    headers: Callable[[Recipient], dict[str, str]] | None = None,
) -> int:
    """Render `template` in each recipient's language and queue one mail per recipient. Returns the number queued.

    Call it inside the transaction of the change the mail tells about: the mails exist exactly when the change
    was committed. With `key`, a recipient whose mail with key "<key>:<address>" was already queued is skipped
    (for jobs that may run twice). `headers(recipient)` gives extra headers per recipient (e.g. a personal
    List-Unsubscribe). Side effects: `Mail` rows, one outbox job each (sent after commit).
    """
    queued = 0
    encoded = _encode(attachments)
    for recipient in recipients:
        if not isinstance(recipient, Recipient):
            recipient = Recipient.from_user(recipient)
        with translation.override(recipient.language):
            ctx = {"site_url": settings.SITE_URL, **context, "recipient": recipient}
            subject = " ".join(_render_text(f"{template}_subject.txt", ctx).split())
            body = _render_text(f"{template}.txt", ctx)
        mail = _queue(
            key=f"{key}:{recipient.email.lower()}"[:200] if key else None,
            to=recipient.email,
            language=recipient.language,
            template=template,
            subject=subject,
            body=body,
            attachments=encoded,
            headers=headers(recipient) if headers else {},
        )
        queued += mail is not None
    return queued


def queue_message(message: EmailMessage, *, template: str = "") -> int:
    """Queue an already rendered EmailMessage (allauth's mails), one row per address. Returns the number queued."""
    html = next((content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
    body = message.body
    if message.content_subtype == "html":  # an HTML-only mail
        body, html = "", message.body
    queued = 0
    for address in message.to:
        _queue(
            to=address,
            language=translation.get_language() or "",
            template=template,
            from_email=message.from_email or "",
            subject=message.subject,
            body=body,
            html_body=html,
            headers=dict(message.extra_headers),
        )
        queued += 1
    return queued


# --- sending (the task's work) ---------------------------------------------------------------------------------


class TransientMailError(Exception):
    """The mail server failed in a way worth trying again later; the row stays queued."""


def is_transient(error: BaseException) -> bool:
    """Whether an error from sending a mail may go away by itself (retry) or not (mark the mail failed)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError | socket.gaierror)


def build_message(mail: Mail) -> EmailMessage:
    """The EmailMessage of a queued mail."""
    if mail.html_body and not mail.body:
        message = EmailMessage(
            subject=mail.subject,
            body=mail.html_body,
            from_email=mail.from_email or None,
            to=[mail.to],
            headers=mail.headers or None,
        )
        message.content_subtype = "html"
        return message
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body,
        from_email=mail.from_email or None,
        to=[mail.to],
        headers=mail.headers or None,
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    for attachment in mail.attachments:
        message.attach(attachment["name"], base64.b64decode(attachment["content"]), attachment["mimetype"])
    return message


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


def deliver_mail(*, mail_id: int, retry: bool = True) -> str:
    """Send one queued mail, at most once. Returns its status afterwards ("missing" if the row is gone).

    Three steps: under the row lock the mail is marked *sending* and committed; then it is handed to the mail
    server, with no lock held; then the outcome is recorded. A job delivered again — at the same moment, or
    after the worker died anywhere in between, even after the mail server accepted the mail — finds the row
    no longer queued and sends nothing. A transient failure puts the row back to queued and raises
    TransientMailError (the task retries) while `retry` and attempts are left; a permanent one, or the last
    transient one, marks it failed. A row left *sending* by a dead worker is settled by the sweep.
    Side effects: the mail; the row's status, attempts, last_error, sent_at.
    """
    with transaction.atomic():
        mail = Mail.objects.select_for_update().filter(pk=mail_id).first()
        if mail is None:
            return "missing"
        if mail.status != Mail.Status.QUEUED:
            return mail.status
        mail.attempts += 1
        mail.status = Mail.Status.SENDING
        mail.save(update_fields=["status", "attempts", "updated_at"])
    failure = None
    try:
        build_message(mail).send()
    except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
        mail.last_error = _describe(error)
        if is_transient(error) and mail.attempts < MAX_ATTEMPTS:
            failure = error
            mail.status = Mail.Status.QUEUED
            logger.warning("Mail #%s not sent (attempt %s), retried later: %s", mail.pk, mail.attempts, error)
        else:
            mail.status = Mail.Status.FAILED
            logger.error("Mail #%s to the %s template failed for good: %s", mail.pk, mail.template, error)
    else:
        mail.status = Mail.Status.SENT
        mail.sent_at = timezone.now()
        mail.last_error = ""
    mail.save(update_fields=["status", "last_error", "sent_at", "updated_at"])
    if failure is not None and retry:
        raise TransientMailError(_describe(failure)) from failure
    return mail.status


# --- the sweep -------------------------------------------------------------------------------------------------

# A queued mail untouched for this long has lost its job (each try, and each retry's wait of at most five
# minutes, touches the row), e.g. because Redis restarted empty, or a transient failure in-process.
STALE_AFTER = timedelta(minutes=15)
UNCERTAIN = "The worker stopped while sending; the mail server may or may not have accepted the mail."
SWEEP_BATCH = 1000


def sweep_stale_mails(*, older_than: timedelta | None = None, now=None) -> int:
    """Queue a new job for every mail still queued and untouched for `older_than` (default STALE_AFTER).

    Idempotent: the row is touched, so the next sweep leaves it alone for another period, and the task sends
    a mail once however many jobs it has. Side effects: `updated_at` of those rows, outbox jobs. Returns how many.
    """
    from .tasks import send_mail

    cutoff = (now or timezone.now()) - (STALE_AFTER if older_than is None else older_than)
    swept = 0
    with transaction.atomic():
        rows = Mail.objects.select_for_update(skip_locked=True).filter(
            status=Mail.Status.QUEUED, updated_at__lte=cutoff
        )
        for mail in rows.order_by("id")[:SWEEP_BATCH]:
            mail.save(update_fields=["updated_at"])
            enqueue(send_mail, mail_id=mail.pk)
            swept += 1
    if swept:
        logger.warning("The sweep queued %s mail(s) again whose job was lost.", swept)
    # A mail still *sending* this long after its try began lost its worker while talking to the mail server
    # (a send gives up after EMAIL_TIMEOUT): it may or may not have been accepted. Sending it again could mail
    # the person twice, so it is marked failed with that reason, for the operator to check the server's log.
    uncertain = Mail.objects.filter(status=Mail.Status.SENDING, updated_at__lte=cutoff).update(
        status=Mail.Status.FAILED, last_error=UNCERTAIN, updated_at=timezone.now()
    )
    if uncertain:
        logger.error("%s mail(s) lost their worker while being sent; marked failed (check the mail server).", uncertain)
    return swept
