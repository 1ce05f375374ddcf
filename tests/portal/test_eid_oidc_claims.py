"""Reading an OpenID Connect sign-in into EidClaims, the personal number's and level's rules, and the settings."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from portal import eid_oidc
from portal.eid import loa_accepted, normalise_personal_number, strip_personal_number

ROOT = Path(__file__).resolve().parents[2]
PIN_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"


def login(extra_data):
    """What allauth's OpenID Connect provider stores on the social account: the claims, nothing else is read."""
    return SimpleNamespace(account=SimpleNamespace(provider="eid", extra_data=extra_data))


def test_the_claims_are_read_from_userinfo_and_the_level_from_the_id_token():
    claims = eid_oidc.claims(
        login(
            {
                "userinfo": {
                    "sub": "abc",
                    PIN_CLAIM: "199001012385",
                    "given_name": "Anna",
                    "family_name": "Andersson",
                    "name": "Anna Andersson",
                    "email": "Anna@Example.se",
                    "email_verified": True,
                    "https://id.oidc.se/claim/orgNumber": "2120000142",
                },
                "id_token": {"sub": "abc", "acr": "http://id.elegnamnden.se/loa/1.0/loa3"},
            }
        )
    )
    assert claims.provider == "eid"
    assert claims.personal_number == "199001012385"
    assert (claims.given_name, claims.family_name, claims.display_name) == ("Anna", "Andersson", "Anna Andersson")
    assert claims.email == "anna@example.se"
    assert claims.loa == "http://id.elegnamnden.se/loa/1.0/loa3"
    assert claims.organisation_number == "2120000142"


@pytest.mark.parametrize("verified", [False, None, "false", 0])
def test_an_address_the_provider_did_not_verify_is_not_used(verified):
    data = {"userinfo": {"email": "a@example.se", **({} if verified is None else {"email_verified": verified})}}
    assert eid_oidc.claims(login(data)).email is None


def test_the_flag_is_read_with_its_own_address():
    # userinfo's unverified address never borrows the ID token's flag.
    data = {"userinfo": {"email": "a@example.se"}, "id_token": {"email": "b@example.se", "email_verified": True}}
    assert eid_oidc.claims(login(data)).email is None


def test_the_claim_named_in_the_settings_holds_the_number(settings):
    settings.EID_OIDC_PIN_CLAIM = "personnummer"
    data = {"id_token": {"personnummer": "19900101-2385", PIN_CLAIM: "200001012386"}}
    assert eid_oidc.claims(login(data)).personal_number == "19900101-2385"


def test_a_sign_in_without_the_claim_has_no_number():
    claims = eid_oidc.claims(login({"userinfo": {"sub": "abc"}, "id_token": {"sub": "abc"}}))
    assert claims.personal_number is None
    assert claims.loa is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("199001012385", "199001012385"),
        ("19900101-2385", "199001012385"),
        (" 19900101 2385 ", "199001012385"),
        ("9001012385", None),  # ten digits: the century is unknown
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_personal_numbers_are_twelve_digits(value, expected):
    assert normalise_personal_number(value) == expected


@pytest.mark.parametrize(
    ("accepted", "loa", "expected"),
    [
        (["loa3"], "http://id.elegnamnden.se/loa/1.0/loa3", True),
        (["http://id.elegnamnden.se/loa/1.0/loa3"], "loa3", True),
        (["loa3"], "http://id.elegnamnden.se/loa/1.0/loa2", False),
        (["loa3", "loa4"], "http://id.elegnamnden.se/loa/1.0/loa4", True),
        ([], "http://id.elegnamnden.se/loa/1.0/loa3", False),
        (["loa3"], None, False),
        (["loa3"], "", False),
    ],
)
def test_accepted_levels(settings, accepted, loa, expected):
    settings.EID_ACCEPTED_LOA = accepted
    assert loa_accepted(loa) is expected


def test_the_number_is_stripped_at_any_depth_and_in_any_form():
    data = {
        "userinfo": {"sub": "abc", PIN_CLAIM: "199001012385", "email": "a@example.se"},
        "id_token": {"sub": "abc", "acr": "loa3", "iat": 1796284232, "nested": [{"pnr": "19900101-2385"}, "x"]},
        "ten_digits": "900101-2385",
    }
    stripped = strip_personal_number(data, "199001012385")
    assert stripped == {
        "userinfo": {"sub": "abc", "email": "a@example.se"},
        "id_token": {"sub": "abc", "acr": "loa3", "iat": 1796284232, "nested": [{}, "x"]},
    }


def _settings(code, **env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "s" * 50, **env}
    for name in ("TESTING", "DEBUG", "EID_HASH_KEY", "EID_OIDC_ISSUER", "EID_OIDC_CLIENT_ID"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)


PRINT_OIDC = (
    "from django.conf import settings; import json; "
    "print(json.dumps([settings.SOCIALACCOUNT_PROVIDERS, settings.SECURE_CSP['form-action'], settings.EID_HASH_KEY]))"
)


def test_without_an_issuer_no_provider_is_configured():
    result = _settings(PRINT_OIDC, ALLOWED_HOSTS="x")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[{}, [\"'self'\"]")


def test_production_refuses_e_legitimation_without_a_hash_key():
    result = _settings(PRINT_OIDC, EID_OIDC_ISSUER="https://idp.example.se", EID_OIDC_CLIENT_ID="portal")
    assert result.returncode != 0
    assert "EID_HASH_KEY must be set" in result.stderr


def test_the_provider_comes_from_the_environment():
    import json

    result = _settings(
        PRINT_OIDC,
        EID_OIDC_ISSUER="https://idp.example.se/oidc",
        EID_OIDC_CLIENT_ID="portal",
        EID_OIDC_CLIENT_SECRET="hemlig",
        EID_OIDC_NAME="BankID / Freja eID",
        EID_OIDC_ACR_VALUES="loa3 loa2",
        EID_HASH_KEY="k" * 40,
    )
    assert result.returncode == 0, result.stderr
    providers, form_action, key = json.loads(result.stdout)
    app = providers["openid_connect"]["APPS"][0]
    assert app["name"] == "BankID / Freja eID"
    assert (app["client_id"], app["secret"]) == ("portal", "hemlig")
    assert app["settings"]["server_url"] == "https://idp.example.se/oidc"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert "https://id.oidc.se/scope/naturalPersonNumber" in app["settings"]["scope"]
    assert app["settings"]["auth_params"] == {
        "acr_values": "http://id.elegnamnden.se/loa/1.0/loa3 http://id.elegnamnden.se/loa/1.0/loa2"
    }
    assert form_action == ["'self'", "https://idp.example.se"]
    assert key == "k" * 40
