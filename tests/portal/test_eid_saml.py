"""E-legitimation through SAML against the local test IdP (tests/idp/saml_idp.js, a real process), driven with
Django's test client: the SP metadata, the AuthnRequest, what a sign-in keeps, and every refused response."""

import base64
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import onelogin.saml2
import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.signals import pre_social_login
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.html import escape
from lxml import etree

from portal import eid_saml
from portal.eid import ERRORS, SESSION_KEY, personal_number_hash
from portal.models import EidIdentity, Membership, User
from tests.access import ROLES, build_world
from tests.factories import HandlerFactory
from tests.idp.saml import LOA2, LOA3, SP_ENTITY_ID

pytestmark = pytest.mark.django_db

NS = {
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}
PERSON = {
    "personal_number": "198001011234",
    "given_name": "Karin",
    "surname": "Testsson",
    "email": "karin.testsson@kommun.example.se",
}


def _cert_body(pem: str) -> str:
    return "".join(line for line in pem.splitlines() if line and not line.startswith("-----"))


def test_sp_metadata_names_entity_acs_and_signing_certificate(client, saml_eid):
    response = client.get("/accounts/saml/eid/metadata/")

    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.get("entityID") == SP_ENTITY_ID
    sp = root.find("md:SPSSODescriptor", NS)
    assert sp.get("AuthnRequestsSigned") == "true"
    assert sp.get("WantAssertionsSigned") == "true"
    acs = sp.find("md:AssertionConsumerService", NS)
    assert acs.get("Location") == "http://testserver/accounts/saml/eid/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    signing = sp.find("md:KeyDescriptor[@use='signing']//ds:X509Certificate", NS)
    assert signing.text.strip() == _cert_body(saml_eid.sp_cert)
    encryption = sp.find("md:KeyDescriptor[@use='encryption']//ds:X509Certificate", NS)
    assert encryption.text.strip() == _cert_body(saml_eid.sp_cert)
    assert sp.findtext("md:NameIDFormat", namespaces=NS) == eid_saml.PERSISTENT_NAMEID
    # Valid against the SAML 2.0 metadata schema (OASIS's XSD, as python3-saml ships it).
    schemas = Path(onelogin.saml2.__file__).parent / "schemas"
    schema = etree.XMLSchema(etree.parse(str(schemas / "saml-schema-metadata-2.0.xsd")))
    assert schema.validate(root), schema.error_log


def test_the_test_idps_metadata_is_valid_saml_metadata(saml_idp):
    schemas = Path(onelogin.saml2.__file__).parent / "schemas"
    schema = etree.XMLSchema(etree.parse(str(schemas / "saml-schema-metadata-2.0.xsd")))
    root = etree.fromstring(saml_idp.metadata.encode())

    assert schema.validate(root), schema.error_log
    assert root.get("entityID") == f"{saml_idp.url}/metadata"


def test_sp_metadata_not_found_when_saml_is_not_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {k: v for k, v in settings.SOCIALACCOUNT_PROVIDERS.items() if k != "saml"}

    assert client.get("/accounts/saml/eid/metadata/").status_code == 404
    assert client.post("/accounts/saml/eid/login/").status_code == 404


def test_authn_request_is_signed_and_asks_for_the_level_of_assurance(client, saml_eid):
    response = client.post("/accounts/saml/eid/login/")

    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    assert query["Signature"][0]
    request = etree.fromstring(zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15))
    assert request.findtext("saml:Issuer", namespaces=NS) == SP_ENTITY_ID
    assert request.get("AssertionConsumerServiceURL") == "http://testserver/accounts/saml/eid/acs/"
    context = request.find("samlp:RequestedAuthnContext", NS)
    assert context.get("Comparison") == "exact"
    assert [ref.text for ref in context.findall("saml:AuthnContextClassRef", NS)] == [LOA3]


def test_the_assertion_travels_encrypted(client, saml_eid):
    saml_eid.sign_in(client, **PERSON)

    response = base64.b64decode(saml_eid.idp.last_response()["SAMLResponse"])
    assert b"EncryptedAssertion" in response
    assert PERSON["personal_number"].encode() not in response
    assert User.objects.count() == 1


def test_sign_in_keeps_the_level_and_never_stores_the_personal_number(client, saml_eid):
    response = saml_eid.sign_in(client, **PERSON, loa="loa2", organisation_number="2120000142")

    assert response.status_code == 200
    account = SocialAccount.objects.get(provider="saml")
    assert account.uid != PERSON["personal_number"]
    assert len(account.uid) == 64  # the IdP's persistent, pairwise NameID
    stored = str(account.extra_data)
    assert PERSON["personal_number"] not in stored
    assert account.extra_data[eid_saml.AUTHN_CONTEXT_KEY] == [LOA2]
    assert account.extra_data[eid_saml.GIVEN_NAME] == ["Karin"]


def test_claims_read_sweden_connect_attributes(client, saml_eid):
    seen = []

    def record(sender, request, sociallogin, **kwargs):
        # What the account logic read (portal.eid_claims.claims_of -> eid_saml.claims) before it dropped the number.
        seen.append(sociallogin._eid_claims)

    pre_social_login.connect(record)
    try:
        saml_eid.sign_in(client, **PERSON, organisation_number="2120000142")
    finally:
        pre_social_login.disconnect(record)

    [claims] = seen
    assert claims.provider == "saml"
    assert claims.personal_number == "198001011234"
    assert (claims.given_name, claims.family_name, claims.display_name) == ("Karin", "Testsson", "Karin Testsson")
    assert claims.email == PERSON["email"]
    assert claims.loa == LOA3
    assert claims.organisation_number == "2120000142"


def test_first_sign_in_creates_the_account_and_the_second_finds_it(client, saml_eid):
    response = saml_eid.sign_in(client, **PERSON)

    assert response.redirect_chain[-1][0] == reverse("portal:dashboard")
    user = User.objects.get()
    assert user.email == PERSON["email"]
    assert (user.first_name, user.last_name) == ("Karin", "Testsson")
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()  # e-ID gives no organisation
    identity = EidIdentity.objects.get()
    assert identity.user == user and identity.personal_number_hash == personal_number_hash(PERSON["personal_number"])
    assert client.session[SESSION_KEY] == {"provider": "saml", "loa": LOA3}
    client.logout()

    response = saml_eid.sign_in(client, **PERSON)

    assert int(client.session["_auth_user_id"]) == user.pk
    assert User.objects.count() == 1 and SocialAccount.objects.count() == 1


def test_without_a_mail_attribute_the_person_gives_an_address(client, saml_eid):
    response = saml_eid.sign_in(client, **{**PERSON, "email": ""})

    assert response.redirect_chain[-1][0] == reverse("socialaccount_signup")
    assert not User.objects.exists()  # nothing until the address is given


def _handler_with_eid(**kwargs):
    handler = HandlerFactory(**kwargs)
    EidIdentity.objects.create(
        personal_number_hash=personal_number_hash(PERSON["personal_number"]), user=handler, provider="saml"
    )
    return handler


def test_handler_at_loa3_reaches_the_handler_pages_without_totp(client, saml_eid):
    handler = _handler_with_eid(mfa=False)

    saml_eid.sign_in(client, **PERSON, loa="loa3")

    assert int(client.session["_auth_user_id"]) == handler.pk
    assert client.get(reverse("checks:queue")).status_code == 200


def test_handler_at_loa2_is_sent_to_totp(client, saml_eid):
    _handler_with_eid(mfa=False)

    saml_eid.sign_in(client, **PERSON, loa="loa2")

    response = client.get(reverse("checks:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_handler_with_totp_at_loa2_is_asked_for_a_code(client, saml_eid):
    _handler_with_eid()

    response = saml_eid.sign_in(client, **PERSON, loa="loa2")

    assert response.redirect_chain[-1][0] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("bad_signature", "invalid"),
        ("wrong_audience", "invalid"),
        ("expired", "expired"),
        ("unsolicited", "expired"),
        ("unencrypted", "invalid"),
    ],
)
def test_refused_response_creates_nothing_and_says_why(client, saml_eid, case, reason):
    response = saml_eid.sign_in(client, **PERSON, case=case)

    assert response.status_code == 400
    assert response.context["eid_reason"] == reason
    assert escape(str(ERRORS[reason])) in response.content.decode()
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


def test_missing_personal_number_is_refused(client, saml_eid):
    response = saml_eid.sign_in(client, **{**PERSON, "personal_number": ""})

    assert response.context["eid_reason"] == "missing_number"
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_replayed_response_is_refused_and_changes_nothing(client, saml_eid):
    started = client.post("/accounts/saml/eid/login/")
    answer = saml_eid.answer(started["Location"], **PERSON)
    saml_eid.post_answer(client, answer)
    account = SocialAccount.objects.get(provider="saml")
    users = list(User.objects.values_list("pk", "email"))
    client.logout()

    replayed = saml_eid.post_answer(client, answer)

    assert replayed.status_code == 400
    assert replayed.context["eid_reason"] == "invalid"
    assert list(User.objects.values_list("pk", "email")) == users
    assert SocialAccount.objects.get().last_login == account.last_login
    assert "_auth_user_id" not in client.session


def test_replayed_response_in_another_browser_is_refused(client, saml_eid, django_user_model):
    from django.test import Client

    started = client.post("/accounts/saml/eid/login/")
    answer = saml_eid.answer(started["Location"], **PERSON)

    response = saml_eid.post_answer(Client(), answer)

    assert response.context["eid_reason"] == "invalid"
    assert not django_user_model.objects.exists()


def test_assertion_accepted_once_even_with_a_fresh_request_state(client, saml_eid):
    """The cache of accepted assertion ids refuses a response that a second started sign-in would match."""
    started = client.post("/accounts/saml/eid/login/")
    answer = saml_eid.answer(started["Location"], **PERSON)
    saml_eid.post_answer(client, answer)
    client.logout()
    # Put the same request id back in the session, as if that sign-in had been started again.
    again = client.post("/accounts/saml/eid/login/")
    assert again.status_code == 302
    session = client.session
    states = session["socialaccount_states"]
    request_id = etree.fromstring(
        zlib.decompress(base64.b64decode(parse_qs(urlsplit(started["Location"]).query)["SAMLRequest"][0]), -15)
    ).get("ID")
    states[request_id] = next(iter(states.values()))
    session["socialaccount_states"] = states
    session.save()

    response = saml_eid.post_answer(client, answer)

    assert response.context["eid_reason"] == "invalid"
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "saml_response",
    ["not base64 at all!", base64.b64encode(b"<not-xml").decode(), base64.b64encode(b"<a>b</a>").decode(), ""],
)
def test_garbage_posted_to_the_acs_is_a_message_not_a_server_error(client, saml_eid, saml_response):
    response = client.post("/accounts/saml/eid/acs/", {"SAMLResponse": saml_response}, follow=True)

    assert response.status_code == 400
    assert response.context["eid_reason"] in {"invalid", "expired"}
    assert not User.objects.exists()


def test_finish_without_a_posted_response_is_a_message(client, saml_eid):
    response = client.get("/accounts/saml/eid/acs/finish/")

    assert response.status_code == 400
    assert response.context["eid_reason"] == "expired"


def test_login_without_a_host_header_is_not_a_server_error(client, saml_eid):
    response = client.post("/accounts/saml/eid/login/", HTTP_HOST="")

    assert response.status_code in {302, 400}


# --- configuration -----------------------------------------------------------------------------------------


def test_not_configured_without_variables():
    assert eid_saml.app_from_env({}) is None


def test_configured_from_files(saml_idp, tmp_path):
    from tests.idp.saml import make_key_and_cert

    key, cert = make_key_and_cert(tmp_path, "sp")
    metadata = tmp_path / "idp.xml"
    metadata.write_text(saml_idp.metadata)

    app = eid_saml.app_from_env(
        {
            "EID_SAML_IDP_METADATA_FILE": str(metadata),
            "EID_SAML_SP_ENTITY_ID": "https://portal.example.se/saml",
            "EID_SAML_SP_KEY_FILE": str(key),
            "EID_SAML_SP_CERT_FILE": str(cert),
            "EID_SAML_NAME": "BankID / Freja eID",
            "EID_SAML_LOA": "http://id.elegnamnden.se/loa/1.0/loa3 http://id.elegnamnden.se/loa/1.0/loa4",
        }
    )

    assert app["client_id"] == "eid"
    assert app["name"] == "BankID / Freja eID"
    assert app["settings"]["idp"]["entity_id"] == f"{saml_idp.url}/metadata"
    assert app["settings"]["idp"]["sso_url"] == f"{saml_idp.url}/sso"
    assert app["settings"]["requested_authn_context"][1].endswith("loa4")
    advanced = app["settings"]["advanced"]
    assert advanced["strict"] and advanced["want_assertion_signed"] and advanced["authn_request_signed"]
    assert advanced["signature_algorithm"].endswith("rsa-sha256")
    assert advanced["want_assertion_encrypted"]
    assert eid_saml.form_action_origins(app) == [saml_idp.url]


def test_default_level_is_loa3(saml_idp, tmp_path):
    from tests.idp.saml import make_key_and_cert

    key, cert = make_key_and_cert(tmp_path, "sp")
    app = eid_saml.app_from_env(
        {
            "EID_SAML_IDP_METADATA_URL": "https://idp.example.se/metadata",
            "EID_SAML_SP_ENTITY_ID": "https://portal.example.se/saml",
            "EID_SAML_SP_KEY_FILE": str(key),
            "EID_SAML_SP_CERT_FILE": str(cert),
            "EID_SAML_WANT_ENCRYPTED_ASSERTIONS": "0",
        }
    )

    assert not app["settings"]["advanced"]["want_assertion_encrypted"]
    assert app["settings"]["requested_authn_context"] == [eid_saml.DEFAULT_LOA]
    assert app["settings"]["idp"] == {"metadata_url": "https://idp.example.se/metadata", "entity_id": None}
    assert eid_saml.form_action_origins(app) == ["https://idp.example.se"]


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"EID_SAML_SP_ENTITY_ID": "x"}, "EID_SAML_IDP_METADATA_FILE or EID_SAML_IDP_METADATA_URL"),
        ({"EID_SAML_IDP_METADATA_URL": "https://idp.example.se/md"}, "EID_SAML_SP_ENTITY_ID"),
        ({"EID_SAML_IDP_METADATA_URL": "https://idp.example.se/md", "EID_SAML_SP_ENTITY_ID": "x"}, "KEY_FILE"),
        (
            {"EID_SAML_IDP_METADATA_FILE": "/nonexistent/idp.xml", "EID_SAML_SP_ENTITY_ID": "x"},
            "/nonexistent/idp.xml",
        ),
    ],
)
def test_incomplete_configuration_is_improperly_configured(environ, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        eid_saml.app_from_env(environ)


def test_metadata_file_without_an_idp_is_improperly_configured(tmp_path):
    metadata = tmp_path / "idp.xml"
    metadata.write_text("<nothing/>")

    with pytest.raises(ImproperlyConfigured, match="no identity provider"):
        eid_saml.app_from_env({"EID_SAML_IDP_METADATA_FILE": str(metadata), "EID_SAML_SP_ENTITY_ID": "x"})


# --- access ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_saml_urls_for_every_role_when_configured(client, saml_eid, role):
    user = build_world()[role]
    if user is not None:
        client.force_login(user)

    assert client.get("/accounts/saml/eid/metadata/").status_code == 200
    # Public by nature: anyone may start a sign-in (a signed-in person links or re-authenticates).
    assert client.post("/accounts/saml/eid/login/").status_code == 302
    assert client.post("/accounts/saml/eid/acs/", {"SAMLResponse": "x"}).status_code == 302
    finish = client.get("/accounts/saml/eid/acs/finish/")
    assert finish.status_code == 400 and finish.context["eid_reason"] == "invalid"
    # Single logout: nothing to process without a LogoutRequest or LogoutResponse.
    assert client.get("/accounts/saml/eid/sls/").status_code == 400
    assert client.get("/accounts/saml/other/metadata/").status_code == 404


def test_an_identity_provider_that_is_down_gives_a_page_not_a_server_error(client, settings, tmp_path):
    from tests.idp.oidc import free_port
    from tests.idp.saml import configure

    configure(settings, None, tmp_path, EID_SAML_IDP_METADATA_URL=f"http://127.0.0.1:{free_port()}/metadata")

    started = client.post("/accounts/saml/eid/login/")
    assert started.status_code == 503
    assert started.context["eid_reason"] == "unavailable"
    assert client.get("/accounts/saml/eid/metadata/").status_code == 503
    client.post("/accounts/saml/eid/acs/", {"SAMLResponse": "x"})
    assert client.get("/accounts/saml/eid/acs/finish/").status_code == 503


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({eid_saml.ORGANIZATION_IDENTIFIER: ["2120000142"]}, "2120000142"),
        ({eid_saml.ORG_AFFILIATION: ["198001011234@2120000142"]}, "2120000142"),
        ({eid_saml.ORG_AFFILIATION: ["no-at-sign"]}, None),
        ({}, None),
    ],
)
def test_organisation_number_from_sweden_connect_attributes(attributes, expected):
    assert eid_saml.organisation_number_of(attributes) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(["198001011234"], "198001011234"), (["19800101-1234"], "198001011234"), (["8001011234"], None), ([], None)],
)
def test_personal_number_must_have_twelve_digits(value, expected):
    assert eid_saml.personal_number_of({eid_saml.PERSONAL_IDENTITY_NUMBER: value}) == expected
