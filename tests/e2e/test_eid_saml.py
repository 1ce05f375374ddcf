"""E-legitimation through SAML in Chromium, against the local test IdP (tests/idp/saml_idp.js, a real process):
the SP metadata, first and second sign-in, staff and the level of assurance, and every refused response."""

import re
from urllib.parse import unquote

from allauth.socialaccount.models import SocialAccount
from lxml import etree
from playwright.sync_api import expect

from portal.eid import ERRORS, personal_number_hash
from portal.models import EidIdentity, User
from tests.factories import HandlerFactory, UserFactory
from tests.idp.saml import SP_ENTITY_ID

NS = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
PERSON = {"personal_number": "198502021234", "given_name": "Sara", "surname": "Exempelsson"}
EMAIL = "sara.exempelsson@kommun.example.se"


def start_sign_in(ui):
    """From the sign-in page, by the e-ID button, to the IdP's form."""
    page = ui.goto("/accounts/login/")
    ui.submit(page.get_by_role("button", name=re.compile(r"Logga in med e-legitimation.*Testlegitimering")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in med testlegitimering")
    return page


def legitimate(ui, *, personal_number="", given_name="", surname="", email="", loa="loa3", case="Korrekt svar"):
    """Fill in the IdP's form; the page that holds the signed response (not yet sent)."""
    page = ui.page
    ui.fill("Personnummer (12 siffror)", personal_number)
    ui.fill("Förnamn", given_name)
    ui.fill("Efternamn", surname)
    ui.fill("E-postadress", email)
    page.get_by_label(f"({loa})").check()
    page.get_by_label("Testfall").select_option(label=case)
    ui.submit(page.get_by_role("button", name="Legitimera"))
    return page


def send(ui):
    """Post the IdP's response to the portal's ACS; the page the portal ends on."""
    ui.submit(ui.page.get_by_role("button", name="Fortsätt till tjänsten"))
    return ui.page


def test_sp_metadata_url_serves_valid_metadata(ui, saml_eid):
    response = ui.page.request.get(ui.url("/accounts/saml/eid/metadata/"))

    assert response.status == 200
    assert "xml" in response.headers["content-type"]
    root = etree.fromstring(response.body())
    assert root.get("entityID") == SP_ENTITY_ID
    acs = root.find("md:SPSSODescriptor/md:AssertionConsumerService", NS)
    assert acs.get("Location") == ui.url("/accounts/saml/eid/acs/")
    certificate = root.find("md:SPSSODescriptor/md:KeyDescriptor[@use='signing']//ds:X509Certificate", NS).text
    assert certificate.strip() in saml_eid.sp_cert.replace("\n", "")


def _assert_refused(ui, page, reason):
    expect(page.get_by_role("alert")).to_have_text(str(ERRORS[reason]))
    expect(page.get_by_role("link", name="Tillbaka till inloggningen")).to_be_visible()
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert not EidIdentity.objects.exists()


def test_first_sign_in_creates_the_account_and_the_second_finds_it(ui, saml_eid):
    start_sign_in(ui)
    legitimate(ui, **PERSON, email=EMAIL)
    page = send(ui)

    assert page.url == ui.url("/dashboard/")
    user = User.objects.get()
    assert user.email == EMAIL
    assert EidIdentity.objects.get().user == user
    assert PERSON["personal_number"] not in str(SocialAccount.objects.get().extra_data)
    ui.submit(page.get_by_role("button", name="Logga ut"))

    start_sign_in(ui)
    legitimate(ui, **PERSON, email=EMAIL)
    page = send(ui)

    assert page.url == ui.url("/dashboard/")
    assert User.objects.count() == 1 and SocialAccount.objects.count() == 1
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def test_sign_in_with_the_address_of_an_existing_account_links_it_after_its_password(ui, saml_eid):
    owner = UserFactory(email=EMAIL)
    owner.set_password("Ett-langt-losenord-2026")
    owner.save()
    start_sign_in(ui)
    legitimate(ui, **PERSON, email=EMAIL)

    page = send(ui)

    expect(page.get_by_role("heading", level=1)).to_have_text("Koppla din e-legitimation till ditt konto")
    assert not EidIdentity.objects.exists()
    ui.fill("Kontots lösenord", "Ett-langt-losenord-2026")
    page = ui.submit(page.get_by_role("button", name="Koppla e-legitimationen"))
    assert page.url == ui.url("/dashboard/")
    assert EidIdentity.objects.get().user == owner
    assert User.objects.count() == 1


def _handler_with_eid(mfa=False):
    handler = HandlerFactory(mfa=mfa)
    EidIdentity.objects.create(
        personal_number_hash=personal_number_hash(PERSON["personal_number"]), user=handler, provider="saml"
    )
    return handler


def test_handler_at_loa3_reaches_the_handler_pages_without_totp(ui, saml_eid):
    _handler_with_eid()
    start_sign_in(ui)
    legitimate(ui, **PERSON, loa="loa3")
    send(ui)

    page = ui.goto("/checks/review/")

    assert page.url == ui.url("/checks/review/")


def test_handler_at_loa2_is_sent_to_set_up_totp(ui, saml_eid):
    _handler_with_eid()
    start_sign_in(ui)
    legitimate(ui, **PERSON, loa="loa2")
    send(ui)

    page = ui.goto("/checks/review/")

    # Setting up TOTP (after confirming who they are): the handler pages stay closed until then.
    assert "/accounts/2fa/totp/activate/" in unquote(page.url)


def test_handler_with_totp_at_loa2_is_asked_for_a_code(ui, saml_eid):
    _handler_with_eid(mfa=True)
    start_sign_in(ui)
    legitimate(ui, **PERSON, loa="loa2")

    page = send(ui)

    assert page.url == ui.url("/accounts/2fa/authenticate/")
    expect(page.get_by_label(re.compile("Kod"))).to_be_visible()
    assert ui.goto("/checks/review/").url == ui.url("/accounts/2fa/authenticate/")  # still the code first


def test_bad_signature_is_refused_with_a_message(ui, saml_eid):
    start_sign_in(ui)
    legitimate(ui, **PERSON, case="Svar med felaktig signatur")

    page = send(ui)

    _assert_refused(ui, page, "invalid")


def test_wrong_audience_is_refused_with_a_message(ui, saml_eid):
    start_sign_in(ui)
    legitimate(ui, **PERSON, case="Svar till fel mottagare (audience)")

    page = send(ui)

    _assert_refused(ui, page, "invalid")


def test_expired_assertion_is_refused_with_a_message(ui, saml_eid):
    start_sign_in(ui)
    legitimate(ui, **PERSON, case="Utgånget intyg")

    page = send(ui)

    _assert_refused(ui, page, "expired")


def test_missing_personal_number_is_refused_with_a_message(ui, saml_eid):
    start_sign_in(ui)
    legitimate(ui, **{**PERSON, "personal_number": ""})

    page = send(ui)

    _assert_refused(ui, page, "missing_number")


def test_replayed_response_is_refused_and_changes_nothing(ui, saml_eid, browser):
    start_sign_in(ui)
    page = legitimate(ui, **PERSON, email=EMAIL)
    saml_response = page.locator("input[name=SAMLResponse]").get_attribute("value")
    assert saml_response == saml_eid.idp.last_response()["SAMLResponse"]
    send(ui)
    users = list(User.objects.values_list("pk", "email", "last_login"))
    accounts = list(SocialAccount.objects.values_list("pk", "uid", "last_login"))

    # The same response posted again, from the IdP's page that holds it.
    page = ui.goto(f"{saml_eid.idp.url}/last-response/form")
    expect(page.locator("input[name=SAMLResponse]")).to_have_value(saml_response)
    page = send(ui)

    expect(page.get_by_role("alert")).to_have_text(str(ERRORS["invalid"]))
    assert list(User.objects.values_list("pk", "email", "last_login")) == users
    assert list(SocialAccount.objects.values_list("pk", "uid", "last_login")) == accounts
    assert not re.search(PERSON["personal_number"], page.content())
