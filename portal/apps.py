from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from .cache import connect_signals

        connect_signals()
        self.register_audit()

    def register_audit(self):
        from . import audit
        from .models import Invitation, Membership, Organisation, User

        audit.register_personal(User, Membership, Invitation)
        audit.register_labels("organisation", Organisation.Kind, keys=["kind"])
        audit.register_labels("organisation", Membership.Role, keys=["role"])
