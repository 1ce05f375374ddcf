"""The Content Security Policy as Chromium enforces it: the pages people use most load with nothing refused.

The `ui` harness (conftest.py) fails any browser test on a console message about the policy; these tests
walk the main pages for each kind of visitor, and check that the harness really notices a refusal.
"""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_portal_admin
from tests.projects.factories import NeedFactory
from tests.webinars.factories import WebinarFactory


def _sign_in(ui, user):
    sign_in(ui.page.context, ui.base_url, user)


def test_public_pages_load_without_any_policy_violation(ui):
    need = NeedFactory(title="Solceller på skoltak")
    starts = timezone.now() + timedelta(days=7)
    webinar = WebinarFactory(title="Om innovationsupphandling", starts_at=starts, ends_at=starts + timedelta(hours=1))

    for path in ["/", "/accounts/login/", "/accounts/signup/", "/needs/", f"/needs/{need.pk}/", "/webinars/"]:
        ui.goto(path)
    page = ui.goto(f"/webinars/{webinar.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Om innovationsupphandling")
    # The Django admin's own login sends visitors to the portal's sign-in.
    ui.goto("/django-admin/login/")

    assert ui.csp_violations == []


def test_signed_in_pages_and_the_django_admin_load_without_any_policy_violation(ui, settings):
    settings.REQUIRE_STAFF_MFA = False
    _sign_in(ui, make_buyer())
    page = ui.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    ui.goto("/needs/new/")

    _sign_in(ui, make_portal_admin(mfa=False))
    for path in ["/dashboard/", "/django-admin/", "/django-admin/projects/need/", "/django-admin/portal/auditentry/"]:
        ui.goto(path)

    assert ui.csp_violations == []


def test_the_harness_notices_an_inline_style_the_policy_refuses(ui):
    page = ui.goto("/")

    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')")
    page.wait_for_function("document.body.lastElementChild.style !== undefined")
    page.evaluate("1")  # one more round trip: the console message has arrived

    assert any("inline style" in message for message in ui.csp_violations), ui.csp_violations
    ui.csp_violations.clear()
