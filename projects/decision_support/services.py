"""Writes for decision-support documents: ordering one for a need and trying a failed one again."""

from django.conf import settings
from django.db import transaction

from portal.audit import AuditAction
from portal.documents import create_document, requeue_document
from portal.services import write_audit

from ..models import Need
from .models import DECISION_SUPPORT_KIND, DecisionDocument
from .selectors import need_fingerprint


def order_decision_document(*, need: Need, by, language: str) -> tuple[DecisionDocument, bool]:
    """Order a decision-support PDF for `need` in `language`. Returns (document, created).

    When the newest queued, rendering or ready document was ordered for the same
    data and language, that one is returned and nothing is queued (double clicks,
    two tabs). The need row is locked so concurrent orders get distinct versions.
    Side effects: a DecisionDocument row (queued), an audit row, the rendering task queued on commit.
    """
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        need = Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)
        document, created = create_document(
            kind=DECISION_SUPPORT_KIND, by=by, language=language, fingerprint=need_fingerprint(need), need=need
        )
        if created:
            write_audit(
                actor=by,
                action=AuditAction.DECISION_DOCUMENT_ORDERED,
                obj=document,
                details={"version": document.version, "language": language},
            )
    return document, created


def retry_decision_document(*, document: DecisionDocument, by) -> DecisionDocument:
    """Queue a failed decision-support document again.

    Raises InvalidTransition unless it failed. Side effects: the row (queued, error cleared), an audit row,
    the rendering task queued on commit.
    """
    with transaction.atomic():
        document = requeue_document(kind=DECISION_SUPPORT_KIND, document=document)
        write_audit(
            actor=by, action=AuditAction.DECISION_DOCUMENT_RETRIED, obj=document, details={"version": document.version}
        )
    return document
