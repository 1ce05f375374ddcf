from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from .cache import connect_signals

        connect_signals()
        self.register_page_families()
        from .files import connect_signals as connect_file_signals

        connect_file_signals()
        self.register_audit()
        from . import account_events

        account_events.connect()
        from . import eid

        eid.connect()

    def register_page_families(self):
        from . import registry

        # Organisations and people: names on needs and calls, memberships on dashboards. (An attachment belongs
        # to its owner's family: Attachment.page_families; the other portal models are in cache.NOT_SHOWN.)
        registry.add_page_family("organisations", "portal")
        # Django stamps a user's last sign-in on every sign-in; no page shows it.
        registry.add_unshown_fields("portal.user", "last_login")

    def register_audit(self):
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator

        from . import audit
        from .models import Invitation, JoinRequest, Membership, Organisation, User

        # Accounts and what belongs to them (the Django admin audits changes of the last two).
        audit.register_personal(User, Membership, Invitation, JoinRequest, EmailAddress, Authenticator)
        audit.register_labels("organisation", Organisation.Kind, keys=["kind"])
        audit.register_labels("organisation", Membership.Role, keys=["role", "from_role", "to_role"])
        audit.register_labels("account", Authenticator.Type, keys=["type"])
