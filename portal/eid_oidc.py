"""Read an OpenID Connect e-legitimation sign-in into `EidClaims` (portal/eid_claims.py).

allauth keeps what the provider sent in the social account's `extra_data` as {"userinfo": …, "id_token": …}.
The ID token is signed (allauth checks signature, issuer and audience); userinfo comes over TLS with the access
token. A claim is read from userinfo first, then from the ID token, except `acr`, which only the ID token carries
(OpenID Connect Core 2). The names follow the Swedish OpenID Connect profile (oidc.se: the personal identity number
claim named by settings.EID_OIDC_PIN_CLAIM, "https://id.oidc.se/claim/orgNumber") and OpenID Connect's standard
claims (given_name, family_name, name, email with email_verified).
"""

from __future__ import annotations

import hashlib
import hmac

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings

from .eid_claims import EidClaims

ORG_NUMBER_CLAIM = "https://id.oidc.se/claim/orgNumber"


def _sources(extra_data: dict) -> list[dict]:
    sources = [extra_data.get("userinfo"), extra_data.get("id_token")]
    found = [source for source in sources if isinstance(source, dict)]
    # Accounts saved by allauth before 65.11 kept the claims flat.
    return found or [extra_data]


def _claim(sources: list[dict], name: str):
    for source in sources:
        value = source.get(name)
        if value not in (None, ""):
            return value
    return None


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _verified(value) -> bool:
    # Some providers send the boolean as a string.
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def claims(sociallogin) -> EidClaims:
    """The identity an OpenID provider asserted in this sign-in."""
    extra_data = sociallogin.account.extra_data or {}
    sources = _sources(extra_data)
    pin = _claim(sources, settings.EID_OIDC_PIN_CLAIM)
    email = None
    for source in sources:
        # The address and its flag are read from the same source, so an unverified one never borrows the flag.
        if _text(source.get("email")):
            if _verified(source.get("email_verified")):
                email = _text(source["email"]).lower()
            break
    id_token = extra_data.get("id_token") if isinstance(extra_data.get("id_token"), dict) else {}
    loa = id_token.get("acr") or _claim(sources, "acr")
    org_number = _claim(sources, ORG_NUMBER_CLAIM)
    return EidClaims(
        provider=sociallogin.account.provider,
        personal_number=str(pin).strip() if pin not in (None, "") else None,
        given_name=_text(_claim(sources, "given_name")),
        family_name=_text(_claim(sources, "family_name")),
        display_name=_text(_claim(sources, "name")),
        email=email,
        loa=str(loa) if loa else None,
        organisation_number=str(org_number).strip() if org_number else None,
    )


def nonce_for(verifier: str) -> str:
    """The nonce of a sign-in, derived from its PKCE verifier (kept by allauth in the sign-in's state)."""
    return hmac.new(settings.SECRET_KEY.encode(), f"oidc-nonce:{verifier}".encode(), hashlib.sha256).hexdigest()


class EidOpenIDConnectProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a nonce as well (OpenID Connect Core 3.1.2.1), which allauth 65
    does not. The nonce is derived from the sign-in's PKCE verifier, so nothing more is stored; `nonce_matches`
    checks the ID token's against it, binding the token to the sign-in this browser started."""

    def get_pkce_params(self) -> dict:
        params = super().get_pkce_params()
        if params.get("code_verifier"):
            params["nonce"] = nonce_for(params["code_verifier"])
        return params


def nonce_matches(sociallogin) -> bool:
    verifier = sociallogin.state.get("pkce_code_verifier")
    id_token = (sociallogin.account.extra_data or {}).get("id_token")
    nonce = id_token.get("nonce") if isinstance(id_token, dict) else None
    return bool(verifier and nonce) and hmac.compare_digest(str(nonce), nonce_for(verifier))
