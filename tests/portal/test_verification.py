import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from portal import services
from portal.audit import AuditAction
from portal.models import AuditEntry, Organisation
from tests.factories import (
    make_buyer,
    make_company_user,
    make_handler,
    make_portal_admin,
    next_org_number,
    organisation_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    owner = make_buyer(status=Organisation.Status.PENDING, email="agare@kommun.example.se", language="en")
    return organisation_of(owner)


def test_admin_verifies_pending_public_body(client, pending, django_capture_on_commit_callbacks):
    admin = make_portal_admin()
    client.force_login(admin)
    queue = client.get(reverse("portal:verification_queue"))
    assert pending.name in queue.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:organisation_verify", args=[pending.pk]))
    pending.refresh_from_db()
    assert response.status_code == 302
    assert pending.status == Organisation.Status.VERIFIED
    assert pending.verified_by == admin and pending.verified_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.ORGANISATION_VERIFIED, actor=admin).count() == 1
    assert [m.to for m in mail.outbox] == [["agare@kommun.example.se"]]
    assert "verified" in mail.outbox[0].subject  # the owner chose English


def test_admin_rejects_with_reason_that_is_mailed(client, pending, django_capture_on_commit_callbacks):
    client.force_login(make_portal_admin())
    empty = client.post(reverse("portal:organisation_reject", args=[pending.pk]), {"reason": "  "})
    assert empty.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:organisation_reject", args=[pending.pk]), {"reason": "Numret hör till ett aktiebolag."}
        )
    pending.refresh_from_db()
    assert response.status_code == 302
    assert pending.status == Organisation.Status.REJECTED
    assert "Numret hör till ett aktiebolag." in mail.outbox[0].body


@pytest.mark.parametrize("maker", [make_buyer, make_handler])
def test_non_admins_cannot_verify(client, pending, maker):
    client.force_login(maker())
    assert client.get(reverse("portal:verification_queue")).status_code == 403
    assert client.post(reverse("portal:organisation_verify", args=[pending.pk])).status_code == 403
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING


def test_verification_queue_query_count_does_not_grow(client, django_assert_max_num_queries):
    client.force_login(make_portal_admin())
    make_buyer(status=Organisation.Status.PENDING)
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("portal:verification_queue"))
    baseline = len(one.captured_queries)
    for _ in range(15):
        make_buyer(status=Organisation.Status.PENDING)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("portal:verification_queue"))
    assert len(response.context["organisations"]) == 16


def test_audit_log_page_lists_entries_with_constant_queries(client, pending, django_assert_max_num_queries):
    admin = make_portal_admin()
    client.force_login(admin)
    client.post(reverse("portal:organisation_verify", args=[pending.pk]))
    with django_assert_max_num_queries(12) as one:
        first = client.get(reverse("portal:audit_log"))
    baseline = len(one.captured_queries)  # read now: every request resets the query log
    assert "organisation.verified" in first.content.decode()
    for _ in range(10):
        organisation_of(make_buyer(status=Organisation.Status.PENDING))
    for org in Organisation.objects.filter(status="pending"):
        client.post(reverse("portal:organisation_verify", args=[org.pk]))
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("portal:audit_log"))
    assert len(response.context["entries"]) == 11


def _queries_for(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["portal:verification_queue", "portal:audit_log", "portal:dashboard"])
def test_staff_list_pages_query_count_does_not_grow_with_length(client, url_name, uncached_pages):
    from portal.services import write_audit

    admin = make_portal_admin()
    client.force_login(admin)

    def add(count):
        for _ in range(count):
            owner = make_buyer(status=Organisation.Status.PENDING)
            organisation = organisation_of(owner)
            write_audit(
                actor=owner, action=AuditAction.ORGANISATION_CREATED, obj=organisation, details={"kind": "company"}
            )

    # Each count after one request: the dashboard's stored panels (portal.dashboard) are then in the same state for
    # both (an organisation written leaves the grant-call and queue panels stored, but not the first time).
    add(1)
    client.get(reverse(url_name))
    few = _queries_for(client, reverse(url_name))
    add(8)
    client.get(reverse(url_name))
    many = _queries_for(client, reverse(url_name))
    assert many == few


def test_organisation_page_query_count_does_not_grow_with_members_and_invitations(client):
    from portal.models import Invitation, Membership
    from tests.factories import UserFactory

    owner = make_buyer()
    organisation = organisation_of(owner)
    client.force_login(owner)

    def add(count):
        for _ in range(count):
            Membership.objects.create(user=UserFactory(), organisation=organisation)
            email = f"invitee{Invitation.objects.count()}@example.se"
            Invitation.objects.create(organisation=organisation, email=email, invited_by=owner)

    add(1)
    few = _queries_for(client, reverse("portal:organisation_detail", args=[organisation.pk]))
    add(8)
    many = _queries_for(client, reverse("portal:organisation_detail", args=[organisation.pk]))
    assert many == few


def test_audit_log_filter_is_kept_when_paging(client):
    from portal.services import write_audit

    admin = make_portal_admin()
    client.force_login(admin)
    for _ in range(55):
        write_audit(actor=admin, action=AuditAction.ORGANISATION_VERIFIED)
    write_audit(actor=admin, action=AuditAction.NEED_CREATED)
    first = client.get(reverse("portal:audit_log"), {"action": "organisation"}).content.decode()
    assert "?action=organisation&amp;page=2" in first
    response = client.get(reverse("portal:audit_log"), {"action": "organisation", "page": 2})
    assert {entry.action for entry in response.context["entries"]} == {AuditAction.ORGANISATION_VERIFIED}
    second = response.content.decode()
    assert "<code>need.created</code>" not in second
    assert "?action=organisation&amp;page=1" in second


def test_verification_is_done_even_when_the_mail_server_fails(client, pending, django_capture_on_commit_callbacks):
    """The mail is a side effect after commit: a failing mail server must not turn a done verification into a 500."""
    import smtplib
    from unittest import mock

    client.force_login(make_portal_admin())
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPException("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("portal:organisation_verify", args=[pending.pk]))
    pending.refresh_from_db()
    assert response.status_code == 302
    assert pending.status == Organisation.Status.VERIFIED


def test_companies_wait_in_the_queue_and_an_admin_verifies_them(client, django_capture_on_commit_callbacks):
    company = organisation_of(make_company_user(status=Organisation.Status.PENDING, email="vd@bolag.example.se"))
    client.force_login(make_portal_admin())
    assert company.name in client.get(reverse("portal:verification_queue")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:organisation_verify", args=[company.pk]))
    company.refresh_from_db()
    assert response.status_code == 302 and company.is_verified
    assert company.verified_name == company.name and company.verified_org_number == company.org_number
    assert "Köpare ser nu företaget" in mail.outbox[0].body  # what verification means for a company


def test_queue_shows_what_a_verified_organisation_changed(client):
    owner = make_buyer(status=Organisation.Status.PENDING)
    organisation = organisation_of(owner)
    old_name, old_number = organisation.name, organisation.org_number
    admin = make_portal_admin()
    services.verify_organisation(organisation=organisation, by=admin)
    new_number = next_org_number("2120")
    services.update_organisation(organisation=organisation, by=owner, name="Nya kommunen", org_number=new_number)
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.PENDING
    client.force_login(admin)
    content = client.get(reverse("portal:verification_queue")).content.decode()
    assert f"{old_name} → Nya kommunen" in content
    assert f"{old_number} → {new_number}" in content
    assert "Omverifiering" in content

    client.post(reverse("portal:organisation_verify", args=[organisation.pk]))
    organisation.refresh_from_db()
    assert organisation.is_verified and organisation.verified_name == "Nya kommunen"
    assert organisation.changes_since_verification == []
    entry = AuditEntry.objects.filter(action=AuditAction.ORGANISATION_VERIFIED).latest("id")
    assert entry.details == {
        "name": {"from": old_name, "to": "Nya kommunen"},
        "org_number": {"from": old_number, "to": new_number},
    }
    with translation.override("sv"):
        assert "Nya kommunen" in entry.rendered_description()


def test_a_verified_organisation_that_changes_name_keeps_its_published_needs_but_cannot_publish_more():
    from projects import services as project_services
    from tests.projects.factories import NeedFactory, draft_call

    owner = make_buyer(status=Organisation.Status.PENDING)
    organisation = organisation_of(owner)
    services.verify_organisation(organisation=organisation, by=make_portal_admin())
    need = NeedFactory(organisation=organisation)
    call = draft_call(need=need)
    services.update_organisation(organisation=organisation, by=owner, name="Omdöpt kommun")

    need.refresh_from_db()
    owner = type(owner).objects.get(pk=owner.pk)  # fresh permission caches
    assert need.visibility == "published"
    assert not owner.has_perm("projects.create_need")
    assert not owner.has_perm("projects.manage_call", call)
    assert not owner.has_perm("checks.add_application")
    with pytest.raises(services.ServiceError):
        project_services.publish_call(call=call, by=owner)


@pytest.mark.parametrize("status", [Organisation.Status.VERIFIED, Organisation.Status.REJECTED])
def test_an_organisation_not_awaiting_verification_cannot_be_rejected_again(client, status):
    owner = make_buyer(status=status)
    organisation = organisation_of(owner)
    client.force_login(make_portal_admin())
    url = reverse("portal:organisation_reject", args=[organisation.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "Fel nummer."}).status_code == 403
    organisation.refresh_from_db()
    assert organisation.status == status


@pytest.mark.parametrize(
    ("status", "offered"),
    [(Organisation.Status.REJECTED, True), (Organisation.Status.PENDING, False), (Organisation.Status.VERIFIED, False)],
)
def test_only_a_rejected_organisation_is_offered_to_ask_for_verification_again(client, status, offered):
    owner = make_buyer(status=status)
    client.force_login(owner)

    page = client.get(reverse("portal:organisation_edit", args=[organisation_of(owner).pk])).content.decode()

    assert ('name="resubmit"' in page) is offered


@pytest.mark.parametrize("name", ["portal:organisation_verify", "portal:organisation_reject", "portal:dispute_decide"])
def test_a_non_admin_cannot_tell_which_staff_object_ids_exist(client, name):
    from tests.factories import make_buyer

    buyer = make_buyer()
    client.force_login(buyer)
    existing = buyer.memberships.first().organisation_id
    for pk in (existing, existing + 1000):
        assert client.get(reverse(name, args=[pk])).status_code == 403
        assert client.post(reverse(name, args=[pk])).status_code == 403
