"""The local OpenID provider (tests/idp/oidc_provider.mjs, a "test BankID") as pytest fixtures.

`oidc_idp` starts it once per test session on a free port, waits for its discovery document and stops it at the
end; `eid_oidc` points the portal at it for one test (through the `settings` fixture, so nothing leaks into the
next test). The provider's sign-in page asks for a personal identity number and a level (loa2/loa3).
"""

import json
import secrets
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.utils.csp import CSP

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "idp" / "oidc_provider.mjs"
CLIENT_ID = "portal"
# What the portal asks for (EID_OIDC_ACR_VALUES): the test provider then states the chosen level in the ID token.
ACR_VALUES = ["http://id.elegnamnden.se/loa/1.0/loa3", "http://id.elegnamnden.se/loa/1.0/loa2"]


@dataclass(frozen=True)
class OidcIdp:
    issuer: str
    client_id: str
    client_secret: str


def free_port() -> int:
    """A port nothing listens on now (the OS picks it), so that parallel runs never collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_oidc_idp(*, code_ttl: int = 60) -> tuple[subprocess.Popen, OidcIdp]:
    port = free_port()
    secret = secrets.token_urlsafe(24)
    process = subprocess.Popen(
        [
            "node",
            str(SCRIPT),
            str(port),
            "--any-local-redirect",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            secret,
            "--code-ttl",
            str(code_ttl),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2) as response:
                if json.load(response).get("issuer") == issuer:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError("The local OpenID provider did not start (is node_modules/oidc-provider installed?).")
        time.sleep(0.2)
    return process, OidcIdp(issuer=issuer, client_id=CLIENT_ID, client_secret=secret)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def configure_portal(settings, idp: OidcIdp, *, accepted_loa=("loa3",)) -> None:
    """The settings the environment variables would give (portal/settings.py, "e-legitimation")."""
    settings.EID_OIDC_ISSUER = idp.issuer
    settings.EID_OIDC_CLIENT_ID = idp.client_id
    settings.EID_OIDC_CLIENT_SECRET = idp.client_secret
    settings.EID_ACCEPTED_LOA = list(accepted_loa)
    settings.EID_OIDC_ACR_VALUES = ACR_VALUES
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "eid",
                    "name": "Test-BankID",
                    "client_id": idp.client_id,
                    "secret": idp.client_secret,
                    "settings": {
                        "server_url": idp.issuer,
                        "scope": settings.EID_OIDC_SCOPES,
                        "oauth_pkce_enabled": True,
                        "fetch_userinfo": True,
                        "auth_params": {"acr_values": " ".join(ACR_VALUES)},
                    },
                }
            ],
        },
    }
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": [CSP.SELF, idp.issuer]}


@pytest.fixture(scope="session")
def oidc_idp():
    process, idp = start_oidc_idp()
    yield idp
    stop(process)


@pytest.fixture
def eid_oidc(settings, oidc_idp):
    """The portal signs in with the local OpenID provider for this test; loa3 is accepted instead of TOTP."""
    configure_portal(settings, oidc_idp)
    return oidc_idp


def idp_sign_in(
    authorize_url: str,
    *,
    pin: str = "199001012385",
    loa: str = "loa3",
    email: str = "",
    email_verified: bool = True,
    given_name: str = "Test",
    family_name: str = "Testsson",
    cancel: bool = False,
) -> str:
    """Do what a person does on the provider's sign-in page (as a browser would, without one) and return the URL
    the provider sends them back to: the portal's callback with the code and the state."""
    import requests

    with requests.Session() as browser:
        response = browser.get(authorize_url, allow_redirects=False, timeout=10)
        interaction = urljoin(authorize_url, response.headers["Location"])
        browser.get(interaction, timeout=10).raise_for_status()
        form = {"pin": pin, "loa": loa, "given_name": given_name, "family_name": family_name, "email": email}
        if email_verified:
            form["email_verified"] = "1"
        if cancel:
            form["cancel"] = "1"
        response = browser.post(f"{interaction}/login", data=form, allow_redirects=False, timeout=10)
        location = urljoin(authorize_url, response.headers["Location"])
        # Back to the authorisation endpoint, which answers with the redirect to the portal.
        while location.startswith(authorize_url.split("/auth")[0]):
            response = browser.get(location, allow_redirects=False, timeout=10)
            location = urljoin(location, response.headers["Location"])
        return location
