"""Reads for decision letters: the PDF's context, and the same for a preview of a proposal before it is decided."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What a letter says about appeal (förvaltningslagen 33 §) when the call sets no text of its own. A state
# agency's grant decisions under förordning (2015:208) om statligt stöd till forskning och utveckling samt
# innovation cannot be appealed (the ordinance's appeal section; other agencies: their instruction or the
# grant ordinance). A call whose decisions can be appealed sets its own text (GrantCall.appeal_text).
DEFAULT_APPEAL_TEXT = gettext_lazy(
    "This decision cannot be appealed (förordning (2015:208) om statligt stöd till forskning och utveckling "
    "samt innovation). If you think the decision contains an obvious error, you can ask us to correct it "
    "(förvaltningslagen 36 §)."
)


def agency() -> dict:
    """The deciding authority, from the operator's settings (AGENCY_* environment variables)."""
    return {
        "name": settings.AGENCY_NAME,
        "postal_address": settings.AGENCY_POSTAL_ADDRESS,
        "org_number": settings.AGENCY_ORG_NUMBER,
        "email": settings.AGENCY_EMAIL,
        "phone": settings.AGENCY_PHONE,
    }


def appeal_text(call) -> str:
    return call.appeal_text.strip() or str(DEFAULT_APPEAL_TEXT)


def decision_context(application, decision) -> dict:
    """Everything templates/checks/includes/decision_letter_body.html shows, for a decision (saved or not)."""
    return {
        "title": _("Decision %(reference)s") % {"reference": application.reference},
        "author": settings.AGENCY_NAME,
        "description": application.title,
        "agency": agency(),
        "application": application,
        "decision": decision,
        "corrects": decision.corrects,
        "call": application.call,
        "track": application.track,
        "final_report_due": application.final_report_due,
        "appeal_text": appeal_text(application.call),
    }


def letter_context(letter) -> dict:
    """Everything templates/checks/decision_letter_pdf.html shows: the letter's own decision."""
    application = letter.application
    return decision_context(application, letter.decision or application.decision)


def preview_decision(proposal, *, by):
    """The decision `by` would make from `proposal`, unsaved, for the letter's preview on the confirmation page."""
    from ..models import Decision

    return Decision(
        for_application=proposal.application,
        outcome=proposal.outcome,
        granted_amount=proposal.granted_amount,
        reasoning=proposal.reasoning,
        decided_by=by,
        decided_at=timezone.now(),
        presented_by=proposal.proposed_by,
        corrects=proposal.corrects,
        correction_reason=proposal.correction_reason,
    )
