from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext


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
        site = PortalSite(name=gettext("Innovation Procurement Portal"), domain=urlsplit(settings.SITE_URL).netloc)
        return super().send_mail(template_prefix, email, {**context, "current_site": site})
