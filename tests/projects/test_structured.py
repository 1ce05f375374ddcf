"""Structured answers: numbered questions to the market, an answer per question, the buyer's comparison (page,
CSV, decision-support document) and bad input."""

import csv
import importlib
import io
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.services import ServiceError
from projects import services
from projects.decision_support.models import DecisionDocument
from projects.decision_support.selectors import decision_support_context
from projects.models import Call, MarketQuestion, QuestionAnswer, Response
from tests.factories import make_buyer, make_company_user

from .factories import CallFactory, NeedFactory, ResponseFactory, answer, with_questions

pytestmark = pytest.mark.django_db


def _numbered(call) -> list[tuple[int, str]]:
    return list(MarketQuestion.objects.filter(call=call).order_by("number").values_list("number", "text"))


def _answers(response) -> dict[int, str]:
    return dict(QuestionAnswer.objects.filter(response=response).values_list("question__number", "text"))


def _call_data(**overrides) -> dict:
    now = timezone.localtime()
    return {
        "kind": "rfi",
        "title": "RFI om solpaneler",
        "description": "Text",
        "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        **overrides,
    }


def _error_text(page: str, field: str) -> str:
    """The text of the error message shown next to `field` (its id is the field's id + "_error")."""
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


# --- questions on the call ---------------------------------------------------------------------------------------


def test_the_call_form_saves_numbered_questions_and_the_call_page_shows_them(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    client.force_login(buyer)
    text = "  Vad kostar en pilot?\n\nHur installeras lösningen?\r\nVilken TRL har den?  \n"

    response = client.post(reverse("projects:call_create", args=[need.pk]), _call_data(questions_to_market=text))

    call = Call.objects.get()
    assert response.status_code == 302
    assert _numbered(call) == [
        (1, "Vad kostar en pilot?"),
        (2, "Hur installeras lösningen?"),
        (3, "Vilken TRL har den?"),
    ]
    assert call.questions_to_market == "Vad kostar en pilot?\nHur installeras lösningen?\nVilken TRL har den?"
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert '<li value="2">Hur installeras lösningen?</li>' in page


def test_editing_the_questions_keeps_the_numbers_and_removes_the_ones_dropped(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    client.force_login(buyer)
    client.post(reverse("projects:call_create", args=[need.pk]), _call_data(questions_to_market="A?\nB?\nC?"))
    call = Call.objects.get()
    first = MarketQuestion.objects.get(call=call, number=1)

    response = client.post(reverse("projects:call_edit", args=[call.pk]), _call_data(questions_to_market="A?\nB2?"))

    assert response.status_code == 302
    assert _numbered(call) == [(1, "A?"), (2, "B2?")]
    assert MarketQuestion.objects.get(call=call, number=1).pk == first.pk
    form = client.get(reverse("projects:call_edit", args=[call.pk])).context["form"]
    assert form["questions_to_market"].value() == "A?\nB2?"


def test_more_than_30_questions_are_refused_next_to_the_field_and_the_text_is_kept(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    client.force_login(buyer)
    text = "\n".join(f"Fråga {number}?" for number in range(1, 32))

    response = client.post(reverse("projects:call_create", args=[need.pk]), _call_data(questions_to_market=text))

    assert response.status_code == 200
    assert response.context["form"].errors["questions_to_market"] == [
        "Ställ högst 30 frågor (en per rad); du har skrivit 31."
    ]
    assert response.context["form"]["questions_to_market"].value() == text
    assert _error_text(response.content.decode(), "questions_to_market") == (
        "Ställ högst 30 frågor (en per rad); du har skrivit 31."
    )
    assert not Call.objects.exists() and not MarketQuestion.objects.exists()


def test_a_question_over_1000_characters_is_refused_with_its_number(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    client.force_login(buyer)
    text = "Kort fråga?\n" + "x" * 1001

    response = client.post(reverse("projects:call_create", args=[need.pk]), _call_data(questions_to_market=text))

    assert response.status_code == 200
    assert response.context["form"].errors["questions_to_market"] == [
        "Fråga 2 är 1001 tecken lång; högst 1000 tecken är tillåtna."
    ]
    assert not Call.objects.exists()


def test_the_service_refuses_too_many_questions_too(buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    now = timezone.now()
    with pytest.raises(ServiceError) as error:
        services.create_call(
            need=need,
            by=buyer,
            title="RFI",
            description="Text",
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=5),
            questions_to_market="\n".join("?" * 31),
        )
    assert error.value.field == "questions_to_market"
    assert not Call.objects.exists()


def test_the_migration_turns_every_line_into_a_numbered_question():
    call = CallFactory(questions_to_market="Första?\n\n  Andra?  \n" + "y" * 1200)
    untouched = CallFactory(questions_to_market="")
    migration = importlib.import_module("projects.migrations.0010_structured")

    migration.questions_to_rows(apps, None)

    assert _numbered(call) == [(1, "Första?"), (2, "Andra?"), (3, "y" * 1200)]
    assert _numbered(untouched) == []


# --- answers on the response -------------------------------------------------------------------------------------


def test_the_response_form_has_an_answer_field_per_question(client, company_user):
    call = CallFactory()
    with_questions(call, "Vad kostar en pilot?", "Hur installeras lösningen?")
    client.force_login(company_user)

    page = client.get(reverse("projects:response_edit", args=[call.pk])).content.decode()

    assert re.search(r'<label for="id_answer_1"[^>]*>\s*1\. Vad kostar en pilot\?', page)
    assert re.search(r'<label for="id_answer_2"[^>]*>\s*2\. Hur installeras lösningen\?', page)
    assert '<textarea name="answer_2"' in page and 'maxlength="5000"' in page
    # The answers come after the summary and before the free description.
    assert page.index('name="summary"') < page.index('name="answer_1"') < page.index('name="description"')


def test_answers_are_saved_per_question_as_a_draft_and_then_submitted(client, company_user, company_org):
    call = CallFactory()
    with_questions(call, "Pris?", "Installation?", "TRL?")
    client.force_login(company_user)
    url = reverse("projects:response_edit", args=[call.pk])

    draft = client.post(
        url, {"summary": "Lösning", "trl": "6", "answer_1": "Omkring 300 000 kr.", "answer_2": "", "draft": "1"}
    )
    saved = Response.objects.get()
    assert draft.status_code == 302 and saved.status == "draft"
    assert _answers(saved) == {1: "Omkring 300 000 kr."}
    form = client.get(url).context["form"]
    assert form["answer_1"].value() == "Omkring 300 000 kr." and form["answer_2"].value() == ""

    submitted = client.post(
        url, {"summary": "Lösning", "trl": "6", "answer_1": "", "answer_2": "Limmas på taket.", "submit": "1"}
    )
    saved.refresh_from_db()
    assert submitted.status_code == 302 and saved.status == "submitted"
    assert _answers(saved) == {2: "Limmas på taket."}


def test_the_response_page_shows_which_questions_are_unanswered(client, company_user, company_org):
    call = CallFactory()
    with_questions(call, "Pris?", "Installation?")
    response = answer(ResponseFactory(call=call, organisation=company_org), q1="Billigt.")
    client.force_login(company_user)

    page = client.get(reverse("projects:response_detail", args=[response.pk])).content.decode()

    assert '<h2 id="answers-heading">Svar på frågorna till marknaden</h2>' in page
    assert re.search(r"<dt>1\. Pris\?</dt>\s*<dd>Billigt\.</dd>", page)
    assert re.search(r"<dt>2\. Installation\?</dt>\s*<dd><span[^>]*>Inte besvarad</span></dd>", page)


def test_an_answer_over_the_limit_is_refused_next_to_its_field_and_nothing_is_lost(client, company_user):
    call = CallFactory()
    with_questions(call, "Pris?", "Installation?")
    client.force_login(company_user)
    data = {"summary": "Min lösning", "trl": "5", "answer_1": "Kort svar.", "answer_2": "x" * 5001, "submit": "1"}

    response = client.post(reverse("projects:response_edit", args=[call.pk]), data)

    form = response.context["form"]
    assert response.status_code == 200
    assert list(form.errors) == ["answer_2"]
    assert form.errors["answer_2"] == ["Säkerställ att detta värde har som mest 5000 tecken (den har 5001)."]
    assert form["summary"].value() == "Min lösning" and form["answer_1"].value() == "Kort svar."
    assert form["answer_2"].value() == "x" * 5001
    assert not Response.objects.exists()


def test_an_answer_to_an_unknown_question_number_is_refused_and_nothing_is_lost(client, company_user):
    call = CallFactory()
    with_questions(call, "Pris?")
    client.force_login(company_user)
    data = {"summary": "Min lösning", "trl": "5", "answer_1": "Kort svar.", "answer_9": "Svar", "submit": "1"}

    response = client.post(reverse("projects:response_edit", args=[call.pk]), data)

    form = response.context["form"]
    assert response.status_code == 200
    assert form.non_field_errors() == [
        "Förfrågan har ingen fråga 9. Ladda om sidan och besvara de frågor som visas där."
    ]
    assert form["summary"].value() == "Min lösning" and form["answer_1"].value() == "Kort svar."
    assert not Response.objects.exists()


def test_the_service_refuses_unknown_numbers_and_long_answers_next_to_the_field(company_user, company_org):
    call = CallFactory()
    with_questions(call, "Pris?")
    arguments = {"call": call, "organisation": company_org, "by": company_user, "summary": "S", "trl": 5}

    with pytest.raises(ServiceError) as unknown:
        services.save_response(**arguments, answers={2: "Svar"})
    with pytest.raises(ServiceError) as long:
        services.save_response(**arguments, answers={1: "x" * 5001})

    assert unknown.value.field is None
    assert (
        str(unknown.value.message) == "Förfrågan har ingen fråga 2. Ladda om sidan och besvara de frågor som visas där."
    )
    assert long.value.field == "answer_1"
    assert str(long.value.message) == "Svaret är 5001 tecken långt; högst 5000 tecken är tillåtna."
    assert not Response.objects.exists() and not QuestionAnswer.objects.exists()


def test_saving_without_answers_leaves_the_stored_answers_alone(company_user, company_org):
    call = CallFactory()
    with_questions(call, "Pris?")
    response = answer(ResponseFactory(call=call, organisation=company_org, status="draft"), q1="Billigt.")

    services.save_response(call=call, organisation=company_org, by=company_user, summary="Ny", trl=5)

    assert _answers(response) == {1: "Billigt."}


# --- the buyer's comparison --------------------------------------------------------------------------------------


def _compared_call(buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    with_questions(call, "Vad kostar en pilot?", "Hur installeras lösningen?")
    alfa = ResponseFactory(call=call, organisation__name="Alfa AB", price_indication=350000, trl=7)
    beta = ResponseFactory(call=call, organisation__name="Beta AB", price_indication=None, trl=4)
    draft = ResponseFactory(call=call, organisation__name="Utkast AB", status="draft")
    answer(alfa, q1="Omkring 350 000 kr.", q2="Limmas på taket.")
    answer(beta, q2="Skruvas fast.")
    answer(draft, q1="Hemligt utkast.")
    return call


def test_the_buyer_compares_the_answers_question_by_question(client, buyer, buyer_org):
    call = _compared_call(buyer_org)
    client.force_login(buyer)

    response = client.get(reverse("projects:call_responses_compare", args=[call.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="question-1">1. Vad kostar en pilot?</h2>' in page
    assert '<h2 id="question-2">2. Hur installeras lösningen?</h2>' in page
    assert "1 av 2 svar besvarar frågan." in page and "2 av 2 svar besvarar frågan." in page
    first = page[page.index('id="question-1"') : page.index('id="question-2"')]
    assert re.search(r'<th scope="row">Alfa AB</th>\s*<td>Omkring 350 000 kr\.</td>', first)
    assert re.search(r'<th scope="row">Beta AB</th>\s*<td><span[^>]*>Inte besvarad</span></td>', first)
    figures = page[page.index('id="figures"') : page.index('id="question-1"')]
    assert re.search(r"Alfa AB</a></th>\s*<td class=\"num\">350\xa0000 kr</td>\s*<td class=\"num\">7</td>", figures)
    assert re.search(r"Beta AB</a></th>\s*<td class=\"num\"><span[^>]*>Inte angivet</span></td>", figures)
    assert "Utkast AB" not in page and "Hemligt utkast" not in page


@pytest.mark.parametrize("who", ["company", "other_buyer", "anonymous"])
def test_only_the_buyer_organisation_may_compare(client, buyer_org, who):
    call = _compared_call(buyer_org)
    if who == "company":
        client.force_login(make_company_user())
    elif who == "other_buyer":
        client.force_login(make_buyer())

    response = client.get(reverse("projects:call_responses_compare", args=[call.pk]))

    assert response.status_code == (302 if who == "anonymous" else 404)


def test_the_compare_page_query_count_does_not_grow(client, buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    with_questions(call, "Fråga 1?")
    answer(ResponseFactory(call=call), q1="Svar.")
    client.force_login(buyer)
    url = reverse("projects:call_responses_compare", args=[call.pk])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    with_questions(call, *(f"Fråga {number}?" for number in range(1, 8)))
    for _ in range(10):
        answer(ResponseFactory(call=call), q1="Svar.", q5="Mer.", q7="Sist.")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count("Sist.") == 10
    assert len(many) == len(one)


def test_the_responses_list_shows_the_price_indication_and_links_the_comparison(client, buyer, buyer_org):
    call = _compared_call(buyer_org)
    client.force_login(buyer)

    page = client.get(reverse("projects:call_responses", args=[call.pk])).content.decode()

    assert '<th scope="col" class="num">Prisindikation (kr)</th>' in page
    assert '<td class="num">350\xa0000 kr</td>' in page
    assert reverse("projects:call_responses_compare", args=[call.pk]) in page


# --- CSV ---------------------------------------------------------------------------------------------------------


def test_the_csv_has_a_column_per_question_and_the_price_indication(client, buyer, buyer_org):
    call = _compared_call(buyer_org)
    with_questions(call, "Vad kostar en pilot?", "=Hur installeras " + "lösningen " * 10)
    alfa = Response.objects.get(organisation__name="Alfa AB")
    answer(alfa, q2="=HYPERLINK(ond)")
    client.force_login(buyer)

    download = client.get(reverse("projects:call_responses_csv", args=[call.pk]))

    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[6] == "Prisindikation (kr)"
    assert header[-2:] == ["F1 Vad kostar en pilot?", "F2 =Hur installeras lösningen lösningen lösningen lösningen lö…"]
    assert len(header[-1]) == 3 + 60
    by_company = {row[0]: row for row in rows[1:]}
    assert set(by_company) == {"Alfa AB", "Beta AB"}
    assert by_company["Alfa AB"][6] == "350000"
    assert by_company["Alfa AB"][-2:] == ["Omkring 350 000 kr.", "'=HYPERLINK(ond)"]
    assert by_company["Beta AB"][6] == "" and by_company["Beta AB"][-2:] == ["", "Skruvas fast."]


# --- the decision-support document -------------------------------------------------------------------------------


def test_the_decision_support_context_summarises_the_answers_per_question(buyer, buyer_org):
    call = _compared_call(buyer_org)
    document = DecisionDocument.objects.create(need=call.need, version=1)

    context = decision_support_context(document)

    (group,) = context["structured_answers"]
    assert group["call"].pk == call.pk
    assert [response.organisation.name for response in group["responses"]] == ["Alfa AB", "Beta AB"]
    summary = [
        (item.question.number, item.answer_count, [(r.organisation.name, text) for r, text in item.entries])
        for item in group["questions"]
    ]
    assert summary == [
        (1, 1, [("Alfa AB", "Omkring 350 000 kr."), ("Beta AB", "")]),
        (2, 2, [("Alfa AB", "Limmas på taket."), ("Beta AB", "Skruvas fast.")]),
    ]
    html = render_to_string("documents/decision_support_answers.html", context)
    assert "<h3>Svar på frågorna till marknaden</h3>" in html
    assert "<strong>1. Vad kostar en pilot?</strong>" in html and "1 av 2 svar besvarar frågan." in html
    assert "<li><strong>Beta AB:</strong> Skruvas fast.</li>" in html
    assert "<h3>Prisindikationer</h3>" in html and '<td class="num">350\xa0000 kr</td>' in html
    assert "Hemligt utkast" not in html


def test_a_need_without_questions_has_no_structured_section(buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    ResponseFactory(call=call)
    document = DecisionDocument.objects.create(need=call.need, version=1)

    context = decision_support_context(document)

    assert context["structured_answers"] == []
    assert "Svar på frågorna till marknaden" not in render_to_string("documents/decision_support_answers.html", context)


# --- demo --------------------------------------------------------------------------------------------------------


def test_the_demo_call_has_numbered_questions_that_its_responses_answer(monkeypatch, tmp_path):
    monkeypatch.setenv("CPV_DATA_FILE", str(tmp_path / "missing.json"))
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    call = Call.objects.get(title="RFI: lätta solpaneler för små tak")
    assert [number for number, _text in _numbered(call)] == [1, 2, 3]
    submitted = Response.objects.get(call=call, status="submitted")
    assert sorted(_answers(submitted)) == [1, 2, 3]
