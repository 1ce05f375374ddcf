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
        # The stored OCDS releases: only the OCDS endpoints show them (opendata/ocds_urls.py).
        registry.add_page_family("ocds", "opendata.release")
