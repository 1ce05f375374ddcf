"""The decision-support document (beslutsunderlag) of a need: a PDF rendered by portal.documents.

Imported at the top of projects/models.py (Django looks for models there), so it must not import
projects.models: the need is referred to as "projects.Need".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.documents import DocumentKind, RenderedDocument, register_kind

from . import rules  # noqa: F401  (registers the permissions)

DECISION_SUPPORT_KIND = "projects.decision_support"


class DecisionDocument(RenderedDocument):
    need = models.ForeignKey(
        "projects.Need", on_delete=models.CASCADE, related_name="decision_documents", verbose_name=_("need")
    )

    class Meta(RenderedDocument.Meta):
        verbose_name = _("decision-support document")
        verbose_name_plural = _("decision-support documents")
        constraints = [models.UniqueConstraint(fields=["need", "version"], name="decision_document_version_unique")]

    def __str__(self):
        return f"{self.need} v{self.version}"

    @property
    def organisation(self):
        return self.need.organisation


def _context(document):
    from .selectors import decision_support_context

    return decision_support_context(document)


def _filename(document):
    from django.utils.text import slugify

    return f"beslutsunderlag-{slugify(document.need.title)[:60] or document.need_id}-v{document.version}.pdf"


register_kind(
    DocumentKind(
        name=DECISION_SUPPORT_KIND,
        model=DecisionDocument,
        template="documents/decision_support.html",
        get_context=_context,
        filename=_filename,
        scope=("need",),
    )
)
