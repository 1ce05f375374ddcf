"""The dashboard's stored panels (portal.dashboard: `families`): per user, organisation acted for and language;
a related write shows at once. The page cache is off here: the panels are what a page rendered on every request
reuses."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from checks.models import Application
from portal import dashboard
from portal.models import Membership
from tests.checks.factories import make_application
from tests.factories import make_buyer, make_handler, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, ResponseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]
S = Application.State
DASHBOARD = reverse("portal:dashboard")


def _page(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def test_a_buyers_panel_shows_a_related_write_at_once(client):
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer), title="Första behovet")
    call = CallFactory(need=need, title="Första utlysningen")
    client.force_login(buyer)
    _page(client)
    assert "Första behovet" in _page(client)  # stored

    NeedFactory(organisation=organisation_of(buyer), title="Andra behovet")
    assert "Andra behovet" in _page(client)

    ResponseFactory(call=call, status="submitted")
    page = _page(client)
    row = page.split("Första utlysningen", 1)[1].split("</tr>")[0]
    assert ">1</a>" in row  # the submitted responses


def test_panels_are_not_shared_between_users_or_organisations(client):
    first, second = make_buyer(), make_buyer()
    NeedFactory(organisation=organisation_of(first), title="Ettans behov")
    NeedFactory(organisation=organisation_of(second), title="Tvåans behov")
    client.force_login(first)
    assert "Ettans behov" in _page(client)
    client.force_login(second)
    page = _page(client)
    assert "Tvåans behov" in page and "Ettans behov" not in page

    # The first buyer joins the second's organisation and acts for it: that organisation's panel, not a stored
    # copy of the first's.
    Membership.objects.create(user=first, organisation=organisation_of(second), role="member")
    client.force_login(first)
    client.post(reverse("portal:organisation_switch"), {"organisation": organisation_of(second).pk})
    page = _page(client)
    assert "Tvåans behov" in page and "Ettans behov" not in page


def test_the_handlers_counts_are_per_handler(client):
    mine, other = make_handler(), make_handler()
    make_application(state=S.IN_REVIEW, assigned_to=mine)
    client.force_login(mine)
    assert "1 ansökan tilldelad dig" in _page(client)
    client.force_login(other)
    assert "0 ansökningar tilldelade dig" in _page(client)


def test_each_language_has_its_own_panels(client):
    buyer = make_buyer()
    NeedFactory(organisation=organisation_of(buyer))
    client.force_login(buyer)
    assert "Senaste behoven" in _page(client)
    client.cookies["django_language"] = "en"
    assert "Latest needs" in _page(client)


def test_the_apps_panel_modules_are_looked_up_once_per_process(client, monkeypatch):
    def without_tokens(page):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)

    buyer = make_buyer()
    client.force_login(buyer)
    first = _page(client)
    looked_up = []
    monkeypatch.setattr(dashboard, "optional_module", lambda *args: looked_up.append(args) or None)
    try:
        assert without_tokens(_page(client)) == without_tokens(first)  # every panel still there
        assert looked_up == []
        dashboard._panel_modules.cache_clear()
        _page(client)  # a new set of apps (as after a settings change in a test) is looked up again
        assert [package for package, _ in looked_up] == [config.name for config in apps.get_app_configs()]
    finally:
        dashboard._panel_modules.cache_clear()
