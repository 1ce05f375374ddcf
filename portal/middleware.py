import logging
import sys

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.db.models import Exists
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import eid
from .rules import is_staff_role
from .selectors import organisation_for_user, second_factor_types, signed_in_context, signed_in_user
from .templatetags.acting_for import ACTING_FOR_FIELD

ACTIVE_ORG_SESSION_KEY = "active_organisation_id"

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def _is_database_down(error: BaseException | None) -> bool:
    """The error, or one it was raised from (a template or a middleware wrapping it), is a lost database."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_DOWN):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _mark_database_down(sender, request=None, **kwargs):
    # Django turns an exception in an inner middleware into a 500 before it reaches us; the signal sees it first.
    if request is not None and _is_database_down(sys.exc_info()[1]):
        request._database_unavailable = True


got_request_exception.connect(_mark_database_down, dispatch_uid="portal.database_unavailable")


def database_unavailable_response() -> HttpResponse:
    # A static page: no context processors, session or user, since each of those would ask the database.
    response = HttpResponse(loader.get_template("errors/503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer a friendly 503 (with Retry-After) instead of a 500 while the database cannot be reached.

    Persistent connections are health-checked (`CONN_HEALTH_CHECKS`), so once the database is back the
    next request opens a new connection and the portal recovers by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DATABASE_DOWN:
            logger.warning("Database unavailable while answering %s", request.path, exc_info=True)
            return database_unavailable_response()
        if getattr(request, "_database_unavailable", False):
            logger.warning("Database unavailable while answering %s", request.path)
            return database_unavailable_response()
        return response

    def process_exception(self, request, exception):
        if _is_database_down(exception):
            logger.warning("Database unavailable while answering %s", request.path, exc_info=exception)
            return database_unavailable_response()
        return None


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response, static files included.

    The portal uses none of the browser's powerful features but WebAuthn (passkeys, its own pages only), so each
    other is switched off for its pages and for anything they might embed; an injected script could not ask for
    the camera, a payment or the location.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def request_too_large_response(request) -> HttpResponse:
    """The 413 page: the limits and what to do, in the visitor's language."""
    response = render(
        request,
        "errors/413.html",
        {
            "max_size": settings.MAX_REQUEST_BODY_SIZE,
            "max_file_size": settings.MAX_UPLOAD_SIZE,
            "max_files": settings.MAX_UPLOAD_FILES,
        },
        status=413,
    )
    response["Cache-Control"] = "no-store"
    return response


class RequestBodyLimitMiddleware:
    """Refuse a request body larger than the largest form (MAX_REQUEST_BODY_SIZE) before anything reads it.

    Django reads a body only when a form or view asks for it, after the middleware, and then only as many
    bytes as Content-Length says. So the declared length is checked here, and a body without one (chunked)
    is refused with 411: Django would read nothing of it and the form would arrive empty. Browsers always
    send a length for forms; the proxy in front (deploy/nginx.conf) refuses the same sizes itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH", "")
        if not length and request.META.get("HTTP_TRANSFER_ENCODING"):
            return HttpResponse(_("Send the request with a Content-Length."), status=411, content_type="text/plain")
        try:
            size = int(length or 0)
        except ValueError:
            size = 0  # Django reads nothing of a body whose length it cannot parse
        if size > settings.MAX_REQUEST_BODY_SIZE:
            logger.warning("Request body of %s bytes refused for %s", size, request.path)
            return request_too_large_response(request)
        return self.get_response(request)


# The backends whose `get_user` is ModelBackend's: the user's row by its primary key through the default manager,
# refused when `is_active` is False. AuthenticationMiddleware reads that row itself, in one query with the rest.
ONE_QUERY_BACKENDS = frozenset(
    {"django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"}
)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with one query fewer on every signed-in request.

    Django reads the user's row (`get_user`), then ActiveOrganisationMiddleware the organisation acted for, the
    groups, the second factor and the memberships (`signed_in_context`). Here one query reads all of them
    (`selectors.signed_in_user`) when the session was made by a backend that reads the user as ModelBackend does;
    the session is checked as Django's `get_user` checks it: the same session-hash comparison, the fallback secrets
    (`SECRET_KEY_FALLBACKS`: the session is cycled onto the current key), a flushed session when neither matches, an
    inactive or missing user signed out. Any other backend goes through Django's own `get_user`.
    """

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = _user_of_session(request)
    return request._cached_user


def _user_of_session(request):
    session = request.session
    backend_path = session.get(BACKEND_SESSION_KEY)
    if (
        SESSION_KEY not in session
        or backend_path not in ONE_QUERY_BACKENDS
        or backend_path not in settings.AUTHENTICATION_BACKENDS
    ):
        return auth.get_user(request)
    user_id = auth._get_user_session_key(request)
    user, context = signed_in_user(user_id, session.get(ACTIVE_ORG_SESSION_KEY) or None)
    if user is None or not getattr(user, "is_active", True) or not _session_verified(request, user):
        return AnonymousUser()
    user._signed_in_context = context
    if context.permission_names is not None and not user.is_superuser:
        # ModelBackend's cache of the user's permissions, filled as it fills it (a superuser's are every permission,
        # read only when asked for: has_perm answers True before it).
        user._perm_cache = context.permission_names
    return user


def _session_verified(request, user) -> bool:
    """Django's check in `django.contrib.auth.get_user`: the session's hash of the password against the user's."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    session_auth_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, session_auth_hash):
        return True
    if session_hash and any(
        constant_time_compare(session_hash, fallback_hash) for fallback_hash in user.get_session_auth_fallback_hash()
    ):
        request.session.cycle_key()
        request.session[HASH_SESSION_KEY] = session_auth_hash
        return True
    request.session.flush()
    return False


class ActiveOrganisationMiddleware:
    """Put the organisation the user acts for on `request.user.active_organisation`.

    The choice is remembered in the session. If the user no longer belongs to
    it, the choice is dropped with a message and the first remaining
    membership is used instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            chosen = request.session.get(ACTIVE_ORG_SESSION_KEY)
            # Read with the user's row by AuthenticationMiddleware; else one query for the organisation, the groups,
            # the second factor and the memberships (StaffMfaMiddleware and the rules use the last three): the same
            # checks as organisation_for_user and default_organisation_for.
            context = getattr(user, "_signed_in_context", None) or signed_in_context(user, chosen or None)
            if chosen and not context.chosen_is_member:
                del request.session[ACTIVE_ORG_SESSION_KEY]
                messages.warning(
                    request, _("You no longer belong to the organisation you acted for; it has been unselected.")
                )
            user.active_organisation = context.organisation
            if context.group_names is not None:
                user._group_names_cache = context.group_names
                user._has_second_factor_cache = context.has_second_factor
            if context.org_roles is not None:
                user._org_roles_cache = context.org_roles
        return self.get_response(request)

    # Forms that do not act for an organisation: choosing or registering one, accepting an invitation,
    # the language, the account's own pages (allauth, signing in and out) and the Django admin.
    ACTING_FOR_EXEMPT_PREFIXES = (
        "/accounts/",
        "/django-admin/",
        "/i18n/",
        "/organisations/switch/",
        "/organisations/new/",
        "/invitations/",
    )

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Refuse a POST made for another organisation than the one the session acts for now.

        Every form carries `acting_for` (see portal/templatetags/acting_for.py). If the user switched
        organisation in another tab, or no longer belongs to the organisation the page was rendered for,
        the POST is answered 409 before the view runs: nothing is saved in the wrong organisation's name.
        """
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        if request.path.startswith(self.ACTING_FOR_EXEMPT_PREFIXES):
            return None
        posted = request.POST.get(ACTING_FOR_FIELD)
        if posted is None:
            return None
        current = request.user.active_organisation
        if current is not None and posted == str(current.pk):
            return None
        still_member = organisation_for_user(request.user, posted) is not None
        return render(
            request,
            "portal/acting_for_changed.html",
            {"still_member": still_member, "reload_url": _page_the_form_was_on(request)},
            status=409,
        )


def _page_the_form_was_on(request) -> str:
    """The page to reload: where the form was (the Referer, if it is ours), else the dashboard."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse("portal:dashboard")


class StaffMfaMiddleware:
    """Send handlers and portal admins without a second factor to set one up, unless they signed in with e-ID at a
    level of assurance the operator accepts instead (settings.EID_ACCEPTED_LOA, portal/eid.py)."""

    ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/readyz", "/tillganglighet", "/integritet")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.REQUIRE_STAFF_MFA
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not eid.session_loa_accepted(request)
            and _needs_mfa(user)
        ):
            messages.info(request, _("Your role requires two-factor authentication. Set it up to continue."))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _needs_mfa(user) -> bool:
    """A handler or portal admin without a second factor: neither a TOTP authenticator nor a WebAuthn key (passkey).
    No query when ActiveOrganisationMiddleware has read both with the user's organisation; else one: the user's
    groups, each row also saying whether the user has a second factor (no groups: no staff role). The group names
    are kept for the rules."""
    from allauth.mfa.models import Authenticator

    has_second_factor = getattr(user, "_has_second_factor_cache", None)
    if has_second_factor is not None and getattr(user, "_group_names_cache", None) is not None:
        return is_staff_role(user) and not has_second_factor
    has_second_factor = Exists(Authenticator.objects.filter(user_id=user.pk, type__in=second_factor_types()))
    rows = list(user.groups.annotate(has_second_factor=has_second_factor).values_list("name", "has_second_factor"))
    user._group_names_cache = {name for name, _has in rows}
    return is_staff_role(user) and not any(has for _name, has in rows)


class PortalLocaleMiddleware(LocaleMiddleware):
    """Swedish unless the visitor chose English with the language switch (a cookie).

    The browser's Accept-Language is deliberately ignored: the portal is Swedish first,
    and English is an explicit choice.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
