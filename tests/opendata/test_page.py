"""The open-data page: both languages, every endpoint, licence, publisher and law; cached; in the footer."""

import pytest
from django.urls import reverse

from opendata.page_views import license_name
from tests.html_validator import validate_documents, validator_missing, validator_required

pytestmark = pytest.mark.django_db
PAGE = "/oppna-data/"
ENDPOINTS = [
    "/oppna-data/ocds/releases.json?since=2026-01-01",
    "/oppna-data/ocds/needs/{id}/releases.json",
    "/oppna-data/ocds/needs/{id}/record.json",
    "/api/v1/",
    "/api/v1/needs/",
    "/api/v1/calls/",
    "/api/v1/webinars/",
    "/api/v1/grant-calls/",
    "/api/v1/openapi.json",
    "/oppna-data/kalender.ics",
]


def test_page_url_is_the_documented_one():
    assert reverse("opendata:index") == PAGE


@pytest.mark.parametrize(("language", "heading"), [("sv", "Öppna data"), ("en", "Open data")])
def test_page_lists_every_endpoint_in_both_languages(client, language, heading):
    client.cookies["django_language"] = language
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    for endpoint in ENDPOINTS:
        assert endpoint.replace("&", "&amp;") in html or endpoint in html, endpoint
    assert 'href="/oppna-data/ocds/releases.json?since=2026-01-01"' in html
    assert 'href="/api/v1/openapi.json"' in html
    assert "curl " in html and "<pre" in html and "<code>" in html


def test_page_is_in_swedish_by_default_and_english_on_request(client):
    swedish = client.get(PAGE).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(PAGE).content.decode()
    assert "Licens" in swedish and "Licence" in english
    assert swedish != english


def test_page_names_the_licence_publisher_and_law(client, settings):
    settings.OPEN_DATA_PUBLISHER_NAME = "Verket för innovation"
    settings.OPEN_DATA_PUBLISHER_URI = "https://verket.example.se/"
    html = client.get(PAGE).content.decode()
    assert 'href="https://creativecommons.org/publicdomain/zero/1.0/" rel="license">CC0 1.0' in html
    assert '<a href="https://verket.example.se/">Verket för innovation</a>' in html
    assert "2022:818" in html and "2019/1024" in html


def test_an_unknown_licence_is_shown_as_its_address(client, settings):
    settings.OPEN_DATA_LICENSE = "https://data.example.se/villkor"
    assert 'href="https://data.example.se/villkor" rel="license">https://data.example.se/villkor<' in (
        client.get(PAGE).content.decode()
    )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 Universal (CC0 1.0)"),
        ("http://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0 1.0 Universal (CC0 1.0)"),
        ("https://creativecommons.org/licenses/by/4.0/deed.sv", "https://creativecommons.org/licenses/by/4.0/deed.sv"),
        ("https://creativecommons.org/licenses/by/4.0", "Creative Commons Attribution 4.0 International (CC BY 4.0)"),
    ],
)
def test_licence_names(url, name):
    assert license_name(url) == name


def test_page_is_valid_html_with_landmarks_and_headings(client):
    html = client.get(PAGE).content.decode()
    missing = validator_missing()
    if missing and not validator_required():
        pytest.skip(missing)
    assert validate_documents({PAGE: html}) == ""
    assert "<main" in html and "<nav" in html and "<footer" in html
    assert html.count("<h1>") == 1 and "<h2" in html


def test_page_is_cached_for_visitors(client, django_assert_num_queries):
    client.get(PAGE)
    client.get(PAGE)
    with django_assert_num_queries(0):
        assert client.get(PAGE).status_code == 200


def test_footer_links_the_page(client):
    assert f'href="{PAGE}"' in client.get("/").content.decode()


def test_page_links_the_private_feed_page(client):
    assert reverse("opendata:subscription") in client.get(PAGE).content.decode()


def test_page_gives_the_api_rate_limit_when_it_is_set(client, settings):
    settings.OPEN_DATA_API_REQUESTS_PER_MINUTE = 120
    assert "högst 120 anrop i minuten" in client.get(PAGE).content.decode()
