from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    name = "webinars"
    verbose_name = _("Webinars")

    def ready(self):
        from portal import audit

        from .models import Registration, Speaker, Webinar

        audit.register_personal(Registration, Speaker)
        audit.register_labels("webinar", Webinar.Status)
        audit.register_labels("webinar", Registration.Status, keys=["status"])
