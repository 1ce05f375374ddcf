"""The structure tree of both kinds of PDF, read back with pikepdf, in Swedish and English (PDF/UA-1, WCAG).

PDF/UA-1 7.3 and WCAG 1.1.1: every Figure has /Alt. 7.5: every TH has /Scope, and the cells' /Headers resolve
through the /IDTree. 7.6: a list's kids are LI (or Caption), never L > Div > LI. 7.2 and WCAG 3.1.2: the document
has /Lang and a part in another language has its own (a Swedish need in an English document). WCAG 1.4.1: the
TRL level the organisation estimated is said in words.
"""

import io
import re

import pytest
from pypdf import PdfReader

from checks.decision_letters.models import KIND as LETTER_KIND
from checks.models import Application, DecisionLetter
from portal.documents import DocumentStatus, get_kind, render_document, render_html
from projects.decision_support.models import DECISION_SUPPORT_KIND
from projects.decision_support.services import order_decision_document
from tests.checks.factories import decide, make_application
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, make_handler, organisation_of
from tests.pdf_structure import outline, read_structure

pytestmark = pytest.mark.django_db

LIST_KIDS = {"LI", "Caption"}
ESTIMATE = {"sv": "(organisationens bedömning)", "en": "(the organisation's estimate)"}


def pdf_bytes(document) -> bytes:
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    with document.file.open("rb") as handle:
        return handle.read()


def decision_support(language):
    buyer = make_buyer(email="bestallare@example.org")
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=2, responses=4)
    document, _ = order_decision_document(need=need, by=buyer, language=language)
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    return need, document, pdf_bytes(document)


def decision_letter(language):
    application = make_application(
        buyer=make_buyer(language=language), state=Application.State.IN_REVIEW, amount=150_000
    )
    decide(
        application=application,
        by=make_handler(first_name="Bo", last_name="Beslutsfattare"),
        outcome="approved",
        granted_amount=120_000,
        reasoning="Ansökan uppfyller utlysningens kriterier.",
    )
    letter = DecisionLetter.objects.get(application=application)
    render_document(kind=LETTER_KIND, document_id=letter.pk)
    return application, letter, pdf_bytes(letter)


def assert_pdf_ua_structure(content: bytes, language: str):
    structure = read_structure(content)
    tree = outline(structure.root)
    assert structure.marked
    assert structure.lang == language
    for figure in structure.elements("Figure"):
        assert figure.alt and figure.alt.strip(), tree
    headers = structure.elements("TH")
    for header in headers:
        assert str(header.attributes.get("Scope")) in ("/Column", "/Row", "/Both"), tree
    ids = structure.ids
    for cell in structure.elements("TD"):
        for key in cell.attributes.get("Headers", []):
            assert str(key) in ids, (str(key), sorted(ids))
    for element in structure.elements("L"):
        kinds = {kid.type for kid in element.kids}
        assert kinds <= LIST_KIDS, (kinds, tree)
    return structure


@pytest.mark.parametrize("language", ["sv", "en"])
def test_decision_support_pdf_has_alt_scopes_lists_and_language(language):
    need, _document, content = decision_support(language)

    structure = assert_pdf_ua_structure(content, language)

    figures = structure.elements("Figure")
    assert len(figures) == 1  # the chart of responses per TRL
    alt = figures[0].alt
    counts = {"sv": "Stapeldiagram över inskickade svar per TRL", "en": "Bar chart of submitted responses per TRL"}
    assert alt.startswith(counts[language]), alt
    assert "TRL 4: 1, TRL 5: 1, TRL 6: 2, TRL 7: 0" in alt
    assert len(structure.elements("TH")) >= 20 and structure.ids
    tagged_sv = [element for element in structure.elements() if element.lang == "sv"]
    if language == "en":
        # The need's title, summary, problem, effects, who is affected, evidence, reasoning, risks, and more.
        assert len(tagged_sv) >= 10, outline(structure.root)
        assert {element.type for element in tagged_sv} >= {"H1", "P", "TD"}
    else:
        assert tagged_sv == []  # the whole document is Swedish: no part needs its own language
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())
    assert f"TRL {need.assessments.get().trl}" in text
    assert ESTIMATE[language] in text
    assert "◀" not in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_decision_letter_pdf_has_scopes_lists_and_language(language):
    application, _letter, content = decision_letter(language)

    structure = assert_pdf_ua_structure(content, language)

    assert structure.elements("L")  # the conditions
    tagged_sv = [element for element in structure.elements() if element.lang == "sv"]
    if language == "en":
        # The sender, the recipient's address, the applicant, the title, the reasons: Swedish in an English letter.
        assert len(tagged_sv) >= 5, outline(structure.root)
    else:
        assert tagged_sv == []


def test_english_decision_support_html_marks_the_swedish_need_text():
    buyer = make_buyer(email="bestallare@example.org")
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=2)
    document, _ = order_decision_document(need=need, by=buyer, language="en")

    html = render_html(kind=get_kind(DECISION_SUPPORT_KIND), document=document)

    assert f'<h1 lang="sv">{need.title}</h1>' in html
    assert f'<p class="pre" lang="sv">{need.problem}</p>' in html
    assert f'<span lang="sv">{need.organisation.name}</span>' in html
    assert re.search(r"<title>Bar chart of submitted responses per TRL: TRL 1: 0,", html)
    assert "◀" not in html
