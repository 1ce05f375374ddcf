from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def privacy_facts() -> dict:
    """What the privacy page says about webinars: how long a registrant's personal data is kept."""
    from django.conf import settings

    from .services import DEFAULT_RETENTION_DAYS

    return {
        "webinar_registration_days": getattr(settings, "WEBINARS_REGISTRATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    }


class WebinarsConfig(AppConfig):
    name = "webinars"
    verbose_name = _("Webinars")

    def ready(self):
        from portal import audit, registry

        registry.add_urls("webinars/", "webinars.urls")
        registry.add_time_boundary("webinars.selectors.next_public_change")
        registry.add_demo_seeder("webinars.demo.seed")
        registry.add_privacy_facts("webinars.apps.privacy_facts")

        from .models import Registration, Speaker, Webinar

        audit.register_personal(Registration, Speaker)
        audit.register_labels("webinar", Webinar.Status)
        audit.register_labels("webinar", Registration.Status, keys=["status"])
