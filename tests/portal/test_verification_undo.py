"""The verification queue's details, the lists of verified and rejected organisations, and undoing a decision."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import services
from portal.audit import AuditAction
from portal.models import AuditEntry, Organisation
from portal.services import InvalidTransition, ServiceError
from tests.factories import OrganisationFactory, make_buyer, make_portal_admin, organisation_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _registered(**fields):
    owner = make_buyer()
    organisation = services.create_organisation(
        by=owner,
        kind=Organisation.Kind.PUBLIC_BODY,
        name=fields.get("name", "Vellinge kommun"),
        org_number=fields.get("org_number", "212000-1165"),
        address="Storgatan 1\n235 81 Vellinge",
        website="https://vellinge.se",
    )
    return organisation, owner


def test_the_queue_shows_the_details_who_registered_it_and_links_to_its_page(client):
    organisation, owner = _registered()
    assert organisation.registered_by == owner
    client.force_login(make_portal_admin())
    page = client.get(reverse("portal:verification_queue")).content.decode()
    assert f'<a href="{reverse("portal:organisation_detail", args=[organisation.pk])}">Vellinge kommun</a>' in page
    assert "Storgatan 1<br>235 81 Vellinge" in page
    assert '<a href="https://vellinge.se" rel="noopener noreferrer nofollow">https://vellinge.se</a>' in page
    assert f"by {owner}" in page
    assert "Public body" in page and "212000-1165" in page


def test_rejection_stores_who_and_when_and_the_lists_show_them(client):
    organisation, _owner = _registered()
    admin = make_portal_admin()
    services.reject_organisation(organisation=organisation, by=admin, reason="Fel nummer")
    organisation.refresh_from_db()
    assert organisation.rejected_by == admin and organisation.rejected_at is not None
    verified = OrganisationFactory(name="Lunds kommun")
    services.verify_organisation(
        organisation=Organisation.objects.create(kind="company", name="AB X", org_number="556000-0001"), by=admin
    )
    client.force_login(admin)
    rejected_page = client.get(reverse("portal:organisations_rejected")).content.decode()
    assert "Vellinge kommun" in rejected_page and "Fel nummer" in rejected_page and str(admin) in rejected_page
    assert "Lunds kommun" not in rejected_page
    verified_page = client.get(reverse("portal:organisations_verified")).content.decode()
    assert "AB X" in verified_page and str(admin) in verified_page and verified.name in verified_page
    assert "Vellinge kommun" not in verified_page


@pytest.mark.parametrize("decision", ["verified", "rejected"])
def test_a_portal_admin_undoes_a_decision_with_a_reason_audited_and_the_owners_mailed(
    client, decision, django_capture_on_commit_callbacks
):
    organisation, owner = _registered()
    admin = make_portal_admin()
    if decision == "verified":
        services.verify_organisation(organisation=organisation, by=admin)
    else:
        services.reject_organisation(organisation=organisation, by=admin, reason="Fel nummer")
    client.force_login(admin)
    url = reverse("portal:organisation_undo_decision", args=[organisation.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and list(response.context["form"].errors) == ["reason"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Beslutet fattades av misstag."})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PENDING
    assert organisation.verified_by is None and organisation.rejected_by is None and organisation.rejection_reason == ""
    entry = AuditEntry.objects.get(action=AuditAction.ORGANISATION_DECISION_UNDONE.value)
    assert entry.actor == admin
    assert entry.details == {"from": decision, "to": "pending", "reason": "Beslutet fattades av misstag."}
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert "Beslutet fattades av misstag." in mail.outbox[0].body
    assert "awaits verification again" in mail.outbox[0].subject or "väntar" in mail.outbox[0].subject


def test_undo_refuses_a_pending_organisation_and_non_admins(client):
    organisation, owner = _registered()
    with pytest.raises(InvalidTransition):
        services.undo_organisation_decision(organisation=organisation, by=make_portal_admin(), reason="x")
    with pytest.raises(ServiceError):
        services.undo_organisation_decision(organisation=organisation, by=make_portal_admin(), reason=" ")
    verified = organisation_of(make_buyer())
    client.force_login(owner)
    response = client.post(reverse("portal:organisation_undo_decision", args=[verified.pk]), {"reason": "x"})
    assert response.status_code == 403
    verified.refresh_from_db()
    assert verified.is_verified


@pytest.mark.parametrize("name", ["organisations_verified", "organisations_rejected"])
def test_decided_lists_make_as_many_queries_for_many_rows(client, name):
    admin = make_portal_admin()
    status = "verified" if name == "organisations_verified" else "rejected"
    client.force_login(admin)

    def add(n):
        for _ in range(n):
            OrganisationFactory(status=status, verified_by=admin, rejected_by=admin, registered_by=admin)

    add(1)
    client.get(reverse(f"portal:{name}"))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse(f"portal:{name}")).status_code == 200
    add(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(f"portal:{name}")).status_code == 200
    assert len(one.captured_queries) == len(many.captured_queries) <= 15
