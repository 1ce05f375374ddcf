"""The SAML sign-in's own steps where allauth's SAML views fall short of Sweden Connect's rules.

allauth's SAML provider (allauth.socialaccount.providers.saml) does the protocol: the signed AuthnRequest, the
response's signature, audience, destination and validity checks (python3-saml with xmlsec, strict mode). Four of its
views are replaced here, at the same URLs (portal/urls.py puts them first):

- `login`: the AuthnRequest also asks for the level of assurance (RequestedAuthnContext, EID_SAML_LOA), which
  allauth never asks for.
- `finish_acs`: the assertion's AuthnContextClassRef is kept with the sign-in (the account logic, portal/eid.py,
  decides on it), an assertion is accepted once only, and every refusal (a bad signature, the wrong audience, an
  expired or replayed response) ends on the e-ID error page (`portal.eid.error_response`), never a server error.
  Nothing that identifies the person is logged.
- `metadata` and `sls`: an identity provider whose metadata cannot be fetched, or a request without a Host header,
  is an answer (503, 400), not a server error.
"""

from __future__ import annotations

import logging

from allauth.core.internal import httpkit
from allauth.socialaccount.helpers import complete_social_login, render_authentication_error
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.provider import SAMLProvider
from allauth.socialaccount.providers.saml.utils import build_saml_config, get_app_or_404
from allauth.socialaccount.sessions import LoginSession
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from onelogin.saml2.auth import OneLogin_Saml2_Auth

from portal import eid, eid_saml

logger = logging.getLogger(__name__)

# A refusal's kind -> the reason the e-ID error page explains (portal.eid.ERRORS) and its status.
REASONS = {
    "invalid": ("invalid", 400),  # bad signature, wrong audience or destination, not SAML at all
    "expired": ("expired", 400),  # the assertion's validity has passed
    "replayed": ("invalid", 400),  # the response was used before (its assertion id, or its request's state)
    "not_started": ("expired", 400),  # no sign-in was started in this browser (or it was finished already)
    "unavailable": ("unavailable", 503),  # the identity provider's metadata could not be fetched
}


class EidSamlRefused(Exception):
    """A SAML sign-in the portal does not go on with; `code` is a key of REASONS."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _request_data(request: HttpRequest) -> dict:
    """The request as python3-saml reads it; the host as Django checked it (allauth's own version fails with a
    server error on a request without a Host header)."""
    return {
        "https": "on" if request.is_secure() else "off",
        "http_host": request.get_host(),
        "script_name": request.META.get("SCRIPT_NAME", ""),
        "path_info": request.path_info,
        "get_data": request.GET.copy(),
        "post_data": request.POST.copy(),
    }


def _saml_config(request: HttpRequest, provider) -> dict:
    try:
        return build_saml_config(request, provider.app.settings, provider.app.client_id)
    except Exception as error:  # noqa: BLE001 - fetching EID_SAML_IDP_METADATA_URL: network errors, not metadata
        if "metadata_url" not in provider.app.settings.get("idp", {}):
            raise
        logger.warning("e-ID SAML: the identity provider's metadata could not be fetched: %s", type(error).__name__)
        raise EidSamlRefused("unavailable") from None


def _build_auth(request: HttpRequest, provider) -> OneLogin_Saml2_Auth:
    config = _saml_config(request, provider)
    loas = provider.app.settings.get("requested_authn_context") or []
    if loas:
        # Sweden Connect's deployment profile: the SP names the levels it accepts, compared exactly. A response
        # at another level is still read (the account logic decides what it allows), so no mismatch failure.
        config["security"]["requestedAuthnContext"] = list(loas)
        config["security"]["requestedAuthnContextComparison"] = "exact"
        config["security"]["failOnAuthnContextMismatch"] = False
    return OneLogin_Saml2_Auth(_request_data(request), config)


def _refuse(request: HttpRequest, refused: EidSamlRefused, detail: str = "") -> HttpResponse:
    # The detail is python3-saml's reason (e.g. "Signature validation failed"): it names no person.
    logger.warning("e-ID SAML sign-in refused: %s %s", refused.code, detail)
    reason, status = REASONS[refused.code]
    return eid.error_response(request, reason, status=status)


class EidSAMLProvider(SAMLProvider):
    """allauth's SAML provider, asking for and keeping the level of assurance."""

    def redirect(self, request: HttpRequest, process, next_url=None, data=None, **kwargs):
        auth = _build_auth(request, self)
        redirect_url = auth.login(return_to="")
        self.stash_redirect_state(request, process, next_url, data, state_id=auth.get_last_request_id(), **kwargs)
        return HttpResponseRedirect(redirect_url)

    def extract_extra_data(self, data):
        extra = dict(super().extract_extra_data(data))
        extra[eid_saml.AUTHN_CONTEXT_KEY] = list(data.get_last_authn_contexts() or [])
        return extra

    def sociallogin_from_response(self, request: HttpRequest, response):
        try:
            return super().sociallogin_from_response(request, response)
        except ValueError:  # no NameID: allauth needs a uid
            raise EidSamlRefused("invalid") from None

    def unstash_redirect_state(self, request: HttpRequest, state_id):
        try:
            return super().unstash_redirect_state(request, state_id)
        except PermissionDenied:  # no sign-in with this request id was started in this session, or it was used
            raise EidSamlRefused("replayed") from None


def _provider(request: HttpRequest, organization_slug: str) -> EidSAMLProvider:
    return EidSAMLProvider(request, app=get_app_or_404(request, organization_slug))


class LoginView(saml_views.LoginView):
    def get_provider(self):
        return _provider(self.request, self.kwargs["organization_slug"])

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except EidSamlRefused as refused:
            return _refuse(request, refused)


def _accept_once(auth: OneLogin_Saml2_Auth) -> None:
    """Refuse an assertion that was accepted before (kept until it expires, in the shared cache)."""
    assertion_id = auth.get_last_assertion_id()
    not_on_or_after = auth.get_last_assertion_not_on_or_after()
    if not assertion_id:
        raise EidSamlRefused("invalid")
    seconds = int(not_on_or_after - timezone.now().timestamp()) if not_on_or_after else 0
    if not cache.add(f"eid-saml-assertion:{assertion_id}", 1, timeout=max(seconds, 0) + 300):
        raise EidSamlRefused("replayed")


class FinishACSView(saml_views.FinishACSView):
    def dispatch(self, request: HttpRequest, organization_slug) -> HttpResponse:
        provider = _provider(request, organization_slug)
        acs_session = LoginSession(request, "saml_acs_session", "saml-acs-session")
        serialized = acs_session.store.get("request")
        acs_session.delete()
        if not serialized:  # the ACS was not posted to in this browser, or the page was reloaded
            return _refuse(request, EidSamlRefused("not_started"), "no ACS session")
        acs_request = httpkit.deserialize_request(serialized, HttpRequest())
        try:
            auth = _build_auth(acs_request, provider)
        except EidSamlRefused as refused:
            return _refuse(request, refused)
        try:
            # InResponseTo is checked against the stashed state below, as allauth does.
            auth.process_response(request_id=None)
        except Exception as error:  # noqa: BLE001 - whatever was posted (not base64, not XML, no SAMLResponse)
            return _refuse(request, EidSamlRefused("invalid"), type(error).__name__)
        errors = auth.get_errors()
        if errors:
            detail = auth.get_last_error_reason() or ""
            code = "expired" if "expired" in detail.lower() else "invalid"
            return _refuse(request, EidSamlRefused(code), f"{','.join(errors)}: {detail}")
        if not auth.is_authenticated():
            return render_authentication_error(request, provider, error=AuthError.CANCELLED)
        try:
            state_id = auth.get_last_response_in_response_to()
            if not state_id:  # IdP-initiated sign-in: refused, the portal always asks first
                raise EidSamlRefused("not_started")
            state = provider.unstash_redirect_state(request, state_id)
            _accept_once(auth)
            login = provider.sociallogin_from_response(request, auth)
        except EidSamlRefused as refused:
            return _refuse(request, refused)
        login.state = state
        return complete_social_login(request, login)


class MetadataView(saml_views.MetadataView):
    def dispatch(self, request: HttpRequest, organization_slug) -> HttpResponse:
        provider = _provider(request, organization_slug)
        try:
            _saml_config(request, provider)
        except EidSamlRefused as refused:
            return _refuse(request, refused)
        return super().dispatch(request, organization_slug)


class SLSView(saml_views.SLSView):
    def dispatch(self, request: HttpRequest, organization_slug) -> HttpResponse:
        get_app_or_404(request, organization_slug)
        if "HTTP_HOST" not in request.META:  # allauth reads it unchecked
            return HttpResponseBadRequest()
        return super().dispatch(request, organization_slug)


login = LoginView.as_view()
finish_acs = FinishACSView.as_view()
metadata = MetadataView.as_view()
sls = csrf_exempt(SLSView.as_view())
