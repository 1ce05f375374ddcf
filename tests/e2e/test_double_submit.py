"""A double click on a form's submit button creates one object; the same form from two tabs is a field error."""

import time

from playwright.sync_api import expect

from portal.models import SubmissionToken
from tests.e2e.labels import label
from tests.factories import make_portal_admin
from webinars import services
from webinars.models import Series


def _slow_create_series(monkeypatch):
    """The first request is still running when the second click comes (the live server runs in this process)."""
    original = services.create_series

    def slow(**kwargs):
        series = original(**kwargs)
        time.sleep(0.5)
        return series

    monkeypatch.setattr(services, "create_series", slow)


def _log_in(page, email, submit):
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill("test-password-123")
    submit(page.get_by_role("button", name="Logga in", exact=True))


def test_double_click_on_save_creates_one_series(ui, settings, monkeypatch):
    settings.REQUIRE_STAFF_MFA = False
    _slow_create_series(monkeypatch)
    admin = make_portal_admin(email="webbadmin@example.org", mfa=False)
    page = ui.goto("/accounts/login/")
    _log_in(page, admin.email, ui.submit)
    page = ui.goto("/webinars/manage/series/new/")
    ui.fill("Titel", "I fokus")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    with page.expect_navigation():
        page.get_by_role("button", name="Spara").dblclick()
    ui.audit()
    assert Series.objects.filter(slug="i-fokus").count() == 1
    # The script let only the first submission through.
    assert len(posts) == 1 and SubmissionToken.objects.count() == 1
    assert page.url.endswith("/webinars/manage/")


def test_the_same_series_sent_from_two_tabs_is_a_field_error_in_the_second(ui, settings):
    settings.REQUIRE_STAFF_MFA = False
    admin = make_portal_admin(email="webbadmin@example.org", mfa=False)
    page = ui.goto("/accounts/login/")
    _log_in(page, admin.email, ui.submit)
    other_tab = page.context.new_page()
    other_tab.goto(ui.url("/webinars/manage/series/new/"))
    page = ui.goto("/webinars/manage/series/new/")
    ui.fill("Titel", "I fokus")
    ui.submit(page.get_by_role("button", name="Spara"))
    other_tab.get_by_label(label("Titel")).fill("I fokus")
    with other_tab.expect_navigation():
        other_tab.get_by_role("button", name="Spara").click()
    expect(other_tab.locator("body")).to_contain_text("En annan serie använder redan det här kortnamnet.")
    violations = ui.axe.run(other_tab).response["violations"]
    assert not violations, violations
    assert Series.objects.filter(slug="i-fokus").count() == 1
