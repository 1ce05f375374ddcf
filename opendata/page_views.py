"""The open-data page, `/oppna-data/`: what the portal publishes for re-use, where, under which licence, with
examples. Its addresses are the ones opendata/ocds_urls.py, api_urls.py and feed_urls.py serve (docs/opendata.md)."""

from django.conf import settings
from django.views.generic import TemplateView

from portal.cache import cache_public_page
from portal.views.pages import PublicView

# Licences an operator is likely to choose (OPEN_DATA_LICENSE), by their canonical address, with their names.
LICENSE_NAMES = {
    "creativecommons.org/publicdomain/zero/1.0": "CC0 1.0 Universal (CC0 1.0)",
    "creativecommons.org/licenses/by/4.0": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "creativecommons.org/licenses/by-sa/4.0": "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)",
    "opendatacommons.org/licenses/pddl/1-0": "Open Data Commons Public Domain Dedication and License (PDDL) 1.0",
    "opendatacommons.org/licenses/by/1-0": "Open Data Commons Attribution License (ODC-By) 1.0",
}


def license_name(url: str) -> str:
    """The licence's name if the address is one we know (with or without https, www, a trailing slash or
    `legalcode`), else the address itself."""
    key = url.strip().split("://", 1)[-1].removeprefix("www.").rstrip("/").removesuffix("/legalcode")
    key = key.removesuffix(".sv").removesuffix(".en").rstrip("/")
    return LICENSE_NAMES.get(key, url)


class OpenDataPageView(PublicView, TemplateView):
    template_name = "opendata/index.html"

    def get_context_data(self, **kwargs):
        site = settings.SITE_URL
        return super().get_context_data(
            site=site,
            license_url=settings.OPEN_DATA_LICENSE,
            license_name=license_name(settings.OPEN_DATA_LICENSE),
            publisher_name=settings.OPEN_DATA_PUBLISHER_NAME,
            publisher_uri=settings.OPEN_DATA_PUBLISHER_URI,
            ocid_prefix=settings.OCDS_OCID_PREFIX,
            # The read API's limit (opendata/api.py), when its setting is there.
            api_rate_limit=getattr(settings, "OPEN_DATA_API_REQUESTS_PER_MINUTE", None),
            **kwargs,
        )


# The page shows settings and fixed text only: no family of rows.
open_data_page = cache_public_page(OpenDataPageView.as_view(), shows=())
