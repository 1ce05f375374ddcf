from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = _("Innovation checks")

    def ready(self):
        from .decision_letters import models  # noqa: F401 - registers the decision letter document kind
