"""Celery tasks of the portal core. One task renders every kind of document (see portal/documents.py), one sends
every mail (see portal/mail.py), and one sweep queues again the work whose job the broker lost."""

import logging

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError

from . import documents, mail

logger = logging.getLogger(__name__)


class TransientDocumentError(Exception):
    """A failure worth trying again later (raised by code that knows it is temporary)."""


# Database hiccups, storage/network trouble: try again with exponential backoff.
TRANSIENT_ERRORS = (TransientDocumentError, OperationalError, InterfaceError, OSError)
MAX_RETRIES = 4


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def render_document_task(self, *, kind: str, document_id: int) -> str:
    """Render a document of `kind` (a registered DocumentKind name). Safe to run twice.

    Transient errors are retried with backoff; after the last try, and at once
    for any other error, the row is marked failed with the error.
    """
    try:
        document = documents.render_document(kind=kind, document_id=document_id)
    except ObjectDoesNotExist:
        logger.info("Document %s #%s no longer exists; nothing to render.", kind, document_id)
        return "missing"
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            logger.exception("Rendering %s #%s failed for the last time.", kind, document_id)
            documents.mark_document_failed(kind=kind, document_id=document_id, error=_describe(error))
            return "failed"
        raise  # autoretry_for schedules the next try
    except Exception as error:  # noqa: BLE001 - any other failure is permanent: record it for the user
        logger.exception("Rendering %s #%s failed.", kind, document_id)
        documents.mark_document_failed(kind=kind, document_id=document_id, error=_describe(error))
        return "failed"
    return document.status


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(mail.TransientMailError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=mail.MAX_ATTEMPTS,
)
def send_mail(self, *, mail_id: int) -> str:
    """Send one queued mail (a `portal.models.Mail` row) once, however often this job is delivered.

    Transient SMTP failures are retried with backoff (portal.mail.is_transient); permanent ones mark the row
    failed. In-process (no broker) a transient failure is not retried at once: the row stays queued for the sweep.
    """
    return mail.deliver_mail(mail_id=mail_id, retry=not self.request.is_eager)


@shared_task
def sweep_lost_jobs_task() -> dict:
    """Periodic: queue again documents and mails whose job was lost (e.g. Redis restarted empty)."""
    return sweep_lost_jobs()


def sweep_lost_jobs(*, older_than=None) -> dict:
    """Queue again every document and mail still pending long after its job should have run; returns counts.

    `older_than` (a timedelta) replaces each kind's own timeout (`manage.py sweep_jobs --older-than`).
    """
    return {
        "documents": documents.sweep_stale_documents(older_than=older_than),
        "mails": mail.sweep_stale_mails(older_than=older_than),
    }


@shared_task
def relay_outbox_task() -> dict:
    """Periodic: send the outbox rows that could not be sent at commit (broker down) and prune old sent ones."""
    from . import outbox

    return {"sent": outbox.relay_outbox(), "pruned": outbox.prune_sent()}


@shared_task
def prune_submission_tokens_task() -> int:
    """Daily: delete the double-submit guard's tokens older than two days; returns how many."""
    from .submission import prune_submission_tokens

    return prune_submission_tokens()


@shared_task
def discard_expired_uploads_task() -> int:
    """Hourly: delete files kept for forms never saved, older than `files.HELD_UPLOAD_TTL`; returns how many."""
    from .files import discard_expired_uploads

    return discard_expired_uploads()
