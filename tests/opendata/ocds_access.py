"""Rows of the role-access table (tests/test_role_access.py) for the OCDS endpoints: open data, the same for
every role; a need that is not published does not exist for anyone."""

from opendata import ocds_services
from projects.models import Need
from tests.access import AccessCase
from tests.projects.factories import CallFactory, NeedFactory


def cases(world):
    published = NeedFactory(organisation=world["buyer_org"])
    CallFactory(need=published)
    draft = NeedFactory(organisation=world["buyer_org"], visibility=Need.Visibility.DRAFT, published_at=None)
    ocds_services.sync_releases()
    return [
        AccessCase("opendata:ocds_need_releases", {}, kwargs={"pk": published.pk}, default=200),
        AccessCase("opendata:ocds_need_record", {}, kwargs={"pk": published.pk}, default=200),
        # The buyer's own draft is not published: it has no releases, for its own members neither.
        AccessCase("opendata:ocds_need_releases", {}, kwargs={"pk": draft.pk}, default=404),
        AccessCase("opendata:ocds_need_record", {}, kwargs={"pk": draft.pk}, default=404),
        AccessCase("opendata:ocds_releases", {}, default=200),
        AccessCase("opendata:ocds_releases", {}, query="since=2000-01-01&page_size=1", default=200),
        AccessCase("opendata:ocds_releases", {}, query="since=igår", default=400),
    ]
