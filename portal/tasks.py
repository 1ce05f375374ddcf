"""Celery tasks of the portal core. One task renders every kind of document (see portal/documents.py)."""

import logging

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError

from . import documents

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
