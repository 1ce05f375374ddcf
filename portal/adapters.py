from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from .client_ip import client_ip
from .login_limits import KNOWN_DEVICE_ACTION, known_device, remember_device
from .mail import queue_message


@dataclass(frozen=True)
class PortalSite:
    """What allauth's mails call `current_site`: the portal's name, not the request's host name."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # New accounts get mail in the language they signed up in.
        user.language = translation.get_language() or "sv"
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix, email, context):
        """allauth's mails (confirm address, reset password …) take the portal's one way out: rendered now,
        queued as a `Mail` row with its job (portal/mail.py), never sent during the request."""
        site = PortalSite(name=gettext("Innovation Procurement Portal"), domain=urlsplit(settings.SITE_URL).netloc)
        message = self.render_mail(
            template_prefix,
            email,
            {"request": allauth_context.request, "email": email, **context, "current_site": site},
        )
        queue_message(message, template=template_prefix)

    def get_client_ip(self, request):
        # allauth's rate limits (sign-in, sign-up, password reset) count per this address.
        return client_ip(request) or super().get_client_ip(request)

    def pre_authenticate(self, request, **credentials):
        """Count a sign-in attempt; a known device (portal/login_limits.py) is counted on its own key.

        allauth rolls the count back when the password was right, so only failures stay counted.
        """
        device = known_device(request, credentials.get("email", ""))
        if device is None:
            return super().pre_authenticate(request, **credentials)
        key = f"{self._get_login_attempts_cache_key(request, **credentials)}:device:{device}"
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action=KNOWN_DEVICE_ACTION, key=key
        )
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")
        return None

    def get_login_stages(self):
        # allauth's TOTP step, skipped after an e-ID sign-in at an accepted level of assurance (portal/eid.py).
        return [
            "portal.eid.EidAwareAuthenticateStage" if stage == "allauth.mfa.stages.AuthenticateStage" else stage
            for stage in super().get_login_stages()
        ]

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        remember_device(request, response, user)
        return response
