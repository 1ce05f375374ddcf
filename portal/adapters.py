from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

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
