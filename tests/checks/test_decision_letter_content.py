"""The decision letter, rendered by the decision-support PDF machinery, read back in the contact's language."""

import io
import re

import pytest
from pypdf import PdfReader

from checks.decision_letters.models import KIND
from checks.models import Application, DecisionLetter
from portal.documents import DocumentStatus, render_document
from tests.factories import make_buyer, make_handler

from .factories import decide, make_application

pytestmark = pytest.mark.django_db
S = Application.State

TEXTS = {
    "sv": {
        "title": "Beslut {reference}",
        "granted": "Beslut: innovationscheck beviljas",
        "rejected": "Beslut: ansökan avslås",
        "amount": "Beviljat belopp",
        "conditions": "Villkor",
        "external": "Bidraget får endast användas till externa arvoden och avgifter",
        "reclaim": "Belopp som inte används enligt ansökan kan återkrävas.",
    },
    "en": {
        "title": "Decision {reference}",
        "granted": "Decision: innovation check granted",
        "rejected": "Decision: application rejected",
        "amount": "Granted amount",
        "conditions": "Conditions",
        "external": "The grant may only pay external fees and charges",
        "reclaim": "Amounts not used according to the application may be reclaimed.",
    },
}


def decided(language, outcome):
    application = make_application(buyer=make_buyer(language=language), state=S.IN_REVIEW, amount=150_000)
    decide(
        application=application,
        by=make_handler(),
        outcome=outcome,
        granted_amount=120_000 if outcome == "approved" else None,
        reasoning="Motiveringen i beslutet.",
    )
    letter = DecisionLetter.objects.get(application=application)
    assert letter.language == language  # the contact person's language
    letter = render_document(kind=KIND, document_id=letter.pk)
    assert letter.status == DocumentStatus.READY
    with letter.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return application, reader, text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_an_approval_letter_has_the_amount_period_and_conditions_and_is_tagged(language):
    application, reader, text = decided(language, "approved")
    texts = TEXTS[language]

    assert texts["granted"] in text and texts["amount"] in text
    granted = re.search(re.escape(texts["amount"]) + r"\s*(.{1,20}?) (kr|SEK)\b", text)
    assert granted and re.sub(r"\D", "", granted.group(1)) == "120000", text
    assert texts["conditions"] in text and texts["external"] in text and texts["reclaim"] in text
    assert application.final_report_due.isoformat() in text
    assert "Motiveringen i beslutet." in text
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == language
    assert "/StructTreeRoot" in catalog and bool(catalog["/MarkInfo"]["/Marked"])
    assert reader.metadata.title == texts["title"].format(reference=application.reference)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_rejection_letter_has_the_reasoning_and_no_grant_or_conditions(language):
    application, _reader, text = decided(language, "rejected")
    texts = TEXTS[language]

    assert texts["rejected"] in text and "Motiveringen i beslutet." in text
    assert application.reference in text
    assert texts["amount"] not in text and texts["conditions"] not in text
