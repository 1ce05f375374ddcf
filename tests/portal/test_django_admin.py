import pytest

from tests.factories import make_buyer, make_handler, make_portal_admin

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/django-admin/",
    "/django-admin/portal/organisation/",
    "/django-admin/projects/need/",
    "/django-admin/checks/grantcall/",
    "/django-admin/webinars/webinar/",
    "/django-admin/portal/auditentry/",
    "/django-admin/portal/outboxmessage/",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_portal_admin_runs_the_django_admin(client, path):
    client.force_login(make_portal_admin())
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("maker", [make_buyer, make_handler])
def test_others_cannot_enter_the_django_admin(client, maker):
    client.force_login(maker())
    response = client.get("/django-admin/projects/need/")
    assert response.status_code == 302
    assert "/django-admin/login/" in response["Location"]


def test_portal_admin_cannot_make_anyone_superuser(client):
    admin = make_portal_admin()
    client.force_login(admin)
    page = client.get(f"/django-admin/portal/user/{admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="groups"' in page


def test_django_admin_login_cannot_bypass_two_factor(client):
    """The admin's own password form would sign a staff user in without the TOTP step allauth asks for."""
    admin = make_portal_admin(email="mfa-admin@example.org")
    admin.set_password("Ett-langt-losenord-2026")
    admin.save()
    response = client.post(
        "/django-admin/login/",
        {"username": "mfa-admin@example.org", "password": "Ett-langt-losenord-2026", "next": "/django-admin/"},
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_outbox_rows_are_shown_read_only_with_their_error(client):
    from portal.models import OutboxMessage

    waiting = OutboxMessage.objects.create(
        task="portal.tasks.render_document_task",
        kwargs={"kind": "decision_support", "document_id": 7},
        attempts=2,
        last_error="OperationalError: Error 111 connecting to 127.0.0.1:6379. Connection refused.",
    )
    client.force_login(make_portal_admin())
    listing = client.get("/django-admin/portal/outboxmessage/?sent_at__isempty=1").content.decode()
    assert "portal.tasks.render_document_task" in listing
    page = client.get(f"/django-admin/portal/outboxmessage/{waiting.pk}/change/").content.decode()
    assert "Connection refused" in page
    assert 'name="task"' not in page  # nothing to edit
    assert client.get("/django-admin/portal/outboxmessage/add/").status_code == 403
    assert client.post(f"/django-admin/portal/outboxmessage/{waiting.pk}/delete/", {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=waiting.pk).exists()
