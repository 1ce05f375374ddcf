from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpendataConfig(AppConfig):
    """What the portal publishes for re-use: OCDS releases and records, the read API and calendar feeds.

    It reads the other apps (projects, webinars, checks) and writes none of their rows; it sits above them, as
    `benchmarks` does (portal/registry.py).
    """

    name = "opendata"
    verbose_name = _("Open data")

    def ready(self):
        from portal import registry

        registry.add_urls("", "opendata.urls")

        # Calendar feeds: a private feed is a subscription, like an interest profile; its row is about a person.
        from portal import audit

        from .models import CalendarFeed

        registry.add_page_family("subscriptions", "opendata.calendarfeed")
        audit.register_personal(CalendarFeed)
        # The stored OCDS releases: only the OCDS endpoints show them (opendata/ocds_urls.py).
        registry.add_page_family("ocds", "opendata.release")
