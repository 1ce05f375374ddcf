"""E-legitimation accounts: what a sign-in with e-ID does to the portal's accounts, whatever the protocol.

allauth runs the protocol (OpenID Connect, SAML) and hands over a SocialLogin; `claims_of` (portal/eid_claims.py)
reads it into an `EidClaims`. Everything here sees only those claims:

- The personal identity number is hashed at once with a keyed hash (HMAC-SHA256, settings.EID_HASH_KEY) and then
  dropped: it is removed from what allauth stores (`SocialAccount.extra_data`, the account's uid), never put in the
  session, a log line or an audit row (dataskyddslagen 3 kap. 10 §, GDPR art. 5.1 c). The hash is `EidIdentity`.
- A known hash signs its account in. An unknown one whose verified e-mail address (from the provider, or typed
  on the sign-up form) belongs to an account is linked only after the person gives that account's password
  (`portal.views.eid`); never silently, since an e-mail address alone proves nothing. Otherwise a new account.
- A sign-in gives no organisation: memberships still come from invitations and verification.
- The level of assurance (LoA) of the sign-in is kept in the session; one that settings.EID_ACCEPTED_LOA accepts
  stands in for TOTP for handlers and portal admins (StaffMfaMiddleware, `EidAwareAuthenticateStage`).

docs/eid.md describes the flows and the rules they follow.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time

import requests
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email, perform_login
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount import app_settings as socialaccount_settings
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.forms import SignupForm
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import eid_oidc
from .audit import AuditAction
from .eid_claims import EidClaims, claims_of
from .models import EidIdentity, User
from .services import write_audit

logger = logging.getLogger(__name__)

# The session's record of an e-ID sign-in: {"provider": …, "loa": …}; never the number or its hash.
SESSION_KEY = "eid_sign_in"
# A sign-in waiting for the password of the account it would be linked to (portal.views.eid).
PENDING_LINK_KEY = "eid_pending_link"
# Sweden Connect's names of the levels of assurance; "loa3" in settings means the first with that ending.
LOA_PREFIX = "http://id.elegnamnden.se/loa/1.0/"

# What the person reads on the error page (socialaccount/authentication_error.html), one per cause.
ERRORS = {
    "missing_number": _(
        "Your e-legitimation did not give us your personal identity number, so we cannot sign you in with it. "
        "Sign in with your e-mail address and password instead, or try another e-legitimation."
    ),
    "expired": _(
        "The sign-in had expired or was started in another browser window. Start it again from the sign-in page."
    ),
    "unavailable": _(
        "The e-legitimation service does not answer right now. Try again in a while, or sign in with your "
        "e-mail address and password."
    ),
    "invalid": _(
        "Your e-legitimation could not be confirmed: the answer from the e-legitimation service was invalid or "
        "had already been used. Start the sign-in again."
    ),
    "cancelled": _("You cancelled the sign-in. Nothing was changed."),
    "other_account": _(
        "This e-legitimation is already linked to another account. Sign in to that account, or contact the "
        "portal's support."
    ),
    "inactive": _("The account linked to this e-legitimation is closed."),
}


# -- The personal identity number and the level of assurance -------------------------------------------------


def normalise_personal_number(value: str | None) -> str | None:
    """The twelve digits of a Swedish personal (or coordination) number, or None when it is not one."""
    if not value:
        return None
    digits = re.sub(r"[\s+-]", "", str(value))
    return digits if re.fullmatch(r"\d{12}", digits) else None


def personal_number_hash(number: str) -> str:
    """The keyed hash (HMAC-SHA256 with settings.EID_HASH_KEY, hex) that stands for a personal identity number.

    Keyed, so that the hashes cannot be reversed by hashing every possible number (there are few of them)
    by anyone who does not hold the key.
    """
    return hmac.new(settings.EID_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def normalise_loa(value: str | None) -> str:
    value = (value or "").strip()
    if value and "/" not in value and ":" not in value:
        return LOA_PREFIX + value
    return value


def loa_accepted(loa: str | None) -> bool:
    """The level of assurance is one the operator accepts instead of TOTP (settings.EID_ACCEPTED_LOA)."""
    if not loa:
        return False
    return normalise_loa(loa) in {normalise_loa(level) for level in settings.EID_ACCEPTED_LOA}


def session_loa_accepted(request) -> bool:
    """This session was signed in with e-ID at an accepted level (checked against today's setting)."""
    session = getattr(request, "session", None)
    mark = session.get(SESSION_KEY) if session is not None else None
    return bool(mark) and loa_accepted(mark.get("loa"))


def strip_personal_number(data, number: str):
    """`data` (the provider's claims or attributes, any nesting) without a value that holds the number."""
    if isinstance(data, dict):
        return {key: strip_personal_number(value, number) for key, value in data.items() if not _holds(value, number)}
    if isinstance(data, list):
        return [strip_personal_number(value, number) for value in data if not _holds(value, number)]
    return data


def _holds(value, number: str) -> bool:
    if isinstance(value, (str, int)):
        digits = re.sub(r"\D", "", str(value))
        return number in digits or (len(digits) >= 10 and digits in number)
    if isinstance(value, list):
        return any(_holds(item, number) for item in value)
    return False


# -- Services --------------------------------------------------------------------------------------------------


def link_identity(*, user: User, digest: str, provider: str, how: AuditAction) -> EidIdentity:
    """Tie an e-legitimation (its hash) to an account.

    Side effects: an EidIdentity row, an audit row (`how`: created with e-ID or linked) without the number.
    A hash already tied to another account raises IntegrityError (the unique constraint); nothing is changed.
    """
    identity = EidIdentity.objects.create(personal_number_hash=digest, user=user, provider=provider)
    write_audit(actor=user, action=how, obj=user, details={"provider": provider})
    return identity


def record_sign_in(*, request, user: User, provider: str, loa: str | None, digest: str | None) -> None:
    """Note an e-ID sign-in: the session's mark (its level of assurance), the hash's last use, an audit row.

    The session holds the provider and the level only; the audit row the same, never the number or its hash.
    """
    request.session[SESSION_KEY] = {"provider": provider, "loa": loa or ""}
    if digest:
        EidIdentity.objects.filter(personal_number_hash=digest).update(last_used_at=timezone.now(), provider=provider)
    write_audit(
        actor=user,
        action=AuditAction.ACCOUNT_EID_SIGNED_IN,
        obj=user,
        details={"provider": provider, "loa": _short_loa(loa)},
    )


def _short_loa(loa: str | None) -> str:
    loa = loa or ""
    return loa.removeprefix(LOA_PREFIX) or "–"


# -- What the person sees when a sign-in cannot go on -----------------------------------------------------------


def error_response(request, reason: str, *, status: int = 400):
    """The one page for a failed e-ID sign-in: what happened, in plain words, and the way back to signing in.

    Logged by its cause only: nothing in the line identifies the person.
    """
    logger.info("e-ID sign-in stopped: %s", reason)
    response = render(
        request, "socialaccount/authentication_error.html", {"eid_error": ERRORS[reason], "eid_reason": reason}
    )
    response.status_code = status
    response["Cache-Control"] = "no-store"
    return response


def _error_reason(error, exception) -> str:
    if error == AuthError.CANCELLED:
        return "cancelled"
    if isinstance(exception, requests.RequestException):
        return "unavailable"
    if exception is None:
        # No state matched the callback's (expired, replayed, another browser), or the provider answered an error.
        return "expired"
    return "invalid"


class EidErrorMiddleware:
    """A provider that cannot be reached when a sign-in starts (allauth fetches its configuration then, and lets
    the error through): the e-ID error page with status 503 instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, requests.RequestException) and request.path.startswith("/accounts/"):
            return error_response(request, "unavailable", status=503)
        return None


# -- allauth's hooks -----------------------------------------------------------------------------------------


def _eid_state(sociallogin: SocialLogin) -> dict:
    return sociallogin.state.get("eid") or {}


class EidSocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's social-account hooks, turned to e-legitimation (see the module's docstring)."""

    def populate_user(self, request, sociallogin, data):
        """Read the claims while allauth builds the sign-in, before it looks anything up or saves anything: the
        number leaves `extra_data` (and the uid, if the provider used it there) here, so it is never stored."""
        claims = claims_of(sociallogin)
        number = normalise_personal_number(claims.personal_number)
        sociallogin._eid_claims = claims
        sociallogin._eid_digest = personal_number_hash(number) if number else None
        account = sociallogin.account
        raw = (claims.personal_number or "").strip()
        for secret in {number, raw} - {None, ""}:
            account.extra_data = strip_personal_number(account.extra_data, secret)
            if _holds(account.uid, secret):
                # The provider's id is the number itself: the account is known by the hash instead.
                account.uid = sociallogin._eid_digest or "missing"
        # Only an address the provider vouches for is taken as verified; none at all is asked for on sign-up.
        sociallogin.email_addresses = (
            [EmailAddress(email=claims.email, verified=True, primary=True)] if claims.email else []
        )
        user = sociallogin.user
        user.email = claims.email or ""
        name_first, _sep, name_last = claims.display_name.partition(" ")
        user.first_name = (claims.given_name or name_first)[:150]
        user.last_name = (claims.family_name or name_last)[:150]
        return user

    def pre_social_login(self, request, sociallogin):
        """Decide what the sign-in is: a known e-legitimation, one to link to an account, or a new account."""
        claims: EidClaims | None = getattr(sociallogin, "_eid_claims", None)
        digest = getattr(sociallogin, "_eid_digest", None)
        if claims is None or digest is None:
            raise ImmediateHttpResponse(error_response(request, "missing_number"))
        if isinstance(sociallogin.provider, eid_oidc.EidOpenIDConnectProvider) and not eid_oidc.nonce_matches(
            sociallogin
        ):
            raise ImmediateHttpResponse(error_response(request, "invalid"))
        provider = sociallogin.account.provider
        sociallogin.state["eid"] = {"hash": digest, "loa": claims.loa or "", "provider": provider}
        identity = EidIdentity.objects.select_related("user").filter(personal_number_hash=digest).first()
        if sociallogin.state.get("process") == AuthProcess.CONNECT and request.user.is_authenticated:
            # Signed in already and adding the e-ID on the connections page: the account is the person's own.
            if identity is not None and identity.user_id != request.user.pk:
                raise ImmediateHttpResponse(error_response(request, "other_account"))
            if identity is None:
                link_identity(user=request.user, digest=digest, provider=provider, how=AuditAction.ACCOUNT_EID_LINKED)
            return
        if identity is not None:
            self._sign_in_to(request, sociallogin, identity.user)
            return
        if sociallogin.is_existing:
            # The provider's id is known but not the hash: the hash key was changed. The provider vouches for
            # the person as before, so the account gets the new hash.
            link_identity(user=sociallogin.user, digest=digest, provider=provider, how=AuditAction.ACCOUNT_EID_LINKED)
            return
        if claims.email:
            owner = account_with_email(claims.email)
            if owner is not None:
                raise ImmediateHttpResponse(ask_to_link(request, sociallogin, owner))
        # Otherwise allauth signs up a new account: at once with a verified address, else through the form.

    def _sign_in_to(self, request, sociallogin: SocialLogin, user: User) -> None:
        if not user.is_active:
            raise ImmediateHttpResponse(error_response(request, "inactive"))
        if sociallogin.is_existing:
            if sociallogin.user.pk != user.pk:
                raise ImmediateHttpResponse(error_response(request, "other_account"))
            return
        account = sociallogin.account
        existing = SocialAccount.objects.filter(provider=account.provider, uid=account.uid).first()
        if existing is not None and existing.user_id != user.pk:
            raise ImmediateHttpResponse(error_response(request, "other_account"))
        if existing is not None:
            existing.extra_data = account.extra_data
            existing.save(update_fields=["extra_data"])
            sociallogin.account = existing
            sociallogin.user = user
        else:
            # The same person through another provider (or a new id at the same one): a second social account.
            sociallogin.connect(request, user)

    def get_provider(self, request, provider, client_id=None):
        instance = super().get_provider(request, provider, client_id=client_id)
        if type(instance) is OpenIDConnectProvider:
            # The same provider with a nonce (portal/eid_oidc.py).
            instance = eid_oidc.EidOpenIDConnectProvider(request, app=instance.app)
        return instance

    def save_user(self, request, sociallogin, form=None):
        """A new account from an e-ID sign-in: no password (one can be set later), no organisation, the hash."""
        sociallogin.user.language = translation.get_language() or "sv"
        eid = _eid_state(sociallogin)
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form=form)
            link_identity(user=user, digest=eid["hash"], provider=eid["provider"], how=AuditAction.ACCOUNT_EID_CREATED)
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        raise ImmediateHttpResponse(error_response(request, _error_reason(error, exception)))

    def is_open_for_signup(self, request, sociallogin):
        return True

    def get_signup_form_initial_data(self, sociallogin):
        initial = super().get_signup_form_initial_data(sociallogin)
        return {"email": initial.get("email", "")}


def account_with_email(email: str) -> User | None:
    """The account an e-mail address belongs to (its addresses or its own field), if any."""
    users = filter_users_by_email(email, prefer_verified=True)
    return users[0] if users else None


def ask_to_link(request, sociallogin: SocialLogin, owner: User):
    """Keep the sign-in (without the number: allauth's serialised form, the hash in its state) and send the person to
    confirm, with the account's password, that the account is theirs."""
    request.session[PENDING_LINK_KEY] = {"sociallogin": sociallogin.serialize(), "user": owner.pk}
    return redirect("portal:eid_link")


def pending_link(request) -> tuple[SocialLogin, User] | None:
    data = request.session.get(PENDING_LINK_KEY)
    if not data:
        return None
    try:
        sociallogin = SocialLogin.deserialize(data["sociallogin"])
        owner = User.objects.get(pk=data["user"], is_active=True)
    except (KeyError, ValueError, User.DoesNotExist):
        request.session.pop(PENDING_LINK_KEY, None)
        return None
    return sociallogin, owner


def drop_pending_link(request) -> None:
    request.session.pop(PENDING_LINK_KEY, None)


def complete_link(request, *, sociallogin: SocialLogin, owner: User):
    """The person proved the account is theirs: tie the e-legitimation to it and sign them in.

    Side effects: an EidIdentity, a SocialAccount, an audit row (linked), then allauth's sign-in (with its stages:
    e-mail verification, TOTP unless the level is accepted).
    """
    from allauth.socialaccount.internal.flows.login import record_authentication

    eid = _eid_state(sociallogin)
    drop_pending_link(request)
    try:
        with transaction.atomic():
            link_identity(user=owner, digest=eid["hash"], provider=eid["provider"], how=AuditAction.ACCOUNT_EID_LINKED)
            sociallogin.connect(request, owner)
    except IntegrityError:
        # The same e-legitimation was linked in another tab meanwhile.
        return error_response(request, "other_account")
    record_authentication(request, sociallogin)
    return perform_login(
        request,
        owner,
        email_verification=socialaccount_settings.EMAIL_VERIFICATION,
        redirect_url=sociallogin.get_redirect_url(request),
        signal_kwargs={"sociallogin": sociallogin},
    )


LINK_CODE_MINUTES = 10
LINK_CODE_TRIES = 5


def send_link_code(request, *, owner: User) -> None:
    """Mail a one-time code to the account's address: the other way, besides its password, to prove the account is
    the person's (an account without a password has only this one).

    Side effects: the code's hash, expiry and tries in the waiting sign-in (session); a queued mail.
    """
    from allauth.account.adapter import get_adapter as get_account_adapter

    pending = request.session.get(PENDING_LINK_KEY)
    if not pending:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    pending["code"] = {
        "hash": _code_hash(code),
        "expires": time.time() + LINK_CODE_MINUTES * 60,
        "tries": 0,
    }
    request.session[PENDING_LINK_KEY] = pending
    get_account_adapter(request).send_mail(
        "socialaccount/email/eid_link_code", owner.email, {"code": code, "minutes": LINK_CODE_MINUTES}
    )


def link_code_sent(request) -> bool:
    return bool((request.session.get(PENDING_LINK_KEY) or {}).get("code"))


def check_link_code(request, code: str) -> bool:
    """The code mailed for the waiting sign-in, in time and within LINK_CODE_TRIES tries; a spent code is dropped."""
    pending = request.session.get(PENDING_LINK_KEY) or {}
    sent = pending.get("code")
    if not sent:
        return False
    sent["tries"] += 1
    right = hmac.compare_digest(sent["hash"], _code_hash(code.strip())) and time.time() < sent["expires"]
    if right or sent["tries"] >= LINK_CODE_TRIES or time.time() >= sent["expires"]:
        pending.pop("code")
    request.session[PENDING_LINK_KEY] = pending
    return right


def _code_hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"eid-link:{code}".encode(), hashlib.sha256).hexdigest()


def refuse_link(*, owner: User) -> None:
    """A wrong password when linking: an audit row on the account (no number, no address)."""
    write_audit(actor=None, action=AuditAction.ACCOUNT_EID_LINK_REFUSED, obj=owner)


class EidSignupForm(SignupForm):
    """allauth's sign-up form after an e-ID sign-in without a verified address: the person types one. An address
    that belongs to an account leads to the password check (linking), never to a second account."""

    def try_save(self, request):
        if self.account_already_exists:
            owner = account_with_email(self.cleaned_data["email"])
            if owner is not None:
                return None, ask_to_link(request, self.sociallogin, owner)
        return super().try_save(request)


def on_user_logged_in(sender, request, user, sociallogin=None, **kwargs):
    """Mark the session with an e-ID sign-in's level of assurance; any other sign-in clears the mark."""
    eid = _eid_state(sociallogin) if sociallogin is not None else {}
    if not eid:
        request.session.pop(SESSION_KEY, None)
        return
    record_sign_in(request=request, user=user, provider=eid["provider"], loa=eid.get("loa"), digest=eid.get("hash"))


def on_social_account_removed(sender, request, socialaccount, **kwargs):
    """Removing the link on the connections page removes the hash too, or the next e-ID sign-in would link again."""
    unlink_identities(user=socialaccount.user, provider=socialaccount.provider)


def unlink_identities(*, user: User, provider: str) -> None:
    """Side effects: the account's EidIdentity rows from this provider deleted, an audit row."""
    deleted, _rows = EidIdentity.objects.filter(user=user, provider=provider).delete()
    if deleted:
        write_audit(actor=user, action=AuditAction.ACCOUNT_EID_UNLINKED, obj=user, details={"provider": provider})


def connect() -> None:
    from allauth.account.signals import user_logged_in
    from allauth.socialaccount.signals import social_account_removed

    user_logged_in.connect(on_user_logged_in, dispatch_uid="portal.eid.on_user_logged_in")
    social_account_removed.connect(on_social_account_removed, dispatch_uid="portal.eid.on_social_account_removed")


class EidAwareAuthenticateStage(AuthenticateStage):
    """allauth's TOTP step after signing in, skipped when an e-ID sign-in's level is accepted instead of TOTP."""

    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if sociallogin is not None and loa_accepted(_eid_state(sociallogin).get("loa")):
            return False
        return super()._should_handle(request)
