"""The decision letter, rendered by the decision-support PDF machinery, read back in the contact's language."""

import io
import re

import pytest
from django.test import override_settings
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
        "reasons": "Skäl för beslutet",
        "appeal": "Detta beslut får inte överklagas",
        "people": "Beslutet har fattats av Bo Beslutsfattare (beslutsfattare) vid Verket för test. I den slutliga "
        "handläggningen har Fia Föredragande deltagit (föredragande).",
    },
    "en": {
        "title": "Decision {reference}",
        "granted": "Decision: innovation check granted",
        "rejected": "Decision: application rejected",
        "amount": "Granted amount",
        "conditions": "Conditions",
        "external": "The grant may only pay external fees and charges",
        "reclaim": "Amounts not used according to the application may be reclaimed.",
        "reasons": "Reasons for the decision",
        "appeal": "This decision cannot be appealed",
        "people": "This decision was made by Bo Beslutsfattare (beslutsfattare) at Verket för test. Fia Föredragande "
        "presented the case (föredragande).",
    },
}


def decided(language, outcome):
    application = make_application(buyer=make_buyer(language=language), state=S.IN_REVIEW, amount=150_000)
    decide(
        application=application,
        by=make_handler(first_name="Bo", last_name="Beslutsfattare"),
        presenter=make_handler(first_name="Fia", last_name="Föredragande"),
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
@pytest.mark.parametrize("outcome", ["approved", "rejected"])
@override_settings(
    AGENCY_NAME="Verket för test",
    AGENCY_POSTAL_ADDRESS="Box 1\n101 01 Stockholm",
    AGENCY_ORG_NUMBER="202100-1234",
    AGENCY_EMAIL="registrator@verket.example.se",
    AGENCY_PHONE="08-123 456",
)
def test_every_letter_names_the_authority_the_people_the_reasons_and_the_appeal(language, outcome):
    """Förvaltningslagen 32 § (reasons) and 33 § (appeal), who decided and presented, and how to reach the agency."""
    application, _reader, text = decided(language, outcome)
    texts = TEXTS[language]

    for fact in ("Verket för test", "Box 1", "101 01 Stockholm", "202100-1234", "registrator@verket.example.se"):
        assert fact in text, fact
    assert "08-123 456" in text
    assert texts["reasons"] in text and texts["appeal"] in text
    assert texts["people"] in text, text
    assert application.reference in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_rejection_letter_has_the_reasoning_and_no_grant_or_conditions(language):
    application, _reader, text = decided(language, "rejected")
    texts = TEXTS[language]

    assert texts["rejected"] in text and "Motiveringen i beslutet." in text
    assert application.reference in text
    assert texts["amount"] not in text and texts["conditions"] not in text
