"""The local SAML identity provider (tests/idp/saml_idp.js) as a process for the tests, and the portal set up for it.

Fixtures (imported into tests/conftest.py):
- `saml_idp`: the IdP process for the whole test session, on a free port, with an IdP key and certificate made
  at start in a temp dir (never committed); stopped at the end.
- `saml_eid`: the portal's settings pointed at it for one test (SP key and certificate made at start, the IdP's
  metadata written to a file, read by portal.eid_saml.app_from_env as at start-up), returning a `SamlEid`.

`SamlEid.sign_in(client, ...)` drives a whole sign-in with Django's test client against the running IdP: the
AuthnRequest from the portal, the IdP's form posted as a person would, the IdP's signed response posted to the ACS.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

from tests.idp.saml_process import LOA2, LOA3, SP_ENTITY_ID, SamlIdp, make_key_and_cert

__all__ = ["LOA2", "LOA3", "SP_ENTITY_ID", "SamlEid", "SamlIdp", "configure", "make_key_and_cert"]


@dataclass
class SamlEid:
    """The portal configured for the running IdP."""

    idp: SamlIdp
    app: dict
    sp_cert: str

    login_path = "/accounts/saml/eid/login/"
    acs_path = "/accounts/saml/eid/acs/"
    metadata_path = "/accounts/saml/eid/metadata/"

    def answer(self, authn_redirect: str, **person) -> dict:
        """Fill in the IdP's form for the AuthnRequest in `authn_redirect`; the response form's fields."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(authn_redirect).query)
        form = {
            "SAMLRequest": query["SAMLRequest"][0],
            "RelayState": query.get("RelayState", [""])[0],
            "personal_number": person.get("personal_number", ""),
            "given_name": person.get("given_name", ""),
            "surname": person.get("surname", ""),
            "email": person.get("email", ""),
            "organisation_number": person.get("organisation_number", ""),
            "loa": person.get("loa", "loa3"),
            "case": person.get("case", "valid"),
        }
        page = self.idp.post("/sso/answer", form)
        fields = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', page))
        action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
        return {
            "action": unescape(action),
            "SAMLResponse": fields["SAMLResponse"],
            "RelayState": unescape(fields["RelayState"]),
        }

    def sign_in(self, client, **person):
        """A whole sign-in with the test client; the response after the ACS (redirects followed)."""
        started = client.post(self.login_path)
        assert started.status_code == 302 and started["Location"].startswith(self.idp.url), started
        answer = self.answer(started["Location"], **person)
        return self.post_answer(client, answer)

    def post_answer(self, client, answer: dict):
        path = urllib.parse.urlsplit(answer["action"]).path
        return client.post(
            path, {"SAMLResponse": answer["SAMLResponse"], "RelayState": answer["RelayState"]}, follow=True
        )


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    idp = SamlIdp(tmp_path_factory.mktemp("saml-idp"))
    yield idp
    idp.stop()


def configure(settings, idp: SamlIdp | None, directory: Path, **environ) -> SamlEid:
    """Point the portal's settings at `idp` (or only at what `environ` names), reading them as portal/settings.py
    does at start-up."""
    from portal import eid_saml

    key_file, cert_file = (idp.sp_key_file, idp.sp_cert_file) if idp else make_key_and_cert(directory, "sp")
    if idp is not None:
        metadata_file = directory / "idp-metadata.xml"
        metadata_file.write_text(idp.metadata)
        environ = {"EID_SAML_IDP_METADATA_FILE": str(metadata_file), **environ}
    app = eid_saml.app_from_env(
        {
            "EID_SAML_SP_ENTITY_ID": SP_ENTITY_ID,
            "EID_SAML_SP_KEY_FILE": str(key_file),
            "EID_SAML_SP_CERT_FILE": str(cert_file),
            "EID_SAML_NAME": "Testlegitimering (SAML)",
            **environ,
        }
    )
    settings.SOCIALACCOUNT_PROVIDERS = {**settings.SOCIALACCOUNT_PROVIDERS, "saml": {"APPS": [app]}}
    # As the OpenID Connect fixture does: loa3 counts instead of TOTP for staff.
    settings.EID_ACCEPTED_LOA = ["loa3"]
    csp = dict(settings.SECURE_CSP)
    csp["form-action"] = [*csp["form-action"], *eid_saml.form_action_origins(app)]
    settings.SECURE_CSP = csp
    return SamlEid(idp=idp, app=app, sp_cert=cert_file.read_text())


@pytest.fixture
def saml_eid(settings, saml_idp, tmp_path) -> SamlEid:
    return configure(settings, saml_idp, tmp_path)
