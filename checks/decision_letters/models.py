"""The decision letter (beslutsbrev) of an innovation-check application: a PDF rendered by portal.documents.

Imported at the top of checks/models.py (Django looks for models there), so it must not import
checks.models: the application is referred to as "checks.Application".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.documents import DocumentKind, RenderedDocument, register_kind

KIND = "checks.decision_letter"


class DecisionLetter(RenderedDocument):
    """The decision letter (beslutsbrev) PDF, rendered by portal.documents; one version per decision."""

    application = models.ForeignKey("checks.Application", on_delete=models.CASCADE, related_name="letters")
    # The decision the letter states: a correction (FL 36 §) gets a letter of its own and the old one stays.
    decision = models.ForeignKey(
        "checks.Decision", on_delete=models.SET_NULL, related_name="letters", null=True, blank=True
    )
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta(RenderedDocument.Meta):
        verbose_name = _("decision letter")
        verbose_name_plural = _("decision letters")

    def __str__(self):
        return f"{self.application.reference or self.application.title} v{self.version}"


def letter_filename(letter) -> str:
    return f"beslut-{letter.application.reference}-v{letter.version}.pdf"


def _context(letter) -> dict:
    from .selectors import letter_context

    return letter_context(letter)


def _on_ready(letter) -> None:
    from .services import queue_mailing

    queue_mailing(letter)


DECISION_LETTER = register_kind(
    DocumentKind(
        name=KIND,
        model=DecisionLetter,
        template="checks/decision_letter_pdf.html",
        get_context=_context,
        filename=letter_filename,
        scope=("application",),
        on_ready=_on_ready,
        on_ready_pending={"mailed_at__isnull": True},  # the sweep mails a ready letter whose mail job was lost
    )
)
