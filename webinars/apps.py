from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def privacy_facts() -> dict:
    """What the privacy page says about webinars: how long a registrant's personal data is kept."""
    from django.conf import settings

    from .services import DEFAULT_RETENTION_DAYS

    return {
        "webinar_registration_days": getattr(settings, "WEBINARS_REGISTRATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    }


def accessibility_facts() -> dict:
    """What the accessibility statement lists from webinars: recordings without captions (WCAG 1.2.2)."""
    from django.urls import reverse
    from django.utils import timezone

    from portal.accessibility import MEDIA_EXEMPT_BEFORE, ContentGap

    from .selectors import uncaptioned_recordings

    gaps = []
    for webinar in uncaptioned_recordings():
        published = webinar.recording_published_at or webinar.ends_at
        gaps.append(
            ContentGap(
                title=webinar.title,
                url=reverse("webinars:detail", args=[webinar.pk]),
                published=timezone.localdate(published),
                exempt=timezone.localdate(published) < MEDIA_EXEMPT_BEFORE,
            )
        )
    return {"uncaptioned_recordings": gaps}


class WebinarsConfig(AppConfig):
    name = "webinars"
    verbose_name = _("Webinars")

    def ready(self):
        from portal import audit, registry

        registry.add_urls("webinars/", "webinars.urls")
        registry.add_time_boundary("webinars.selectors.next_public_change")
        registry.add_demo_seeder("webinars.demo.seed")
        registry.add_page_family("webinars", "webinars")
        # The seats left on a webinar's page; nothing else public shows registrations.
        registry.add_page_family("registrations", "webinars.registration")
        registry.add_privacy_facts("webinars.apps.privacy_facts")
        registry.add_accessibility_facts("webinars.apps.accessibility_facts")

        from .models import Registration, Speaker, Webinar

        audit.register_personal(Registration, Speaker)
        audit.register_labels("webinar", Webinar.Status)
        audit.register_labels("webinar", Registration.Status, keys=["status"])
