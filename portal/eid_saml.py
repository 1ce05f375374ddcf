"""E-legitimation through SAML: a Sweden Connect-style identity provider, through allauth's SAML provider.

Two parts, both importable while the settings load (no models here):

- `app_from_env(environ)` builds the one allauth SAML app (organisation slug `eid`) from environment variables and
  the files they name, or returns None when SAML is not configured. A named file that is missing, or metadata
  without an identity provider, is an ImproperlyConfigured at start-up, never an error at sign-in.
- `claims(sociallogin)` reads what the identity provider asserted (attributes named as in Sweden Connect's
  "Attribute Specification for the Swedish eID Framework", and the authentication context class that the
  assertion names as its level of assurance) into an `EidClaims` for the account logic (portal/eid.py).

The views that put the authentication context into the sign-in and turn every refused response into the e-ID
error page are in portal/eid_saml_views.py. docs/eid.md describes the whole flow and which rules it follows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from portal.eid_claims import EidClaims

# The allauth app's `client_id`: the URLs are /accounts/saml/eid/login/, …/acs/, …/sls/ and …/metadata/.
ORGANISATION_SLUG = "eid"

# Sweden Connect's attribute names (urn:oid form, as the attributes are sent).
PERSONAL_IDENTITY_NUMBER = "urn:oid:1.2.752.29.4.13"
GIVEN_NAME = "urn:oid:2.5.4.42"
SURNAME = "urn:oid:2.5.4.4"
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
ORG_AFFILIATION = "urn:oid:1.2.752.201.3.1"
ORGANIZATION_IDENTIFIER = "urn:oid:2.5.4.97"

# Where the provider (portal/eid_saml_views.py) keeps the assertion's AuthnContextClassRef values in the
# sign-in's extra data: allauth's SAML provider keeps only the attributes.
AUTHN_CONTEXT_KEY = "authn_context_class_ref"

# Sweden Connect's levels of assurance (eIDAS-aligned "loa2"/"loa3"/"loa4" under id.elegnamnden.se).
DEFAULT_LOA = "http://id.elegnamnden.se/loa/1.0/loa3"

PERSISTENT_NAMEID = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

_PERSONAL_NUMBER = re.compile(r"^\d{12}$")


def _first(attributes: Mapping, name: str) -> str:
    values = attributes.get(name) or []
    if isinstance(values, str):
        values = [values]
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def personal_number_of(attributes: Mapping) -> str | None:
    """The 12-digit personal identity number in the attributes, or None when absent or malformed."""
    value = re.sub(r"[\s+-]", "", _first(attributes, PERSONAL_IDENTITY_NUMBER))
    return value if _PERSONAL_NUMBER.match(value) else None


def organisation_number_of(attributes: Mapping) -> str | None:
    """The organisation number from organizationIdentifier, else from orgAffiliation (`<uid>@<orgnr>`)."""
    identifier = _first(attributes, ORGANIZATION_IDENTIFIER)
    if identifier:
        return identifier
    affiliation = _first(attributes, ORG_AFFILIATION)
    if "@" in affiliation:
        return affiliation.rsplit("@", 1)[1] or None
    return None


def claims(sociallogin) -> EidClaims:
    """What a SAML sign-in asserted, from the extra data that portal/eid_saml_views.py collected."""
    data = sociallogin.account.extra_data or {}
    contexts = data.get(AUTHN_CONTEXT_KEY) or []
    email = _first(data, MAIL) or None
    return EidClaims(
        provider=sociallogin.account.provider,
        personal_number=personal_number_of(data),
        given_name=_first(data, GIVEN_NAME),
        family_name=_first(data, SURNAME),
        display_name=_first(data, DISPLAY_NAME),
        # Sweden Connect's IdPs assert only a mail address that they hold for the person; the account logic
        # still confirms any link to an existing account.
        email=email.lower() if email else None,
        loa=contexts[0] if contexts else None,
        organisation_number=organisation_number_of(data),
    )


# --- configuration -----------------------------------------------------------------------------------------


def _read(name: str, path: str | None) -> str:
    path = (path or "").strip()
    if not path:
        raise ImproperlyConfigured(f"{name} must name a file when e-legitimation through SAML is configured.")
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ImproperlyConfigured(f"{name} names {path!r}, which cannot be read ({error.strerror}).") from None


def _pem_body(text: str) -> str:
    """The base64 body of a PEM certificate or key, as python3-saml takes it."""
    return "".join(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----"))


def _idp_from_metadata_file(environ: Mapping) -> dict:
    from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

    xml = _read("EID_SAML_IDP_METADATA_FILE", environ.get("EID_SAML_IDP_METADATA_FILE"))
    entity_id = (environ.get("EID_SAML_IDP_ENTITY_ID") or "").strip() or None
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml, entity_id=entity_id).get("idp") or {}
    except Exception as error:  # noqa: BLE001 - lxml's syntax errors and the parser's own
        raise ImproperlyConfigured(f"EID_SAML_IDP_METADATA_FILE is not SAML metadata: {error}") from None
    cert = parsed.get("x509cert") or next(iter((parsed.get("x509certMulti") or {}).get("signing") or []), None)
    sso_url = (parsed.get("singleSignOnService") or {}).get("url")
    if not (parsed.get("entityId") and cert and sso_url):
        raise ImproperlyConfigured(
            "EID_SAML_IDP_METADATA_FILE holds no identity provider with a signing certificate and a single "
            "sign-on address" + (f" for {entity_id}" if entity_id else "") + "."
        )
    idp = {"entity_id": parsed["entityId"], "x509cert": cert, "sso_url": sso_url}
    slo_url = (parsed.get("singleLogoutService") or {}).get("url")
    if slo_url:
        idp["slo_url"] = slo_url
    return idp


def app_from_env(environ: Mapping) -> dict | None:
    """The allauth SAML app for SOCIALACCOUNT_PROVIDERS["saml"]["APPS"], or None when SAML is not configured.

    Configured means EID_SAML_SP_ENTITY_ID and the identity provider's metadata (EID_SAML_IDP_METADATA_FILE, or
    EID_SAML_IDP_METADATA_URL, fetched at the first sign-in and cached) are set; then the SP key and
    certificate files are required as well.
    """
    sp_entity_id = (environ.get("EID_SAML_SP_ENTITY_ID") or "").strip()
    metadata_file = (environ.get("EID_SAML_IDP_METADATA_FILE") or "").strip()
    metadata_url = (environ.get("EID_SAML_IDP_METADATA_URL") or "").strip()
    if not (sp_entity_id or metadata_file or metadata_url):
        return None
    if not sp_entity_id:
        raise ImproperlyConfigured("EID_SAML_SP_ENTITY_ID must be set with the SAML identity provider's metadata.")
    if not (metadata_file or metadata_url):
        raise ImproperlyConfigured("EID_SAML_IDP_METADATA_FILE or EID_SAML_IDP_METADATA_URL must be set.")

    if metadata_file:
        idp = _idp_from_metadata_file(environ)
    else:
        # allauth fetches the metadata when a sign-in needs it and keeps it in the cache for four hours.
        idp = {"metadata_url": metadata_url, "entity_id": (environ.get("EID_SAML_IDP_ENTITY_ID") or "").strip() or None}
    loas = (environ.get("EID_SAML_LOA") or "").split() or [DEFAULT_LOA]
    return {
        "client_id": ORGANISATION_SLUG,
        "name": (environ.get("EID_SAML_NAME") or "").strip() or "e-legitimation",
        "settings": {
            "idp": idp,
            "sp": {"entity_id": sp_entity_id},
            # Sweden Connect's names; the personal identity number is read by `claims`, never used as uid
            # (the uid is the persistent NameID, pairwise per service provider).
            "attribute_mapping": {"email": MAIL, "first_name": GIVEN_NAME, "last_name": SURNAME},
            # Asked for in the AuthnRequest (portal/eid_saml_views.py); allauth itself asks for none.
            "requested_authn_context": loas,
            "advanced": {
                "strict": True,
                "private_key": _pem_body(_read("EID_SAML_SP_KEY_FILE", environ.get("EID_SAML_SP_KEY_FILE"))),
                "x509cert": _pem_body(_read("EID_SAML_SP_CERT_FILE", environ.get("EID_SAML_SP_CERT_FILE"))),
                "authn_request_signed": True,
                "want_assertion_signed": True,
                # Sweden Connect's IdPs encrypt assertions to the SP's certificate (published in its metadata for
                # encryption too); EID_SAML_WANT_ENCRYPTED_ASSERTIONS=0 accepts an IdP that does not.
                "want_assertion_encrypted": (environ.get("EID_SAML_WANT_ENCRYPTED_ASSERTIONS") or "1").strip() != "0",
                "want_message_signed": False,
                "want_name_id": True,
                "want_attribute_statement": True,
                "name_id_format": PERSISTENT_NAMEID,
                "signature_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
                "reject_deprecated_algorithm": True,
                "reject_idp_initiated_sso": True,
                # The SP's own addresses come from the request's host, which ALLOWED_HOSTS already checks.
                "allow_single_label_domains": True,
            },
        },
    }


def form_action_origins(app: dict | None) -> list[str]:
    """Origins the sign-in form may be redirected to (CSP form-action): the identity provider's."""
    if not app:
        return []
    idp = app["settings"]["idp"]
    url = idp.get("sso_url") or idp.get("metadata_url") or ""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []
