"""The read API's URLs under /api/v1/ (opendata/api.py), each behind `api.guarded`: read-only, unknown parameters
refused, rate-limited, cached like the public pages (and stale with the families it shows, portal/cache.py)."""

from django.urls import include, path, re_path

from . import api_schemas as schemas
from .api import api, guarded, not_found, openapi_json

BASE = "api/v1/"
NEEDS = ("needs", "organisations")  # as the catalogue, need and call pages (projects/urls.py)
# What each URL shows and which query parameters it takes.
RULES = {
    "api_index": ((), None),
    "api_need_list": (NEEDS, schemas.NeedFilters),
    "api_need_detail": (NEEDS, None),
    "api_call_list": (NEEDS, schemas.CallFilters),
    "api_call_detail": (NEEDS, None),
    "api_webinar_list": (("webinars",), schemas.WebinarFilters),
    "api_webinar_detail": (("webinars",), None),
    "api_grantcall_list": (("grantcalls",), schemas.Page),
    "api_grantcall_detail": (("grantcalls",), None),
}


def _patterns() -> list:
    patterns = [path("openapi.json", guarded(openapi_json, shows=(), params=None), name="api_openapi")]
    for pattern in api.urls[0]:
        if pattern.name not in RULES:
            continue  # ninja's own root page: `api_index` is the API's
        shows, params = RULES[pattern.name]
        view = guarded(pattern.callback, shows=shows, params=params)
        patterns.append(path(str(pattern.pattern), view, name=pattern.name))
    missing = set(RULES) - {pattern.name for pattern in patterns}
    if missing:
        raise RuntimeError(f"API operations without a URL: {sorted(missing)}")
    # Any other address under the base: a JSON 404, not the HTML page.
    patterns.append(re_path(r"^.*$", not_found))
    return patterns


urlpatterns = [path(BASE, include(_patterns()))]
