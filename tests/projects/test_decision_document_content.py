"""What a rendered decision-support PDF contains, read back from a real WeasyPrint PDF, in Swedish and in English.

One PDF per test and language; the need has an assessment, two calls, four responses and two answered questions.
"""

import io
import re

import pytest
from django.utils import dateformat, timezone, translation
from pypdf import PdfReader

from portal.documents import DocumentStatus, get_kind, render_document, render_html
from projects.decision_support.models import DECISION_SUPPORT_KIND
from projects.decision_support.selectors import CONCLUSION_MEANING, NEXT_STEPS
from projects.decision_support.services import order_decision_document
from projects.models import TRL_LEVELS, Call, MarketGapAssessment, Question, Response
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, organisation_of

pytestmark = pytest.mark.django_db

LABELS = {
    "en": {
        "kicker": "Decision support",
        "date": "Date",
        "version": "Version",
        "summary": "Summary",
        "need": "1. The need",
        "assessment": "2. Market-gap assessment",
        "conclusion": "Conclusion: Untested solutions exist (verify them)",
        "trl": "Technology readiness (TRL)",
        "scale": "The TRL scale (EU, Horizon 2020)",
        "evidence": "Evidence",
        "sources": "Sources",
        "procedure": "3. Procedure",
        "suggested": "Suggested by the portal",
        "chosen": "Chosen by the organisation",
        "chosen_name": "Competitive dialogue",
        "suggested_name": "Innovation partnership",
        "reasoning": "Reasoning",
        "dialogue": "4. Market dialogue",
        "calls": "Calls to the market",
        "kind": "Kind",
        "company": "Company",
        "solution": "Summary of the solution",
        "responses_caption": "4 submitted responses",
        "chart": "Responses by technology readiness",
        "chart_caption": "Blue bars: submitted responses per TRL, 4 in all (responses to cancelled calls are not "
        "counted). Green dashed line: the organisation's own estimate, TRL 6.",
        "qa": "5. Questions and answers",
        "q": "Q:",
        "a": "A:",
        "risks": "6. Risks",
        "next": "7. Next steps",
        "page": "Page {page} of {pages}",
    },
    "sv": {
        "kicker": "Beslutsunderlag",
        "date": "Datum",
        "version": "Version",
        "summary": "Sammanfattning",
        "need": "1. Behovet",
        "assessment": "2. Marknadsanalys",
        "conclusion": None,  # filled from the model's label below
        "trl": "Teknisk mognadsgrad (TRL)",
        "scale": "TRL-skalan (EU, Horisont 2020)",
        "evidence": "Underlag",
        "sources": "Källor",
        "procedure": "3. Förfarande",
        "suggested": "Portalens förslag",
        "chosen": "Organisationens val",
        "chosen_name": None,
        "suggested_name": None,
        "reasoning": "Motivering",
        "dialogue": "4. Dialog med marknaden",
        "calls": "Förfrågningar till marknaden",
        "kind": "Typ",
        "company": "Företag",
        "solution": "Sammanfattning av lösningen",
        "responses_caption": None,
        "chart": "Svar efter teknisk mognadsgrad",
        "chart_caption": "Blå staplar: inskickade svar per TRL, 4 totalt (svar på inställda förfrågningar räknas "
        "inte). Grön streckad linje: organisationens egen bedömning, TRL 6.",
        "qa": "5. Frågor och svar",
        "q": "F:",
        "a": "S:",
        "risks": "6. Risker",
        "next": "7. Nästa steg",
        "page": "Sida {page} av {pages}",
    },
}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def buyer():
    return make_buyer(email="bestallare@example.org", first_name="Berit", last_name="Beställare")


@pytest.fixture
def need(buyer):
    return build_need_with_dialogue(organisation=organisation_of(buyer), calls=2, responses=4)


def rendered(need, buyer, language):
    document, _ = order_decision_document(need=need, by=buyer, language=language)
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return document, reader


def labels_for(language):
    labels = dict(LABELS[language])
    with translation.override(language):
        assessment = MarketGapAssessment.objects.order_by("-pk").first()
        if labels["conclusion"] is None:
            labels["conclusion"] = f"Slutsats: {assessment.get_conclusion_display()}"
        if labels["chosen_name"] is None:
            labels["chosen_name"] = str(assessment.get_chosen_procedure_display())
        if labels["suggested_name"] is None:
            labels["suggested_name"] = str(assessment.get_suggested_procedure_display())
        if labels["responses_caption"] is None:
            labels["responses_caption"] = "4 inskickade svar"
    return labels


@pytest.mark.parametrize("language", ["sv", "en"])
def test_cover_summary_and_need_are_in_the_orderers_language(buyer, need, language):
    document, reader = rendered(need, buyer, language)
    labels = labels_for(language)
    pages = [flat(page.extract_text()) for page in reader.pages]

    cover = pages[0]
    assert labels["kicker"] in cover
    assert need.title in cover
    assert need.organisation.name in cover
    with translation.override(language):
        today = dateformat.format(timezone.localtime(), "j F Y")
    # The cover's labels are set in capitals by the stylesheet.
    assert f"{labels['date'].upper()} {today}" in cover
    assert f"{labels['version'].upper()} {document.version}" in cover
    # The one-page summary fills page 2 alone; the need starts on page 3.
    assert pages[1].count(labels["summary"]) >= 1
    assert labels["need"] not in pages[1]
    assert labels["need"] in pages[2]
    with translation.override(language):
        next_steps = [flat(str(step)) for step in NEXT_STEPS[need.stage]]
    assert next_steps and all(step in pages[1] for step in next_steps)
    assert need.problem in pages[2] or flat(need.problem) in " ".join(pages)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_assessment_trl_procedure_calls_responses_and_answers_are_in_the_pdf(buyer, need, language):
    _, reader = rendered(need, buyer, language)
    labels = labels_for(language)
    text = flat(" ".join(page.extract_text() for page in reader.pages))
    assessment = need.assessments.get()

    for key in ("assessment", "conclusion", "trl", "scale", "evidence", "sources", "procedure", "suggested"):
        assert labels[key] in text, key
    with translation.override(language):
        assert flat(str(CONCLUSION_MEANING[assessment.conclusion])) in text
        trl_definition = flat(str(dict(TRL_LEVELS)[assessment.trl]))
    assert trl_definition in text
    assert assessment.evidence in text
    assert flat(assessment.sources_notes) in text
    # Suggested and chosen procedure, each named, and the organisation's reasoning.
    for key in ("chosen", "chosen_name", "suggested_name", "reasoning"):
        assert labels[key] in text, key
    assert assessment.rationale in text

    # Every call with its kind, dates and number of responses.
    assert labels["dialogue"] in text and labels["calls"] in text and labels["kind"] in text
    calls = list(Call.objects.filter(need=need).order_by("opens_at"))
    assert len(calls) == 2
    with translation.override(language):
        for call in calls:
            opens = timezone.localtime(call.opens_at).date().isoformat()
            closes = timezone.localtime(call.closes_at).date().isoformat()
            submitted = call.responses.filter(status=Response.Status.SUBMITTED).count()
            assert submitted == 2
            # (The title may wrap inside its cell, so the row is found by its kind and dates.)
            row = re.search(
                re.escape(str(call.get_kind_display()))
                + r"\s+"
                + re.escape(opens)
                + r"\s+"
                + re.escape(closes)
                + r"\s+\S+\s+"
                + str(submitted)
                + r"\s+1\b",
                text,
            )
            assert row, f"no row with kind, dates and {submitted} responses for {call.title}"

    # The table of responses: company, TRL and summary on one row.
    assert labels["company"] in text and labels["solution"] in text and labels["responses_caption"] in text
    for response in Response.objects.filter(call__need=need).select_related("organisation"):
        assert re.search(
            re.escape(response.organisation.name)
            + r".{0,120}?\s"
            + str(response.trl)
            + r"\s+"
            + re.escape(response.summary[:40]),
            text,
        ), response.organisation.name

    # The chart's heading and caption (the SVG itself is checked in the HTML below).
    assert labels["chart"] in text and labels["chart_caption"] in text

    # Questions and answers.
    assert labels["qa"] in text
    for question in Question.objects.filter(call__need=need):
        assert f"{labels['q']} {question.text}" in text
        assert f"{labels['a']} {question.answer}" in text

    # Risks and next steps for the stage.
    assert labels["risks"] in text and assessment.risks in text
    assert labels["next"] in text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_pages_carry_numbers_and_a_running_header_after_the_cover(buyer, need, language):
    _, reader = rendered(need, buyer, language)
    pages = [flat(page.extract_text()) for page in reader.pages]
    total = len(pages)

    assert total >= 4
    assert "Sida" not in pages[0] and "Page 1" not in pages[0]  # the cover has neither header nor number
    for number, page in enumerate(pages[1:], start=2):
        assert LABELS[language]["page"].format(page=number, pages=total) in page, number
        assert need.title in page and need.organisation.name in page, number


@pytest.mark.parametrize("language", ["sv", "en"])
def test_pdf_metadata_language_outline_and_tags(buyer, need, language):
    _, reader = rendered(need, buyer, language)
    catalog = reader.trailer["/Root"]

    assert reader.metadata.title == need.title
    assert reader.metadata.author == need.organisation.name
    assert catalog["/Lang"] == language
    assert "/StructTreeRoot" in catalog
    assert bool(catalog["/MarkInfo"]["/Marked"])
    top, sections = reader.outline
    assert top.title == need.title
    titles = [item.title for item in sections if not isinstance(item, list)]
    labels = LABELS[language]
    assert titles == [
        labels["summary"],
        labels["need"],
        labels["assessment"],
        labels["procedure"],
        labels["dialogue"],
        labels["qa"],
        labels["risks"],
        labels["next"],
    ]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_html_draws_the_trl_chart_as_svg_and_keeps_the_trl_scale_together(buyer, need, language):
    document, _ = order_decision_document(need=need, by=buyer, language=language)

    html = render_html(kind=get_kind(DECISION_SUPPORT_KIND), document=document)

    svg = re.search(r"<svg role=\"img\".*?</svg>", html, re.S)
    assert svg, "no SVG chart"
    # One bar per TRL level 1–9, and the bars' counts are the responses' TRL (4, 5, 6, 6).
    assert svg.group(0).count("<rect") == 9
    assert re.findall(r"font-weight=\"bold\">(\d+)</text>", svg.group(0)) == ["1", "1", "2"]
    caption = re.search(r"</svg>\s*<figcaption[^>]*>(.*?)</figcaption>", html, re.S)
    assert caption and caption.group(1) == LABELS[language]["chart_caption"]
    # The TRL scale sits in a block the PDF stylesheet keeps on one page.
    block = re.search(r"<div class=\"trl-block\">(.*?)</div>", html, re.S)
    assert block and "trl-scale" in block.group(1)
    scale = re.search(r"<ol class=\"trl-scale\"[^>]*>(.*?)</ol>", block.group(1), re.S)
    assert scale and scale.group(1).count("<li") == 9
    with open("static/css/documents.css", encoding="utf-8") as handle:
        assert re.search(r"\.trl-block\s*\{\s*break-inside:\s*avoid;", handle.read())
