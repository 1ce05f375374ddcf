"""Reads for decision letters: the PDF's context."""

from django.utils.translation import gettext as _


def letter_context(letter) -> dict:
    """Everything templates/checks/decision_letter_pdf.html shows."""
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
