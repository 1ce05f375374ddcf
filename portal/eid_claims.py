"""What an e-legitimation sign-in tells the portal, whatever the protocol (OpenID Connect or SAML).

Each protocol's module reads its own sign-in into an `EidClaims` (`portal.eid_oidc.claims` for OpenID Connect,
`portal.eid_saml.claims` for SAML); `claims_of` picks the module by the allauth provider. The account logic
(`portal.eid`) sees only `EidClaims`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EidClaims:
    """One person's identity as an identity provider asserted it.

    personal_number: the Swedish personal identity number (12 digits, no hyphen) or None when the provider did
        not send it; it is hashed for matching and never stored, shown or logged in full.
    email: an e-mail address the provider asserts as verified, else None.
    loa: the level of assurance as the provider names it (an OIDC `acr` value or a SAML AuthnContextClassRef,
        e.g. "http://id.elegnamnden.se/loa/1.0/loa3"), or None.
    organisation_number: the organisational identity when the provider sends one (Sweden Connect's
        orgAffiliation / organizationIdentifier); informative only, it gives no membership.
    """

    provider: str
    personal_number: str | None
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    email: str | None = None
    loa: str | None = None
    organisation_number: str | None = None


def claims_of(sociallogin) -> EidClaims:
    """The claims of an allauth SocialLogin, read by the module of its provider's protocol."""
    provider = sociallogin.account.get_provider()
    if type(provider).__module__.startswith("allauth.socialaccount.providers.saml."):
        from portal import eid_saml

        return eid_saml.claims(sociallogin)
    from portal import eid_oidc

    return eid_oidc.claims(sociallogin)
