"""The decision-support document's figures: responses to cancelled calls count nowhere, the TRL chart's caption
says what is drawn, and the price indications of submitted responses are summarised per call."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from portal.documents import get_kind, render_html
from projects.decision_support import selectors as document_selectors
from projects.decision_support.models import DECISION_SUPPORT_KIND, DecisionDocument
from projects.models import Call, Need, Response
from tests.factories import OrganisationFactory, make_buyer, organisation_of

from .factories import AssessmentFactory, CallFactory, NeedFactory, ResponseFactory

pytestmark = pytest.mark.django_db


def _company(name):
    return OrganisationFactory(name=name, kind="company")


@pytest.fixture
def buyer():
    return make_buyer()


@pytest.fixture
def need(buyer):
    """A need with its own estimate at TRL 8, one closed call (three responses: TRL 4, 5, 5; prices 100 000,
    250 000 and none; one withdrawn response with a price), and one cancelled call (two responses at TRL 9 with
    prices of 9 000 000)."""
    need = NeedFactory(organisation=organisation_of(buyer), stage=Need.Stage.DIALOGUE)
    AssessmentFactory(need=need, version=1, conclusion="untested", trl=8)
    opens = timezone.now() - datetime.timedelta(days=40)
    closed = CallFactory(
        need=need,
        title="Stängd förfrågan",
        opens_at=opens,
        closes_at=opens + datetime.timedelta(days=20),
        status=Call.Status.CLOSED,
        published_at=opens,
    )
    cancelled = CallFactory(
        need=need,
        title="Inställd förfrågan",
        opens_at=opens + datetime.timedelta(days=1),
        closes_at=opens + datetime.timedelta(days=60),
        status=Call.Status.CANCELLED,
        published_at=opens,
        cancel_reason="Fel underlag.",
    )
    ResponseFactory(call=closed, organisation=_company("Alfa AB"), trl=4, price_indication=100_000)
    ResponseFactory(call=closed, organisation=_company("Beta AB"), trl=5, price_indication=250_000)
    ResponseFactory(call=closed, organisation=_company("Gamma AB"), trl=5, price_indication=None)
    ResponseFactory(
        call=closed,
        organisation=_company("Drog tillbaka AB"),
        trl=7,
        price_indication=1,
        status=Response.Status.WITHDRAWN,
    )
    for name in ("Delta AB", "Epsilon AB"):
        ResponseFactory(call=cancelled, organisation=_company(name), trl=9, price_indication=9_000_000)
    return need


def _context(need):
    return document_selectors.decision_support_context(DecisionDocument.objects.create(need=need, version=1))


def _html(need, language):
    document = DecisionDocument.objects.create(need=need, version=1, language=language)
    with translation.override(language):
        return render_html(kind=get_kind(DECISION_SUPPORT_KIND), document=document)


def test_responses_to_a_cancelled_call_count_nowhere(need):
    context = _context(need)

    assert sorted(r.organisation.name for r in context["responses"]) == ["Alfa AB", "Beta AB", "Gamma AB"]
    assert context["trl_counts"] == [(1, 0), (2, 0), (3, 0), (4, 1), (5, 2), (6, 0), (7, 0), (8, 0), (9, 0)]
    assert context["median_trl"] == 5
    assert context["chart"]["total"] == 3 and context["chart"]["peak"] == 2
    # The cancelled call is still listed, its responses are not counted in its row.
    assert {call.title: call.submitted_count for call in context["calls"]} == {
        "Stängd förfrågan": 3,
        "Inställd förfrågan": 0,
    }
    assert [call.title for call in context["cancelled_calls"]] == ["Inställd förfrågan"]
    assert [row["call"].title for row in context["price_indications"]] == ["Stängd förfrågan"]


def test_the_html_shows_no_response_of_a_cancelled_call(need):
    html = _html(need, "en")

    assert "Delta AB" not in html and "Epsilon AB" not in html
    assert "3 submitted responses" in html
    assert "Responses to a cancelled call are not counted anywhere in this document." in html
    # (An English document marks the Swedish title with lang="sv".)
    row = re.search(r"<td class=\"text\"(?: lang=\"sv\")?>Inställd förfrågan</td>.*?</tr>", html, re.S).group(0)
    assert re.findall(r"<td class=\"num\">([^<]*)</td>", row) == ["–", "0"]


def test_chart_draws_the_counts_as_bars_and_the_estimate_as_its_own_marker(need):
    chart = _context(need)["chart"]

    assert [bar.count for bar in chart["bars"]] == [0, 0, 0, 1, 2, 0, 0, 0, 0]
    # The estimate (TRL 8) has no response: it is still drawn, as a line over the middle of its slot.
    slot = (chart["width"] - chart["left"]) / 9
    assert chart["estimate"]["level"] == 8
    assert chart["estimate"]["x"] == pytest.approx(chart["left"] + 7.5 * slot)


@pytest.mark.parametrize(
    ("language", "caption"),
    [
        (
            "en",
            "Blue bars: submitted responses per TRL, 3 in all (responses to cancelled calls are not counted). "
            "Green dashed line: the organisation's own estimate, TRL 8.",
        ),
        (
            "sv",
            "Blå staplar: inskickade svar per TRL, 3 totalt (svar på inställda förfrågningar räknas inte). "
            "Grön streckad linje: organisationens egen bedömning, TRL 8.",
        ),
    ],
)
def test_chart_caption_says_what_is_drawn(need, language, caption):
    html = _html(need, language)

    svg = re.search(r"<svg role=\"img\".*?</svg>", html, re.S).group(0)
    # Every bar is blue; the one green thing is the dashed line of the estimate.
    assert svg.count('fill="#0b4f8a"') == 9 and 'fill="#1d6b35"' not in svg
    assert svg.count('stroke="#1d6b35"') == 1 and 'stroke-dasharray="3 2"' in svg
    # The numbers over the bars add up to the total in the caption.
    assert sum(int(n) for n in re.findall(r"font-weight=\"bold\">(\d+)</text>", svg)) == 3
    assert re.search(r"</svg>\s*<figcaption[^>]*>(.*?)</figcaption>", html, re.S).group(1) == caption


def test_chart_without_an_assessment_has_no_estimate_and_says_so(buyer):
    need = NeedFactory(organisation=organisation_of(buyer))
    call = CallFactory(need=need)
    ResponseFactory(call=call, trl=3)

    html = _html(need, "en")

    assert "stroke-dasharray" not in html
    assert (
        '<figcaption class="small muted">Blue bars: submitted responses per TRL, 1 in all (responses to cancelled '
        "calls are not counted).</figcaption>"
    ) in html


def test_price_indications_per_call_in_swedish_format(need):
    (row,) = _context(need)["price_indications"]

    assert (row["responses"], row["with_price"]) == (3, 2)
    assert (row["min"], row["median"], row["max"]) == (
        "100\u00a0000\u00a0kr",
        "175\u00a0000\u00a0kr",
        "250\u00a0000\u00a0kr",
    )


@pytest.mark.parametrize(
    ("language", "heading", "count"),
    [("en", "Price indications", "2 of 3"), ("sv", "Prisindikationer", "2 av 3")],
)
def test_price_indications_are_in_the_document(need, language, heading, count):
    html = _html(need, language)

    assert f"<h3>{heading}</h3>" in html
    table = re.search(r"<table class=\"price-indications\">.*?</table>", html, re.S).group(0)
    cells = re.findall(r"<td class=\"(?:num|text)\"(?: lang=\"sv\")?>([^<]*)</td>", table)
    assert cells == ["Stängd förfrågan", count, "100\u00a0000\u00a0kr", "175\u00a0000\u00a0kr", "250\u00a0000\u00a0kr"]
    assert "9\u00a0000\u00a0000" not in html  # the cancelled call's prices


def test_a_call_without_prices_shows_dashes(buyer):
    need = NeedFactory(organisation=organisation_of(buyer))
    call = CallFactory(need=need, title="Utan pris")
    ResponseFactory(call=call, price_indication=None)

    (row,) = _context(need)["price_indications"]

    assert (row["with_price"], row["min"], row["median"], row["max"]) == (0, None, None, None)


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0\u00a0kr"), (999, "999\u00a0kr"), (1000, "1\u00a0000\u00a0kr"), (1_250_000, "1\u00a0250\u00a0000\u00a0kr")],
)
def test_format_sek(amount, text):
    assert document_selectors.format_sek(amount) == text


def test_median_of_an_even_count_is_rounded_to_whole_kronor():
    assert document_selectors.format_sek(175_000.5) == "175\u00a0000\u00a0kr"
    assert document_selectors.format_sek(1.5) == "2\u00a0kr"
