"""Structured answers in a browser, with axe on every page: a buyer numbers the questions on the call form, a
company answers them one by one, the buyer compares the answers question by question."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from projects.models import Call, QuestionAnswer, Response
from tests.e2e.labels import label
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import NeedFactory, ResponseFactory, answer


def _local(delta):
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def test_buyer_numbers_questions_company_answers_buyer_compares(ui):
    buyer = make_buyer(email="kopare@kommun.example.se")
    company = make_company_user(email="salj@foretag.example.se")
    need = NeedFactory(organisation=organisation_of(buyer), title="Solceller på förskolor")
    page = ui.page

    # The buyer writes the questions one per line; an over-long one is refused next to the field, text kept.
    sign_in(page.context, ui.base_url, buyer)
    ui.goto(f"/needs/{need.pk}/calls/new/")
    page.get_by_label("Informationsförfrågan (RFI)").check()
    ui.fill("Beskrivning", "Vi vill veta vad marknaden kan erbjuda.")
    questions = ui.page.get_by_label(re.compile(r"^\s*Frågor till marknaden"))
    questions.fill("Vad kostar en pilot?\n" + "x" * 1001)
    ui.fill("Öppnar", _local(-timedelta(minutes=5)))
    ui.fill("Stänger", _local(timedelta(days=10)))
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    expect(page.locator("#id_questions_to_market_error")).to_contain_text("Fråga 2 är 1001 tecken lång")
    questions.fill("Vad kostar en pilot?\nHur installeras lösningen?")
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    ui.submit(page.get_by_role("button", name="Publicera förfrågan"))
    call = Call.objects.get()
    expect(page.locator("ol.market-questions li")).to_have_text(["Vad kostar en pilot?", "Hur installeras lösningen?"])

    # A company answers question 1 and leaves question 2 open.
    sign_in(page.context, ui.base_url, company)
    ui.goto(f"/calls/{call.pk}/respond/")
    ui.fill("Sammanfattning av lösningen", "Lätta paneler som limmas på taket.")
    page.get_by_label(label("Er lösnings TRL")).select_option("7")
    page.get_by_label("1. Vad kostar en pilot?").fill("Omkring 300 000 kr.")
    ui.submit(page.get_by_role("button", name="Skicka in svaret"))
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED
    assert list(QuestionAnswer.objects.values_list("question__number", "text")) == [(1, "Omkring 300 000 kr.")]
    expect(page.locator("#answers-heading + dl")).to_contain_text("Inte besvarad")

    # Another company's answers, then the buyer compares them question by question.
    other = ResponseFactory(call=call, organisation__name="Beta AB", price_indication=420000)
    answer(other, q1="Cirka 420 000 kr.", q2="Skruvas fast.")
    sign_in(page.context, ui.base_url, buyer)
    ui.goto(f"/calls/{call.pk}/responses/")
    ui.submit(page.get_by_role("link", name="Jämför svaren fråga för fråga"))
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["Prisindikation och TRL", "1. Vad kostar en pilot?", "2. Hur installeras lösningen?"]
    )
    second = page.get_by_role("region", name="2. Hur installeras lösningen?")
    expect(second.get_by_role("row", name=re.compile("Beta AB"))).to_contain_text("Skruvas fast.")
    expect(second.get_by_role("row", name=re.compile(response.organisation.name))).to_contain_text("Inte besvarad")
    expect(page.get_by_role("row", name=re.compile("Beta AB")).first).to_contain_text("420 000 kr")
