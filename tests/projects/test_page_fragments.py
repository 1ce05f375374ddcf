"""Cached fragments of the need, call, open-calls and webinar pages (issue 20), with the page cache off: a fragment is
used again while nothing it shows has changed, rendered again at once after a related write or when a call opens or
closes by the clock, and never shared between languages or with what only some viewers see."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.amendments import services as amendment_services
from projects.models import Call
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.webinars.factories import RegistrationFactory, SpeakerFactory, WebinarFactory

from .factories import AssessmentFactory, CallFactory, NeedFactory, QuestionFactory, ResponseFactory, draft_call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
# Tokens made fresh for every response.
TOKENS = re.compile(r'name="(csrfmiddlewaretoken|submission_token)" value="[^"]*"')


def _get(client, url, **extra) -> tuple[str, int]:
    """The page and the number of queries it made."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def _rendered_then_cached(client, url) -> tuple[str, int, int]:
    """The page rendered, then served again from its fragments: (page, queries rendered, queries from fragments)."""
    # The test's writes are not in a request: the first request's end makes their families stale again (as the end
    # of the writing request would), so the page is rendered once more after it.
    client.get("/healthz")
    page, rendered = _get(client, url)
    again, cached = _get(client, url)
    assert TOKENS.sub("", again) == TOKENS.sub("", page)
    return page, rendered, cached


@pytest.fixture
def buyer(db):
    return make_buyer()


@pytest.fixture
def need(buyer):
    return NeedFactory(organisation=organisation_of(buyer), title="Smartare belysning", problem="Gammalt problem.")


@pytest.fixture
def call(need):
    return CallFactory(need=need, title="Dialog om belysning", description="Vi vill höra om armaturer.")


# --- used again while nothing changed ------------------------------------------------------------------------------


def test_the_need_page_is_served_from_its_fragments_until_the_need_changes(client, need, call):
    page, rendered, cached = _rendered_then_cached(client, reverse("projects:need_detail", args=[need.pk]))
    assert "Gammalt problem." in page and "Dialog om belysning" in page
    assert cached < rendered

    need.problem = "Nytt problem."
    need.save()
    page = _get(client, reverse("projects:need_detail", args=[need.pk]))[0]
    assert "Nytt problem." in page and "Gammalt problem." not in page


def test_a_write_of_another_family_keeps_the_fragments(client, need, call):
    company, webinar = organisation_of(make_company_user()), WebinarFactory()
    url = reverse("projects:need_detail", args=[need.pk])
    _, rendered, cached = _rendered_then_cached(client, url)
    ResponseFactory(call=call, organisation=company)  # a company's response: not shown on the need page
    RegistrationFactory(webinar=webinar)
    client.get("/healthz")  # the end of the writing request
    assert _get(client, url)[1] == cached < rendered


def test_a_new_call_and_a_published_analysis_show_on_the_need_page_at_once(client, need, call):
    url = reverse("projects:need_detail", args=[need.pk])
    _rendered_then_cached(client, url)
    CallFactory(need=need, title="Idétävling om ljus")
    AssessmentFactory(need=need, public_summary="Marknaden saknar lösningar.")
    page = _get(client, url)[0]
    assert "Idétävling om ljus" in page and "Marknaden saknar lösningar." in page


def test_an_organisation_renamed_shows_at_once(client, need):
    url = reverse("projects:need_detail", args=[need.pk])
    _rendered_then_cached(client, url)
    organisation = need.organisation
    organisation.name = "Nya kommunen"
    organisation.save()
    assert "Nya kommunen" in _get(client, url)[0]


def test_a_published_answer_shows_on_the_call_page_at_once(client, call, buyer):
    url = reverse("projects:call_detail", args=[call.pk])
    page, rendered, cached = _rendered_then_cached(client, url)
    assert "Inga frågor har besvarats ännu." in page and cached < rendered

    question = QuestionFactory(call=call, text="Hur många armaturer?")
    services.answer_question(question=question, by=buyer, answer="Ungefär 400.", publish=True)
    page = _get(client, url)[0]
    assert "Hur många armaturer?" in page and "Ungefär 400." in page


def test_an_amendment_shows_on_the_call_page_at_once(client, call, buyer):
    url = reverse("projects:call_detail", args=[call.pk])
    _rendered_then_cached(client, url)
    amendment_services.amend_call(call=call, by=buyer, text="Svarstiden är förlängd.")
    assert "Svarstiden är förlängd." in _get(client, url)[0]


def test_an_edited_call_shows_on_the_call_page_and_in_the_open_calls_at_once(client, call):
    _rendered_then_cached(client, reverse("projects:call_detail", args=[call.pk]))
    _rendered_then_cached(client, reverse("projects:call_list"))
    call.title = "Dialog om gatubelysning"
    call.description = "Vi vill höra om stolpar."
    call.save()
    page = _get(client, reverse("projects:call_detail", args=[call.pk]))[0]
    assert "Dialog om gatubelysning" in page and "Vi vill höra om stolpar." in page
    assert "Dialog om gatubelysning" in _get(client, reverse("projects:call_list"))[0]


# --- the clock -----------------------------------------------------------------------------------------------------


def test_a_call_closing_by_the_clock_ends_the_fragments(client, need, monkeypatch):
    call = CallFactory(need=need, title="Dialog om sensorer", closes_at=timezone.now() + timedelta(hours=1))
    need_url = reverse("projects:need_detail", args=[need.pk])
    call_url = reverse("projects:call_detail", args=[call.pk])
    assert "Dialog om sensorer" in _rendered_then_cached(client, reverse("projects:call_list"))[0]
    assert "status-open" in _rendered_then_cached(client, need_url)[0]
    assert "status-open" in _rendered_then_cached(client, call_url)[0]

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # No row changed and the periodic task has not run: the clock alone makes the fragments stale.
    assert "Dialog om sensorer" not in _get(client, reverse("projects:call_list"))[0]
    need_page, call_page = _get(client, need_url)[0], _get(client, call_url)[0]
    assert "status-open" not in need_page and "status-closed" in need_page
    assert "status-open" not in call_page and "status-closed" in call_page


def test_a_call_opening_by_the_clock_shows_in_the_open_calls(client, monkeypatch):
    # Published, opening in an hour (a scheduled call).
    CallFactory(title="Dialog om vätgas", opens_at=timezone.now() + timedelta(hours=1), status=Call.Status.DRAFT)
    assert "Dialog om vätgas" not in _rendered_then_cached(client, reverse("projects:call_list"))[0]
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Dialog om vätgas" in _get(client, reverse("projects:call_list"))[0]


# --- never shared between languages or viewers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["projects:need_detail", "projects:call_detail", "projects:call_list", "webinars:detail"]
)
def test_fragments_are_not_shared_between_languages(client, need, call, url_name):
    webinar = WebinarFactory()
    pk = {"projects:need_detail": need.pk, "projects:call_detail": call.pk, "webinars:detail": webinar.pk}
    url = reverse(url_name, args=[pk[url_name]] if url_name in pk else [])
    swedish = _rendered_then_cached(client, url)[0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _get(client, url)[0]
    marks = {
        "projects:need_detail": ("Skede", "Stage"),
        "projects:call_detail": ("Stänger", "Closes"),
        "projects:call_list": ("Typ", "Kind"),
        "webinars:detail": ("Lägg till i din kalender", "Add to your calendar"),
    }[url_name]
    assert marks[0] in swedish and marks[1] not in swedish
    assert marks[1] in english and marks[0] not in english


def test_the_buyers_need_page_is_not_shared_with_visitors(client, need, call, buyer):
    draft_call(need=need, title="Utkast till idétävling")
    AssessmentFactory(need=need, evidence="Internt underlag.", public_summary="Publik sammanfattning.")
    url = reverse("projects:need_detail", args=[need.pk])
    for first, second in (("buyer", "visitor"), ("visitor", "buyer")):
        pages = {}
        for who in (first, second):
            client.logout()
            if who == "buyer":
                client.force_login(buyer)
            pages[who] = _get(client, url)[0]
        assert "Utkast till idétävling" in pages["buyer"] and "Internt underlag." in pages["buyer"]
        assert "Utkast till idétävling" not in pages["visitor"] and "Internt underlag." not in pages["visitor"]
        assert "Publik sammanfattning." in pages["visitor"]
        assert "Dialog om belysning" in pages["visitor"]


def test_the_buyers_and_a_companys_parts_of_the_call_page_are_not_shared(client, call, buyer):
    company_user = make_company_user()
    QuestionFactory(call=call, organisation=organisation_of(company_user), text="Vår egen obesvarade fråga?")
    amendment_services.amend_call(call=call, by=buyer, text="Bilagan är rättad.")
    url = reverse("projects:call_detail", args=[call.pk])
    amend_url = reverse("projects:call_amend", args=[call.pk])
    pages = {}
    for who, user in (("company", company_user), ("buyer", buyer), ("visitor", None), ("company again", company_user)):
        client.logout()
        if user is not None:
            client.force_login(user)
        pages[who] = _get(client, url)[0]
    assert all("Bilagan är rättad." in page for page in pages.values())
    assert amend_url in pages["buyer"]
    assert all(amend_url not in pages[who] for who in ("company", "visitor", "company again"))
    assert "Vår egen obesvarade fråga?" in pages["company"] and "Vår egen obesvarade fråga?" in pages["company again"]
    assert all("Vår egen obesvarade fråga?" not in pages[who] for who in ("buyer", "visitor"))
    assert "csrfmiddlewaretoken" in pages["company"]  # the company's forms (follow, ask) are outside the fragments


def test_a_webinars_fragments_follow_its_changes_and_not_a_signed_in_persons_form(client):
    webinar = WebinarFactory(capacity=10)
    SpeakerFactory(webinar=webinar, name="Greta Talare")
    url = reverse("webinars:detail", args=[webinar.pk])
    page, rendered, cached = _rendered_then_cached(client, url)
    assert "Greta Talare" in page and cached < rendered

    SpeakerFactory(webinar=webinar, name="Sven Talare")
    assert "Sven Talare" in _get(client, url)[0]
    RegistrationFactory(webinar=webinar)
    assert "9 platser kvar" in _get(client, url)[0]

    person = make_company_user(email="anna@example.se")
    client.force_login(person)
    assert 'value="anna@example.se"' in _get(client, url)[0]
    client.logout()
    assert 'value="anna@example.se"' not in _get(client, url)[0]
