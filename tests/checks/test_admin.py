"""The Django admin is for looking things up: calls are set up on the portal's pages, decisions, reviews and
applications change only through services."""

import pytest
from django.urls import reverse

from checks.models import Application, Decision, GrantCall
from portal.audit import AuditAction
from portal.models import AuditEntry
from tests.factories import make_portal_admin

from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
S = Application.State
MANAGEMENT = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}


def test_admin_cannot_rewrite_a_decision_past_the_budget(client):
    call = make_call(total_budget=200_000)
    application = make_application(call=call, state=S.APPROVED, amount=150_000)
    decision = application.decision
    client.force_login(make_portal_admin())
    url = reverse("admin:checks_decision_change", args=[decision.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "application": application.pk,
            "outcome": "approved",
            "granted_amount": "900000",
            "reasoning": "Ändrad",
            "decided_by": decision.decided_by_id,
            "decided_at_0": "2026-01-01",
            "decided_at_1": "10:00:00",
        },
    )
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.granted_amount == 150_000 and decision.reasoning == "Motivering."


def test_admin_cannot_move_an_application_to_another_organisation(client):
    application = make_application(state=S.IN_REVIEW)
    other = make_application()
    client.force_login(make_portal_admin())
    url = reverse("admin:checks_application_change", args=[application.pk])
    assert client.get(url).status_code == 200
    data = {
        "call": application.call_id,
        "track": application.track_id,
        "organisation": other.organisation_id,
        "contact": other.contact_id,
        "title": "Flyttad",
        "purpose": "P",
        "background": "B",
        "expected_results": "E",
        "requested_amount": "999999",
        "period_start": application.period_start.isoformat(),
        "period_end": application.period_end.isoformat(),
        "created_by": application.created_by_id,
    }
    assert client.post(url, data).status_code == 403
    application.refresh_from_db()
    assert application.organisation_id != other.organisation_id
    assert (application.title, application.requested_amount) == ("Test av sensorer", 150_000)


def test_admin_cannot_publish_a_call_or_change_its_budget_in_the_django_admin(client):
    call = make_call(published=False, total_budget=1_000_000)
    client.force_login(make_portal_admin())
    url = reverse("admin:checks_grantcall_change", args=[call.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["adminform"].form.fields
    data = {"name": call.name, "status": "published", "total_budget": "9000000"}
    assert client.post(url, data).status_code == 403
    call.refresh_from_db()
    assert call.status == GrantCall.Status.DRAFT and call.total_budget == 1_000_000


def test_portal_admins_can_look_up_decisions_and_reviews(client):
    make_application(state=S.APPROVED)
    client.force_login(make_portal_admin())
    assert client.get(reverse("admin:checks_decision_changelist")).status_code == 200
    assert client.get(reverse("admin:checks_review_changelist")).status_code == 200
    assert Decision.objects.count() == 1


def _call_data(reference_number):
    return {
        "name": "Admin-utlysning",
        "reference_number": reference_number,
        "description": "D",
        "opens_on": "2027-01-01",
        "closes_on": "2027-02-01",
        "total_budget": "1000000",
        "final_report_days": "60",
        "language": "sv",  # the admin form preselects the default; a browser posts it
        **{f"{prefix}-{key}": value for prefix in ("tracks", "criteria") for key, value in MANAGEMENT.items()},
    }


def test_portal_admin_sets_up_calls_on_the_portal_pages_not_in_the_django_admin(client):
    client.force_login(make_portal_admin())
    assert client.get(reverse("admin:checks_grantcall_add")).status_code == 403
    assert client.post(reverse("admin:checks_grantcall_add"), _call_data("2027-00009")).status_code == 403
    assert not GrantCall.objects.exists()


def test_superuser_adds_a_draft_call_in_the_django_admin_audited(client):
    client.force_login(make_portal_admin(is_superuser=True))
    response = client.post(reverse("admin:checks_grantcall_add"), _call_data("2027-00010"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    call = GrantCall.objects.get(reference_number="2027-00010")
    assert call.total_budget == 1_000_000 and call.status == GrantCall.Status.DRAFT
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_ADD, object_id=str(call.pk))
    assert entry.details["model"] == "checks.grantcall" and "reference_number" in entry.details["fields"]
