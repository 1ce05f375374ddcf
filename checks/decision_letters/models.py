"""The decision letter (beslutsbrev): a document kind of the portal's PDF machinery (portal/documents.py)."""

from django.utils.translation import gettext as _

from portal.documents import DocumentKind, register_kind
from portal.outbox import enqueue

KIND = "checks.decision_letter"


def letter_context(letter) -> dict:
    application = letter.application
    decision = application.decision
    return {
        "title": _("Decision %(reference)s") % {"reference": application.reference},
        "author": _("Innovation Procurement Portal"),
        "description": application.title,
        "application": application,
        "decision": decision,
        "call": application.call,
        "track": application.track,
        "final_report_due": application.final_report_due,
    }


def queue_mailing(letter) -> None:
    """on_ready hook: mail the ready letter (a task, so that mailing is retried apart from rendering)."""
    from ..tasks import mail_decision_letter_task

    enqueue(mail_decision_letter_task, letter_id=letter.pk)


def letter_filename(letter) -> str:
    return f"beslut-{letter.application.reference}-v{letter.version}.pdf"


DECISION_LETTER = register_kind(
    DocumentKind(
        name=KIND,
        model="checks.DecisionLetter",
        template="checks/decision_letter_pdf.html",
        get_context=letter_context,
        filename=letter_filename,
        scope=("application",),
        on_ready=queue_mailing,
    )
)
