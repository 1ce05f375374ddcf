"""Role-access rows for the decision-support document URLs (namespace `documents`).

The buyer's organisation owns the need; only its members see, order, retry and download.
Everyone else gets 404 ("not found" and "not yours" look the same); anonymous users go to the login page.
"""

from portal.documents import DocumentStatus
from projects.decision_support.models import DecisionDocument
from tests.access import AccessCase
from tests.documents_data import build_need_with_dialogue

MEMBERS_ONLY = {"anonymous": 302, "buyer": 200}


def cases(world):
    need = build_need_with_dialogue(organisation=world["buyer_org"], calls=1, responses=1)
    failed = DecisionDocument.objects.create(
        need=need, version=1, status=DocumentStatus.FAILED, error="Test failure", requested_by=world["buyer"]
    )
    ready = DecisionDocument.objects.create(need=need, version=2, status=DocumentStatus.READY, size=8)
    ready.file.save("beslutsunderlag.pdf", _pdf_file(), save=True)
    return [
        AccessCase("documents:need_documents", MEMBERS_ONLY, kwargs={"pk": need.pk}, default=404),
        # POST: the buyer's order is accepted and redirected back; GET is not allowed at all.
        AccessCase(
            "documents:order",
            {"anonymous": 302, "buyer": 302},
            kwargs={"pk": need.pk},
            default=404,
            method="post",
            data={"language": "en"},
        ),
        AccessCase("documents:status", MEMBERS_ONLY, kwargs={"pk": ready.pk}, default=404),
        AccessCase(
            "documents:retry", {"anonymous": 302, "buyer": 302}, kwargs={"pk": failed.pk}, default=404, method="post"
        ),
        AccessCase("documents:download", MEMBERS_ONLY, kwargs={"pk": ready.pk}, default=404),
    ]


def _pdf_file():
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.7\n%%EOF\n")
