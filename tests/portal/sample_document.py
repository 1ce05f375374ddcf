"""A tiny document kind used only by the machinery tests (its table is created by a fixture, never migrated)."""

from django.db import models

from portal.documents import DocumentKind, RenderedDocument, register_kind


class SampleDocument(RenderedDocument):
    subject = models.CharField(max_length=200)

    class Meta(RenderedDocument.Meta):
        app_label = "documents_tests"  # not an installed app: never migrated, never in makemigrations


def sample_context(document):
    if document.subject == "explode":
        raise ValueError("The template context could not be built.")
    return {
        "title": f"Sample {document.subject}",
        "author": "Testkommun",
        "paragraphs": [f"Paragraph about {document.subject}.", "Åäö – Swedish letters survive."]
        * (60 if document.subject == "long" else 1),
    }


READY_CALLS: list[int] = []

SAMPLE_KIND = register_kind(
    DocumentKind(
        name="tests.sample",
        model=SampleDocument,
        template="documents/pdf_base.html",
        get_context=sample_context,
        filename=lambda document: f"sample-{document.subject}-v{document.version}.pdf",
        scope=("subject",),
        on_ready=lambda document: READY_CALLS.append(document.pk),
    )
)
