"""Amounts typed and read the Swedish way (portal.amounts): "200 000", "200000", "200 000 kr" with ordinary or
non-breaking spaces are 200000; anything else is ONE clear error next to the field; amounts are shown grouped
with non-breaking spaces on pages and in the audit log."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from checks.forms import DecisionForm, TrackForm
from checks.models import Application
from checks.templatetags.checks_tags import sek
from portal.amounts import AmountField, format_decimal, format_sek, parse_amount
from tests.factories import make_buyer, make_handler

from .factories import make_application, make_call
from .test_views import form_data

pytestmark = pytest.mark.django_db
S = Application.State
NBSP = "\u00a0"
ONE_ERROR_SV = "Ange beloppet i hela kronor, till exempel ”200 000” eller ”200000”."


@pytest.mark.parametrize(
    "typed",
    ["200000", "200 000", "200 000 kr", f"200{NBSP}000", f"200{NBSP}000{NBSP}kr", "200\u202f000", " 200 000 SEK "],
)
def test_swedish_ways_of_typing_an_amount_are_read(typed):
    assert parse_amount(typed) == 200_000


@pytest.mark.parametrize("typed", ["1,5", "1.5", "200 00", "2e5", "-3", "200 000 euro", "tvåhundra", "20 0000"])
def test_anything_else_is_not_an_amount(typed):
    with pytest.raises(ValueError):
        parse_amount(typed)


def test_empty_is_nothing():
    assert parse_amount("") is None and parse_amount("  ") is None and parse_amount(None) is None


@pytest.mark.parametrize("typed", ["1,5", "200 00", "12.5"])
def test_the_field_gives_one_clear_error(typed):
    with translation.override("sv"):
        form = DecisionForm({"outcome": "approved", "granted_amount": typed, "reasoning": "R"})
        assert form.errors["granted_amount"] == [ONE_ERROR_SV]


def test_the_field_is_a_numeric_text_input_and_shows_the_amount_grouped():
    field = AmountField(min_value=1)
    html = field.widget.render("amount", 200_000)
    assert 'type="text"' in html and 'inputmode="numeric"' in html and 'value="200 000"' in html
    assert "min=" not in html and "step" not in html


def test_limits_are_one_message_with_the_amount_grouped():
    with translation.override("sv"):
        form = TrackForm({"name": "Spår", "cap_one": "0", "cap_two_or_more": "2 000 000 000"})
        assert form.errors["cap_one"] == [f"Ange minst 1{NBSP}kr."]
        assert form.errors["cap_two_or_more"] == [f"Ange högst 1{NBSP}000{NBSP}000{NBSP}000{NBSP}kr."]


def test_the_applicant_types_amounts_with_spaces_and_kr(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(
        call,
        buyer,
        requested_amount="100 000 kr",
        **{"expertise-0-fee": f"100{NBSP}000", "budget-0-amount": "100 000"},
    )

    response = client.post(reverse("checks:application_create", args=[call.pk]), data)

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.requested_amount == 100_000 and application.lines_total == 100_000


def test_a_mistyped_amount_keeps_everything_typed_and_says_so_once(client):
    buyer, call = make_buyer(), make_call()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(buyer)
    data = form_data(call, buyer, requested_amount="1,5")

    response = client.post(reverse("checks:application_create", args=[call.pk]), data)

    assert response.status_code == 400
    assert response.context["form"].errors["requested_amount"] == [ONE_ERROR_SV]
    page = response.content.decode()
    assert 'value="1,5"' in page and 'value="Sensorer för fallprevention"' in page
    assert Application.objects.count() == 0


def test_the_handler_proposes_an_amount_typed_with_spaces(client):
    application = make_application(state=S.IN_REVIEW, amount=150_000)
    client.force_login(make_handler())

    response = client.post(
        reverse("checks:propose", args=[application.pk]),
        {"outcome": "approved", "granted_amount": "120 000 kr", "reasoning": "Bra"},
    )

    assert response.status_code == 302
    assert application.proposals.get().granted_amount == 120_000


def test_the_handler_proposes_a_corrected_amount_typed_with_spaces(client):
    application = make_application(state=S.APPROVED, amount=150_000, granted=100_000)
    client.force_login(make_handler())

    page = client.get(reverse("checks:correct", args=[application.pk])).content.decode()
    assert 'value="100 000"' in page and 'inputmode="numeric"' in page and 'type="number"' not in page
    response = client.post(
        reverse("checks:correct", args=[application.pk]),
        {"reason": "Fel belopp.", "granted_amount": "120 000 kr", "reasoning": "Bra"},
    )

    assert response.status_code == 302
    assert application.pending_proposal.is_correction and application.pending_proposal.granted_amount == 120_000


def test_amounts_are_shown_with_non_breaking_spaces():
    with translation.override("sv"):
        assert sek(40_000) == f"40{NBSP}000{NBSP}kr" == format_sek(40_000)
        assert sek(None) == "–"
    assert format_decimal("3.5") == "3,50"


def test_the_decision_form_shows_the_requested_amount_grouped(client):
    application = make_application(state=S.IN_REVIEW, amount=150_000)
    client.force_login(make_handler())

    page = client.get(reverse("checks:propose", args=[application.pk])).content.decode()

    assert 'value="150 000"' in page and 'inputmode="numeric"' in page
