"""The accessibility statement (/tillganglighet/) follows Digg's model statement (lagen (2018:1937) om
tillgänglighet till digital offentlig service): status, known defects with what they affect and when they are
fixed, how to report a problem, Digg's reporting, how and when the portal was assessed, the statement's date."""

import datetime
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from portal import accessibility
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db

URL = reverse("portal:accessibility")

A_DEFECT = accessibility.KnownDefect(
    ("1.4.3",),
    "Knapparnas text har för låg kontrast mot bakgrunden.",
    "Alla sidor med knappar.",
    datetime.date(2027, 3, 31),
)


@pytest.fixture
def a_known_defect(monkeypatch):
    """The list is empty today; a defect found later is listed the same way."""
    monkeypatch.setattr(accessibility, "KNOWN_DEFECTS", (A_DEFECT,))
    return A_DEFECT


def statement(client, language="sv"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_swedish_statement_follows_diggs_model(client):
    page = statement(client)

    for text in (
        "<h1>Tillgänglighetsredogörelse</h1>",
        "Hur tillgänglig är portalen?",
        "Vad kan du göra om du inte kan använda delar av portalen?",
        "Rapportera brister i portalens tillgänglighet",
        "<h2>Tillsyn</h2>",
        "Myndigheten för digital förvaltning (Digg) har ansvaret för tillsyn över lagen om tillgänglighet till "
        "digital offentlig service.",
        '<a href="https://www.digg.se/tdosanmalan" rel="noopener">Anmäl brister i digital offentlig service till '
        "Digg</a>",
        "Bristande förenlighet med lagkraven",
        "Oskäligt betungande anpassning",
        "Innehåll som inte omfattas av lagen",
        "Vi har gjort en självskattning (intern testning) av portalen: automatiska tester med axe-core",
        "Nu HTML Checker",
        "Den senaste bedömningen gjordes den 2 december 2026.",
        "Redogörelsen uppdaterades senast den 2 december 2026.",
    ):
        assert text in page, text


def test_the_english_statement_has_the_same_parts(client):
    page = statement(client, "en")

    for text in (
        "<h1>Accessibility statement</h1>",
        "The portal is fully compliant with the law on accessibility to digital public services.",
        "We know of no content that fails the requirements.",
        "the Agency for Digital Government (Digg)",
        "https://www.digg.se/tdosanmalan",
        "This statement was last updated on 2 December 2026.",
    ):
        assert text in page, text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_known_defect_is_listed_with_criterion_what_it_affects_and_when_it_is_fixed(
    client, language, a_known_defect
):
    page = statement(client, language)

    assert page.count('<tr class="known-defect">') == len(accessibility.KNOWN_DEFECTS) == 1
    with translation.override(language):
        for defect in accessibility.KNOWN_DEFECTS:
            assert escape(str(defect.description)) in page
            assert escape(str(defect.affects)) in page
            assert f"<td>{', '.join(defect.criteria)}</td>" in page
            assert f'<time datetime="{defect.fix_by.isoformat()}">' in page


@override_settings(
    ACCESSIBILITY_CONTACT_EMAIL="tillganglighet@verket.example.se",
    ACCESSIBILITY_CONTACT_URL="https://verket.example.se/rapportera",
)
def test_the_operators_address_and_form_are_how_to_report_a_problem(client):
    page = statement(client)

    assert '<a href="mailto:tillganglighet@verket.example.se">tillganglighet@verket.example.se</a>' in page
    assert (
        '<a href="https://verket.example.se/rapportera">Rapportera ett tillgänglighetsproblem i vårt formulär</a>'
        in page
    )


@override_settings(
    ACCESSIBILITY_CONTACT_EMAIL="registrator@myndighet.example.se (ange AGENCY_EMAIL)",
    ACCESSIBILITY_CONTACT_URL="",
    AGENCY_NAME="Verket för test",
)
def test_a_placeholder_address_is_never_shown(client):
    page = statement(client)

    assert "ange AGENCY_EMAIL" not in page and "mailto:" not in page
    assert "Kontakta Verket för test." in page


def test_uncaptioned_recordings_are_listed_and_old_ones_as_outside_the_law(client):
    now = timezone.now()
    recent = WebinarFactory(
        title="Innovationsvänlig upphandling",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
        recording_url="https://video.example.org/recent",
        recording_published_at=now - timedelta(days=2),
    )
    old = WebinarFactory(
        title="Funktionsupphandling 2019",
        starts_at=datetime.datetime(2019, 5, 1, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2019, 5, 1, 10, tzinfo=datetime.UTC),
        recording_url="https://video.example.org/old",
        recording_published_at=datetime.datetime(2019, 5, 2, 9, tzinfo=datetime.UTC),
    )
    WebinarFactory(
        title="Med undertexter",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=1),
        recording_url="https://video.example.org/captioned",
        recording_captioned=True,
    )

    page = statement(client)

    recent_url = reverse("webinars:detail", args=[recent.pk])
    assert (
        f'Inspelningen av webbinariet <a href="{recent_url}">Innovationsvänlig upphandling</a> saknar undertexter.'
        in page
    )
    assert page.count('<tr class="uncaptioned-recording">') == 1
    assert "Portalen är delvis förenlig med lagen" in page  # an uncaptioned recording is a shortcoming too
    fix_by = timezone.localdate(recent.recording_published_at) + timedelta(days=accessibility.CAPTION_WITHIN_DAYS)
    assert f'<time datetime="{fix_by.isoformat()}">' in page
    old_url = reverse("webinars:detail", args=[old.pk])
    assert (
        f'Inspelningen av webbinariet <a href="{old_url}">Funktionsupphandling 2019</a> saknar undertexter. Den '
        "publicerades den 2 maj 2019, och förinspelat ljud och video som publicerats före den 23 september 2020 "
        "omfattas inte av lagen." in page
    )
    assert "Med undertexter" not in page


def test_with_no_defect_left_the_portal_is_fully_compliant(client):
    assert accessibility.KNOWN_DEFECTS == ()

    page = statement(client)

    assert "Portalen är helt förenlig med lagen om tillgänglighet till digital offentlig service." in page
    assert "delvis förenlig" not in page
    assert "Vi känner inte till något innehåll som inte uppfyller kraven." in page
    assert 'class="known-defect"' not in page


def test_a_known_defect_makes_the_portal_partially_compliant(client, a_known_defect):
    page = statement(client)

    assert (
        "Portalen är delvis förenlig med lagen om tillgänglighet till digital offentlig service, på grund av de "
        "brister som beskrivs nedan." in page
    )
    assert "helt förenlig" not in page
    assert "<td>Knapparnas text har för låg kontrast mot bakgrunden.</td>" in page
    assert '<time datetime="2027-03-31">31 mars 2027</time>' in page


@override_settings(ACCESSIBILITY_STATEMENT_DATE="2027-01-15")
def test_the_statement_date_comes_from_the_setting(client):
    assert "Redogörelsen uppdaterades senast den 15 januari 2027." in statement(client)
