"""Owners change roles and remove members, members leave; an organisation always keeps an owner; all audited."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from portal import services
from portal.audit import AuditAction
from portal.models import AuditEntry, Membership
from tests.factories import MembershipFactory, UserFactory, make_buyer, organisation_of

pytestmark = pytest.mark.django_db
LAST_OWNER = "En organisation måste ha minst en ägare. Gör någon annan till ägare först."


@pytest.fixture
def owner():
    return make_buyer()


@pytest.fixture
def colleague(owner):
    return MembershipFactory(
        user=UserFactory(language="en"), organisation=organisation_of(owner), role=Membership.Role.MEMBER
    )


def _role_url(membership):
    return reverse("portal:member_role", args=[membership.organisation_id, membership.pk])


def _remove_url(membership):
    return reverse("portal:member_remove", args=[membership.organisation_id, membership.pk])


def test_an_owner_makes_a_member_an_owner_and_it_is_audited(client, owner, colleague):
    client.force_login(owner)
    response = client.post(_role_url(colleague), {"role": "owner"})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.role == Membership.Role.OWNER
    row = AuditEntry.objects.get(action=AuditAction.ORGANISATION_ROLE_CHANGED)
    assert row.actor == owner
    assert row.details == {"membership": colleague.pk, "from_role": "member", "to_role": "owner"}
    assert row.rendered_description() == f"Medlemskap #{colleague.pk}: Medlem → Ägare"


def test_the_last_owner_cannot_step_down_and_is_told_why(client, owner, colleague):
    own = owner.memberships.get()
    client.force_login(owner)
    response = client.post(_role_url(own), {"role": "member"}, follow=True)
    assert LAST_OWNER in response.content.decode()
    own.refresh_from_db()
    assert own.role == Membership.Role.OWNER
    assert not AuditEntry.objects.filter(action=AuditAction.ORGANISATION_ROLE_CHANGED).exists()


def test_an_unknown_role_changes_nothing(client, owner, colleague):
    client.force_login(owner)
    client.post(_role_url(colleague), {"role": "admin"})
    colleague.refresh_from_db()
    assert colleague.role == Membership.Role.MEMBER


def test_an_owner_removes_a_member_who_is_mailed_in_their_language(
    client, owner, colleague, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    page = client.get(_remove_url(colleague))
    assert colleague.user.email in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_remove_url(colleague))
    assert response["Location"] == reverse("portal:organisation_detail", args=[colleague.organisation_id])
    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert [m.to for m in mail.outbox] == [[colleague.user.email]]
    assert mail.outbox[0].subject.endswith(f"You are no longer a member of {colleague.organisation.name}")
    row = AuditEntry.objects.get(action=AuditAction.ORGANISATION_MEMBER_REMOVED)
    assert row.details == {"membership": colleague.pk, "role": "member"} and row.actor == owner


def test_a_member_leaves_without_a_mail(client, colleague, django_capture_on_commit_callbacks):
    client.force_login(colleague.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_remove_url(colleague))
    assert response["Location"] == reverse("portal:dashboard")
    assert not Membership.objects.filter(pk=colleague.pk).exists()
    assert mail.outbox == []
    assert AuditEntry.objects.get(action=AuditAction.ORGANISATION_MEMBER_LEFT).actor == colleague.user


def test_the_last_owner_cannot_leave(client, owner):
    own = owner.memberships.get()
    client.force_login(owner)
    response = client.post(_remove_url(own), follow=True)
    assert LAST_OWNER in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()


def test_a_plain_member_cannot_change_roles_or_remove_others(client, owner, colleague):
    own = owner.memberships.get()
    client.force_login(colleague.user)
    assert client.post(_role_url(colleague), {"role": "owner"}).status_code == 404
    assert client.post(_remove_url(own)).status_code == 404
    colleague.refresh_from_db()
    assert colleague.role == Membership.Role.MEMBER and Membership.objects.filter(pk=own.pk).exists()


def test_another_organisations_owner_gets_not_found(client, colleague):
    client.force_login(make_buyer())
    assert client.get(_remove_url(colleague)).status_code == 404
    assert client.post(_role_url(colleague), {"role": "owner"}).status_code == 404


def test_the_organisation_page_offers_role_changes_to_owners_only(client, owner, colleague):
    url = reverse("portal:organisation_detail", args=[colleague.organisation_id])
    client.force_login(owner)
    assert f'action="{_role_url(colleague)}"' in client.get(url).content.decode()
    client.force_login(colleague.user)
    page = client.get(url).content.decode()
    assert "member_role" not in page and f'action="{_role_url(colleague)}"' not in page
    assert f'href="{_remove_url(colleague)}"' in page  # "Leave the organisation"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="Row locks need PostgreSQL.")
def test_two_owners_stepping_down_at_once_leave_one_owner():
    first = make_buyer()
    organisation = organisation_of(first)
    second = MembershipFactory(organisation=organisation, role=Membership.Role.OWNER)
    memberships = [first.memberships.get(), second]
    barrier = threading.Barrier(2)
    results = [None, None]

    def step_down(index):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.change_member_role(membership=memberships[index], role="member", by=memberships[index].user)
            results[index] = "done"
        except services.ServiceError as error:
            results[index] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=step_down, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(str(r) for r in results) == sorted(["done", LAST_OWNER])
    assert Membership.objects.filter(organisation=organisation, role=Membership.Role.OWNER).count() == 1
