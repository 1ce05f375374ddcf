"""E-legitimation sign-in against the local OpenID provider (tests/idp/oidc_provider.mjs), with Django's test client.

The provider is a real process; only the person's part on its sign-in page is done without a browser
(tests/idp/oidc.py, `idp_sign_in`). The browser tests (tests/e2e/test_eid_oidc.py) walk the same flows in Chromium.
"""

import json
import logging
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse

from portal.audit import AuditAction
from portal.eid import SESSION_KEY, personal_number_hash
from portal.models import AuditEntry, EidIdentity, Membership, User
from tests.factories import HandlerFactory, UserFactory
from tests.idp.oidc import OidcIdp, configure_portal, free_port, idp_sign_in, start_oidc_idp, stop

pytestmark = pytest.mark.django_db

PIN = "199001012385"
PASSWORD = "Ett-langt-losenord-2026"
LOGIN_URL = "/accounts/oidc/eid/login/"


def start(client) -> str:
    """Press the e-ID button: the portal answers with the provider's authorisation URL."""
    response = client.post(LOGIN_URL)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sign_in(client, **form):
    return client.get(local(idp_sign_in(start(client), **form)))


def stored_everywhere() -> str:
    """Everything the database holds about accounts, e-IDs, audit rows and sessions, as one text."""
    rows = [
        *SocialAccount.objects.values(),
        *EidIdentity.objects.values(),
        *AuditEntry.objects.values(),
        *User.objects.values(),
        *EmailAddress.objects.values(),
    ]
    sessions = [session.get_decoded() for session in Session.objects.all()]
    return json.dumps([rows, sessions], default=str)


def test_the_first_sign_in_with_a_verified_address_creates_an_account_without_an_organisation(client, eid_oidc):
    response = sign_in(client, email="Ny.Person@Example.se")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    user = User.objects.get(email="ny.person@example.se")
    assert (user.first_name, user.last_name) == ("Test", "Testsson")
    assert not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified
    identity = EidIdentity.objects.get(user=user)
    assert identity.personal_number_hash == personal_number_hash(PIN)
    assert identity.provider == "eid"
    assert not Membership.objects.filter(user=user).exists()
    assert client.session[SESSION_KEY] == {"provider": "eid", "loa": "http://id.elegnamnden.se/loa/1.0/loa3"}
    actions = list(AuditEntry.objects.filter(actor=user).values_list("action", flat=True).order_by("id"))
    assert actions == [AuditAction.ACCOUNT_EID_CREATED, AuditAction.ACCOUNT_EID_SIGNED_IN]


def test_a_second_sign_in_finds_the_same_account(client, eid_oidc):
    sign_in(client, email="ny@example.se")
    client.logout()

    response = sign_in(client, email="ny@example.se")

    assert response.status_code == 302
    assert User.objects.count() == 1
    assert EidIdentity.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    assert int(client.session["_auth_user_id"]) == User.objects.get().pk


def test_the_number_is_kept_only_as_its_keyed_hash(client, eid_oidc, caplog):
    caplog.set_level(logging.DEBUG)
    sign_in(client, email="ny@example.se")

    account = SocialAccount.objects.get()
    assert account.uid != PIN
    assert PIN not in json.dumps(account.extra_data)
    assert account.extra_data["userinfo"]["email"] == "ny@example.se"  # the rest of the claims stay
    assert PIN not in stored_everywhere()
    assert PIN[2:] not in stored_everywhere()  # nor its ten-digit form
    assert PIN not in caplog.text
    # Keyed: the plain SHA-256 of the number is not what is stored.
    import hashlib

    assert EidIdentity.objects.get().personal_number_hash != hashlib.sha256(PIN.encode()).hexdigest()


def test_the_hash_changes_with_the_key(settings):
    first = personal_number_hash(PIN)
    settings.EID_HASH_KEY = "another-key"
    assert personal_number_hash(PIN) != first
    assert len(first) == 64


def test_a_sign_in_without_the_personal_number_creates_nothing(client, eid_oidc):
    response = sign_in(client, pin="", email="ny@example.se")

    assert response.status_code == 400
    content = response.content.decode()
    assert "personnummer" in content
    assert reverse("account_login") in content
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session


def test_a_tampered_state_is_refused(client, eid_oidc):
    back = urlsplit(idp_sign_in(start(client), email="ny@example.se"))
    query = dict(parse_qsl(back.query))
    query["state"] = "forged" + query["state"][6:]

    response = client.get(f"{back.path}?{urlencode(query)}")

    assert response.status_code == 400
    assert "gått ut" in response.content.decode()
    assert not User.objects.exists()


def test_the_sign_in_asks_with_pkce_a_state_and_a_nonce(client, eid_oidc):
    query = dict(parse_qsl(urlsplit(start(client)).query))

    assert query["code_challenge_method"] == "S256"
    assert query["state"]
    assert len(query["nonce"]) == 64


def test_an_id_token_with_another_nonce_is_refused(client, eid_oidc):
    authorize = urlsplit(start(client))
    query = dict(parse_qsl(authorize.query))
    query["nonce"] = "f" * 64  # as if the token had been issued for another sign-in
    back = idp_sign_in(authorize._replace(query=urlencode(query)).geturl(), email="ny@example.se")

    response = client.get(local(back))

    assert response.status_code == 400
    assert "ogiltigt" in response.content.decode()
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_replayed_code_is_refused(client, eid_oidc):
    first = idp_sign_in(start(client), email="ny@example.se")
    assert client.get(local(first)).status_code == 302
    client.logout()
    # A new sign-in's state (so the portal accepts the callback) with the code already used.
    fresh = urlsplit(idp_sign_in(start(client), email="ny@example.se"))
    query = dict(parse_qsl(fresh.query))
    query["code"] = dict(parse_qsl(urlsplit(first).query))["code"]

    response = client.get(f"{fresh.path}?{urlencode(query)}")

    assert response.status_code == 400
    assert "redan använts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == 1


def test_the_same_callback_twice_is_refused(client, eid_oidc):
    back = local(idp_sign_in(start(client), email="ny@example.se"))
    assert client.get(back).status_code == 302
    client.logout()

    response = client.get(back)

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_an_expired_code_is_refused(client, settings):
    process, idp = start_oidc_idp(code_ttl=1)
    try:
        configure_portal(settings, idp)
        back = local(idp_sign_in(start(client), email="ny@example.se"))
        time.sleep(2.5)
        response = client.get(back)
    finally:
        stop(process)

    assert response.status_code == 400
    assert "redan använts" in response.content.decode()
    assert not User.objects.exists()


def test_an_identity_provider_that_is_down_gives_a_page_not_a_server_error(client, settings):
    configure_portal(settings, OidcIdp(issuer=f"http://127.0.0.1:{free_port()}", client_id="x", client_secret="y"))

    response = client.post(LOGIN_URL)

    assert response.status_code == 503
    assert "svarar inte" in response.content.decode()
    assert reverse("account_login") in response.content.decode()


def test_cancelling_at_the_provider_changes_nothing(client, eid_oidc):
    response = sign_in(client, cancel=True)

    assert response.status_code == 400
    assert "avbröt" in response.content.decode()
    assert not User.objects.exists()


def test_the_address_of_an_existing_account_asks_for_its_password_before_linking(client, eid_oidc):
    owner = UserFactory(email="finns@example.se", password=PASSWORD)

    response = sign_in(client, email="finns@example.se")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:eid_link")
    assert not EidIdentity.objects.exists()
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session
    page = client.get(reverse("portal:eid_link"))
    assert page.status_code == 200
    assert "finns@example.se" in page.content.decode()
    assert PIN not in stored_everywhere()

    wrong = client.post(reverse("portal:eid_link"), {"password": "fel-losenord-123"})

    assert wrong.status_code == 400
    assert "Lösenordet är fel" in wrong.content.decode()
    assert not EidIdentity.objects.exists()
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_EID_LINK_REFUSED, object_id=str(owner.pk)).exists()

    right = client.post(reverse("portal:eid_link"), {"password": PASSWORD})

    assert right.status_code == 302
    assert int(client.session["_auth_user_id"]) == owner.pk
    assert EidIdentity.objects.get().user == owner
    assert SocialAccount.objects.get().user == owner
    assert User.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_EID_LINKED, actor=owner).exists()
    client.logout()
    # From now on the e-ID alone finds the account.
    assert sign_in(client, email="finns@example.se")["Location"] == reverse("portal:dashboard")
    assert int(client.session["_auth_user_id"]) == owner.pk


def test_declining_to_link_leaves_the_account_alone(client, eid_oidc):
    UserFactory(email="finns@example.se", password=PASSWORD)
    sign_in(client, email="finns@example.se")

    response = client.post(reverse("portal:eid_link"), {"action": "cancel"})

    assert response["Location"] == reverse("account_login")
    assert not EidIdentity.objects.exists()
    assert client.get(reverse("portal:eid_link"))["Location"] == reverse("account_login")


def test_a_code_sent_by_mail_links_too(client, eid_oidc, django_capture_on_commit_callbacks):
    owner = UserFactory(email="finns@example.se")
    owner.set_unusable_password()  # an account without a password has only this way
    owner.save()
    sign_in(client, email="finns@example.se")
    page = client.get(reverse("portal:eid_link")).content.decode()
    assert 'name="password"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:eid_link"), {"action": "send_code"})
    message = mail.outbox[-1]
    assert message.to == ["finns@example.se"]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("portal:eid_link"), {"action": "code", "code": wrong})

    assert response.status_code == 400
    assert "Koden är fel" in response.content.decode()
    assert not EidIdentity.objects.exists()

    response = client.post(reverse("portal:eid_link"), {"action": "code", "code": code})

    assert response.status_code == 302
    assert EidIdentity.objects.get().user == owner
    assert int(client.session["_auth_user_id"]) == owner.pk
    assert PIN not in message.body


def test_a_mailed_code_allows_five_tries(client, eid_oidc, django_capture_on_commit_callbacks):
    UserFactory(email="finns@example.se")
    sign_in(client, email="finns@example.se")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:eid_link"), {"action": "send_code"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(5):
        client.post(reverse("portal:eid_link"), {"action": "code", "code": wrong})

    response = client.post(reverse("portal:eid_link"), {"action": "code", "code": code})

    assert response.status_code == 400
    assert not EidIdentity.objects.exists()


def test_the_link_page_without_a_waiting_sign_in_sends_to_the_login_page(client):
    response = client.get(reverse("portal:eid_link"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_too_many_wrong_passwords_end_the_linking(client, eid_oidc):
    UserFactory(email="finns@example.se", password=PASSWORD)
    sign_in(client, email="finns@example.se")
    for _attempt in range(5):
        assert client.post(reverse("portal:eid_link"), {"password": "fel-losenord-123"}).status_code == 400

    response = client.post(reverse("portal:eid_link"), {"password": PASSWORD})

    assert response["Location"] == reverse("account_login")
    assert not EidIdentity.objects.exists()


def test_without_a_verified_address_the_person_gives_one_and_confirms_it(
    client, eid_oidc, django_capture_on_commit_callbacks
):
    response = sign_in(client, email="overifierad@example.se", email_verified=False)

    assert response["Location"] == reverse("socialaccount_signup")
    form = client.get(reverse("socialaccount_signup"))
    assert form.status_code == 200
    assert "overifierad@example.se" not in form.content.decode()  # an unverified claim is not used at all

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("socialaccount_signup"), {"email": "vald@example.se"})

    assert response.status_code == 302
    user = User.objects.get(email="vald@example.se")
    assert not EmailAddress.objects.get(user=user).verified
    assert EidIdentity.objects.get().user == user
    assert "confirm-email" in mail.outbox[-1].body
    assert not Membership.objects.filter(user=user).exists()


def test_a_typed_address_of_an_existing_account_asks_for_its_password(client, eid_oidc):
    owner = UserFactory(email="finns@example.se", password=PASSWORD)
    sign_in(client)  # no address from the provider

    response = client.post(reverse("socialaccount_signup"), {"email": "finns@example.se"})

    assert response["Location"] == reverse("portal:eid_link")
    assert User.objects.count() == 1
    assert client.post(reverse("portal:eid_link"), {"password": PASSWORD}).status_code == 302
    assert EidIdentity.objects.get().user == owner


def _handler_with_eid(**kwargs):
    handler = HandlerFactory(**kwargs)
    EidIdentity.objects.create(personal_number_hash=personal_number_hash(PIN), user=handler, provider="eid")
    return handler


def test_a_handler_at_an_accepted_level_needs_no_totp(client, eid_oidc):
    handler = _handler_with_eid(mfa=False)

    response = sign_in(client, loa="loa3")

    assert int(client.session["_auth_user_id"]) == handler.pk
    assert response["Location"] == reverse("portal:dashboard")
    assert client.get(reverse("checks:queue")).status_code == 200


def test_a_handler_at_a_lower_level_is_sent_to_set_up_totp(client, eid_oidc):
    _handler_with_eid(mfa=False)

    sign_in(client, loa="loa2")

    response = client.get(reverse("checks:queue"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_handler_with_totp_at_an_accepted_level_is_not_asked_for_a_code(client, eid_oidc):
    handler = _handler_with_eid()

    response = sign_in(client, loa="loa3")

    assert response["Location"] == reverse("portal:dashboard")
    assert int(client.session["_auth_user_id"]) == handler.pk


def test_a_handler_with_totp_at_a_lower_level_is_asked_for_a_code(client, eid_oidc):
    _handler_with_eid()

    response = sign_in(client, loa="loa2")

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_no_level_is_accepted_when_the_setting_is_empty(client, eid_oidc, settings):
    settings.EID_ACCEPTED_LOA = []
    _handler_with_eid(mfa=False)

    sign_in(client, loa="loa3")

    assert client.get(reverse("checks:queue"))["Location"] == reverse("mfa_activate_totp")


def test_a_password_sign_in_clears_the_e_id_mark(client, eid_oidc):
    handler = _handler_with_eid(mfa=False)
    handler.set_password(PASSWORD)
    handler.save()
    sign_in(client, loa="loa3")
    client.logout()

    client.post(reverse("account_login"), {"login": handler.email, "password": PASSWORD})

    assert SESSION_KEY not in client.session
    assert client.get(reverse("checks:queue"))["Location"] == reverse("mfa_activate_totp")


def test_the_audit_rows_name_the_provider_and_level_but_not_the_number(client, eid_oidc):
    sign_in(client, email="ny@example.se", loa="loa2")

    entry = AuditEntry.objects.get(action=AuditAction.ACCOUNT_EID_SIGNED_IN)
    assert entry.details == {"provider": "eid", "loa": "loa2"}
    assert entry.object_repr == ""
    assert PIN not in entry.rendered_description()
    assert personal_number_hash(PIN) not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_a_signed_in_person_can_add_their_e_id_on_the_connections_page(client, eid_oidc):
    user = UserFactory(email="inloggad@example.se")
    client.force_login(user)

    response = client.post(f"{LOGIN_URL}?process=connect")
    back = client.get(local(idp_sign_in(response["Location"], email="annan@example.se")))

    assert back.status_code == 302
    assert EidIdentity.objects.get().user == user
    assert SocialAccount.objects.get().user == user
    assert User.objects.count() == 1
    client.logout()
    sign_in(client)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_an_e_id_linked_to_another_account_is_not_added_to_a_second(client, eid_oidc):
    sign_in(client, email="forsta@example.se")
    client.logout()
    second = UserFactory(email="andra@example.se")
    client.force_login(second)

    response = client.post(f"{LOGIN_URL}?process=connect")
    back = client.get(local(idp_sign_in(response["Location"])))

    assert back.status_code == 400
    assert "redan kopplad till ett annat konto" in back.content.decode()
    assert not EidIdentity.objects.filter(user=second).exists()
    assert not SocialAccount.objects.filter(user=second).exists()


def test_removing_the_link_removes_the_hash(client, eid_oidc):
    sign_in(client, email="ny@example.se")
    user = User.objects.get()
    user.set_password(PASSWORD)  # allauth keeps the last way in: an account without a password keeps its link
    user.save()
    client.force_login(user)

    response = client.post(reverse("socialaccount_connections"), {"account": SocialAccount.objects.get().pk})

    assert response.status_code == 302
    assert not SocialAccount.objects.exists()
    assert not EidIdentity.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.ACCOUNT_EID_UNLINKED, actor=user).exists()


def test_the_privacy_page_lists_the_personal_identity_number(client):
    page = client.get(reverse("portal:privacy")).content.decode()
    assert "personnummer, sparat endast som en nyckelbaserad hash" in page
    assert "dataskyddslagen 3 kap. 10 §" in page
    assert "Tills kopplingen tas bort eller kontot raderas" in page


def test_the_accessibility_statement_names_the_providers_pages_as_outside_our_control(client):
    page = client.get(reverse("portal:accessibility")).content.decode()
    assert "legitimeringstjänstens egna sidor" in page
    assert "utanför vår kontroll" in page


def test_at_most_three_codes_are_mailed_in_ten_minutes(client, eid_oidc, django_capture_on_commit_callbacks):
    UserFactory(email="finns@example.se")
    sign_in(client, email="finns@example.se")
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(5):
            client.post(reverse("portal:eid_link"), {"action": "send_code"})

    assert len([m for m in mail.outbox if m.to == ["finns@example.se"]]) == 3
    assert "För många koder" in client.get(reverse("portal:eid_link")).content.decode()
