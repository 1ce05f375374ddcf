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
