"""Accessibility details of issue 17 checked on the server's HTML (the browser side is in
tests/e2e/test_accessibility_details.py): password rules in a help text the field points to, valid raw HTML
of the account pages (Nu HTML Checker), autocomplete tokens on personal-data fields (WCAG 1.3.5), the
two-factor key as selectable text with a meaningful QR alternative, and the site name's break points."""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests import html_validator
from tests.factories import BuyerFactory, UserFactory, organisation_of
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db
PASSWORD = "test-password-123"
SOFT_HYPHEN = "\u00ad"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text inside each element that has an id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.open_ids: list[tuple[str, str]] = []
        self.text_by_id: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes and tag not in ("input", "img", "br"):
            self.open_ids.append((tag, attributes["id"]))
            self.text_by_id.setdefault(attributes["id"], "")

    def handle_endtag(self, tag):
        if self.open_ids and self.open_ids[-1][0] == tag:
            self.open_ids.pop()

    def handle_data(self, data):
        for _tag, element_id in self.open_ids:
            self.text_by_id[element_id] += data

    def find(self, tag, **attributes) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attributes.items())]

    def field(self, name) -> dict:
        (found,) = [a for t, a in self.tags if t in ("input", "textarea", "select") and a.get("name") == name]
        return found


def _signed_in(client, user):
    assert client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD}).status_code == 302


def _password_change_page(client) -> str:
    _signed_in(client, UserFactory(email="byter@example.org"))
    response = client.get(reverse("account_change_password"))
    assert response.status_code == 200
    return response.content.decode()


# 1. Password rules: a <div> with the id aria-describedby names, holding the rules (WCAG 1.3.1, 3.3.2, 4.1.1).


def test_signup_password_rules_are_in_the_help_text_the_field_points_to(client):
    page = client.get(reverse("account_signup")).content.decode()
    elements = Elements(page)
    assert elements.field("password1")["aria-describedby"] == "id_password1_helptext"
    (helptext,) = elements.find("div", id="id_password1_helptext")
    assert helptext["class"] == "helptext"
    assert "Ditt lösenord måste innehålla minst 10 tecken." in elements.text_by_id["id_password1_helptext"]
    form = page.split('<form method="post"')[1].split("</form>")[0]
    assert '<span class="helptext"' not in form and "<p>" not in form


def test_password_change_rules_are_in_the_help_text_the_field_points_to(client):
    elements = Elements(_password_change_page(client))
    assert elements.field("password1")["aria-describedby"] == "id_password1_helptext"
    assert "Ditt lösenord måste innehålla minst 10 tecken." in elements.text_by_id["id_password1_helptext"]


@pytest.mark.skipif(
    bool(html_validator.validator_missing()) and not html_validator.validator_required(),
    reason="the Nu HTML Checker is not installed (npm ci --ignore-scripts)",
)
def test_account_pages_are_valid_html(client):
    """The raw HTML of sign-up (also with errors) and password change has no validator error: the test that
    keeps the <ul>-in-<p> bug away without the browser suite (which validates every page it visits)."""
    documents = {
        "GET /accounts/signup/": client.get(reverse("account_signup")).content.decode(),
        "POST /accounts/signup/ (errors)": client.post(
            reverse("account_signup"), {"email": "x", "password1": "a", "password2": "b"}
        ).content.decode(),
        "GET /accounts/login/": client.get(reverse("account_login")).content.decode(),
        "GET /accounts/password/change/": _password_change_page(client),
    }
    assert html_validator.validate_documents(documents) == ""


def test_the_checker_reports_the_old_markup():
    """The check itself works: allauth's old rendering (a <ul> in <p><span>) is an error."""
    if html_validator.validator_missing():
        pytest.skip(html_validator.validator_missing())
    page = (
        '<!DOCTYPE html><html lang="sv"><head><title>t</title></head><body><p><label for="p">L</label>'
        '<input id="p" aria-describedby="h"><span class="helptext" id="h"><ul><li>regel</li></ul></span></p>'
        "</body></html>"
    )
    assert "Unclosed element “span”" in html_validator.validate_documents({"old": page})


# 4. Autocomplete tokens on the person's own data (WCAG 1.3.5).


@pytest.mark.parametrize(
    ("url", "tokens"),
    [
        ("account_signup", {"email": "email", "password1": "new-password", "password2": "new-password"}),
        ("account_login", {"login": "email", "password": "current-password"}),
        ("account_reset_password", {"email": "email"}),
    ],
)
def test_account_forms_carry_autocomplete_tokens(client, url, tokens):
    elements = Elements(client.get(reverse(url)).content.decode())
    assert {name: elements.field(name).get("autocomplete") for name in tokens} == tokens


def test_password_change_carries_autocomplete_tokens(client):
    elements = Elements(_password_change_page(client))
    tokens = {name: elements.field(name).get("autocomplete") for name in ("oldpassword", "password1", "password2")}
    assert tokens == {"oldpassword": "current-password", "password1": "new-password", "password2": "new-password"}


def test_webinar_registration_carries_autocomplete_tokens(client):
    webinar = WebinarFactory()
    elements = Elements(client.get(reverse("webinars:detail", args=[webinar.pk])).content.decode())
    tokens = {name: elements.field(name).get("autocomplete") for name in ("name", "email", "organisation")}
    assert tokens == {"name": "name", "email": "email", "organisation": "organization"}


@pytest.mark.parametrize("url", ["organisation_create", "organisation_edit"])
def test_organisation_forms_carry_autocomplete_tokens(client, url):
    buyer = BuyerFactory()
    client.force_login(buyer)
    args = [organisation_of(buyer).pk] if url == "organisation_edit" else []
    response = client.get(reverse(f"portal:{url}", args=args))
    assert response.status_code == 200
    elements = Elements(response.content.decode())
    tokens = {name: elements.field(name).get("autocomplete") for name in ("name", "address", "website")}
    assert tokens == {"name": "organization", "address": "street-address", "website": "url"}


# 8. Two-factor set-up: the key as text, a copy button from a static script, a meaningful QR alternative.


def test_totp_setup_shows_the_key_as_text_in_groups_of_four(client):
    user = UserFactory(email="tvasteg@example.org")
    _signed_in(client, user)
    page = client.get(reverse("mfa_activate_totp"))
    assert page["Location"].startswith(reverse("account_reauthenticate"))  # allauth asks for the password again
    client.post(page["Location"], {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    html = response.content.decode()
    elements = Elements(html)
    (code,) = elements.find("code", id="totp-secret")
    assert code["data-copy-value"] == secret
    assert elements.text_by_id["totp-secret"] == secret  # selectable as text; groups are spans, not spaces
    assert f"<span>{secret[:4]}</span><span>{secret[4:8]}</span>" in html
    assert not elements.find("input", id="authenticator_secret")  # no disabled input any more
    (qr,) = elements.find("img", **{"class": "totp-qr"})
    assert qr["alt"] == (
        "QR-kod för att lägga till kontot i en autentiseringsapp; ange nyckeln nedan om du inte kan skanna"
    )
    assert secret not in qr["alt"]
    (box,) = elements.find("div", **{"data-copy-source": "totp-secret"})
    assert box["data-copy-label"] == "Kopiera nyckeln"
    assert box["data-copied-text"] == "Nyckeln är kopierad."
    assert elements.find("script", src="/static/js/copy.js", defer="")
    assert "<script>" not in html  # no inline script (CSP)


# 10. The site name breaks between the parts of the compound, not anywhere.


def test_site_name_in_the_header_has_soft_hyphens_in_swedish(client):
    html = client.get(reverse("portal:home")).content.decode()
    assert f">Innovations{SOFT_HYPHEN}upphandlings{SOFT_HYPHEN}portalen</a>" in html
    assert "<title>" in html and SOFT_HYPHEN not in html.split("<title>")[1].split("</title>")[0]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("portal:home")).content.decode()
    assert ">Innovation Procurement Portal</a>" in english and SOFT_HYPHEN not in english


def test_menu_button_label_is_given_to_the_script(client):
    elements = Elements(client.get(reverse("portal:home")).content.decode())
    (nav,) = elements.find("nav", **{"class": "main-nav"})
    assert nav["data-menu-label"] == "Meny"
    assert elements.find("ul", id="main-menu")
    assert elements.find("script", src="/static/js/menu.js", defer="")


def test_time_elements_carry_a_valid_datetime():
    """`<time datetime>` allows at most three digits of a second's fraction; `|date:'c'` wrote six."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from portal.templatetags.html_time import html_datetime

    moment = datetime(2026, 12, 2, 13, 36, 17, 989303, tzinfo=ZoneInfo("UTC"))
    assert html_datetime(moment) == "2026-12-02T14:36:17+01:00"
    assert html_datetime(None) == ""
