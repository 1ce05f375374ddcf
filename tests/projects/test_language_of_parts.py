"""Language of parts (WCAG 3.1.2): a need's or call's text is marked with the language it is written in wherever
it is shown on a page in the other language; organisation names (Swedish) are marked on English pages."""

import pytest
from django.conf import settings
from django.urls import reverse

from projects.models import Call, Need
from tests.factories import OrganisationFactory

from .factories import CallFactory, NeedFactory

pytestmark = pytest.mark.django_db


def page(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def need():
    return NeedFactory(
        organisation=OrganisationFactory(name="Region Norrsken"),
        title="Smartare ventilation i skolor",
        summary="Klassrummen blir för varma på eftermiddagen.",
        problem="Ventilationen går på fasta scheman.",
    )


def test_on_the_english_need_page_the_swedish_need_text_carries_lang_sv(client, need):
    html = page(client, reverse("projects:need_detail", args=[need.pk]), "en")

    assert '<html lang="en">' in html
    assert '<h1 lang="sv">Smartare ventilation i skolor</h1>' in html
    assert '<p class="lead" lang="sv">Klassrummen blir för varma på eftermiddagen.</p>' in html
    assert '<p lang="sv">Ventilationen går på fasta scheman.</p>' in html
    assert '<dd lang="sv">Region Norrsken</dd>' in html


def test_on_the_swedish_need_page_swedish_text_needs_no_mark(client, need):
    html = page(client, reverse("projects:need_detail", args=[need.pk]), "sv")

    assert "<h1>Smartare ventilation i skolor</h1>" in html
    assert 'lang="sv"' not in html.replace('<html lang="sv">', "")


def test_a_need_written_in_english_is_marked_on_the_swedish_page(client):
    need = NeedFactory(title="Cleaner air in schools", summary="Classrooms are too warm.", language="en")

    html = page(client, reverse("projects:need_detail", args=[need.pk]), "sv")

    assert '<h1 lang="en">Cleaner air in schools</h1>' in html
    assert '<p class="lead" lang="en">Classrooms are too warm.</p>' in html
    english = page(client, reverse("projects:need_detail", args=[need.pk]), "en")
    assert "<h1>Cleaner air in schools</h1>" in english


def test_the_english_catalogue_and_call_page_mark_swedish_text(client, need):
    call = CallFactory(need=need, title="Förfrågan om ventilation", description="Vi vill veta vad som finns.")

    catalogue = page(client, reverse("projects:need_list"), "en")
    assert 'lang="sv">Smartare ventilation i skolor</a>' in catalogue
    assert '<span lang="sv">Region Norrsken</span>' in catalogue
    call_page = page(client, reverse("projects:call_detail", args=[call.pk]), "en")
    assert '<h1 lang="sv">Förfrågan om ventilation</h1>' in call_page
    assert '<p lang="sv">Vi vill veta vad som finns.</p>' in call_page
    assert '<span lang="sv">Region Norrsken</span>' in call_page
    calls = page(client, reverse("projects:call_list"), "en")
    assert 'lang="sv">Förfrågan om ventilation</a>' in calls


def test_the_need_form_records_the_language_swedish_by_default(client, buyer):
    client.force_login(buyer)
    form = client.get(reverse("projects:need_create")).content.decode()
    assert 'name="language" value="sv"' in form and 'name="language" value="en"' in form

    data = {"title": "Cleaner air", "summary": "Short", "category": "energi", "stage": "behov"}
    assert client.post(reverse("projects:need_create"), {**data, "language": "en"}).status_code == 302
    assert client.post(reverse("projects:need_create"), {**data, "title": "Renare luft"}).status_code == 302

    assert Need.objects.get(title="Cleaner air").language == "en"
    assert Need.objects.get(title="Renare luft").language == "sv"


def test_a_call_created_from_the_form_keeps_its_language(client, buyer):
    from tests.factories import organisation_of

    need = NeedFactory(organisation=organisation_of(buyer))
    client.force_login(buyer)
    response = client.post(
        reverse("projects:call_create", args=[need.pk]),
        {
            "kind": "rfi",
            "title": "Request for information",
            "language": "en",
            "description": "What exists?",
            "opens_at": "2030-01-01T09:00",
            "closes_at": "2030-02-01T09:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Call.objects.get(title="Request for information").language == "en"


def test_the_english_webinar_page_marks_the_swedish_webinar_text(client):
    from tests.webinars.factories import WebinarFactory

    webinar = WebinarFactory(title="Innovationsvänlig upphandling", summary="Om funktionskrav.")

    html = page(client, reverse("webinars:detail", args=[webinar.pk]), "en")

    assert '<h1 lang="sv">Innovationsvänlig upphandling</h1>' in html
    assert '<p class="lead" lang="sv">Om funktionskrav.</p>' in html
    assert "<h1>Innovationsvänlig upphandling</h1>" in page(client, reverse("webinars:detail", args=[webinar.pk]), "sv")
