"""The OCDS endpoints (docs/projects.md, "Open data: OCDS"). The paths are fixed: the open-data page and re-users
link to them. Cached like the public pages until a release is stored or a need changes (portal/cache.py)."""

from django.urls import path

from portal.cache import cache_public_page

from . import ocds_views

# What the endpoints show: the stored releases (family `ocds`), of the needs that are published (`needs`).
SHOWS = ("needs", "ocds")

urlpatterns = [
    path(
        "oppna-data/ocds/needs/<str:pk>/releases.json",
        cache_public_page(ocds_views.NeedReleasesView.as_view(), shows=SHOWS),
        name="ocds_need_releases",
    ),
    path(
        "oppna-data/ocds/needs/<str:pk>/record.json",
        cache_public_page(ocds_views.NeedRecordView.as_view(), shows=SHOWS),
        name="ocds_need_record",
    ),
    path(
        "oppna-data/ocds/releases.json",
        cache_public_page(ocds_views.ReleasesSinceView.as_view(), shows=SHOWS),
        name="ocds_releases",
    ),
]
