import pytest
from django.urls import reverse

from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("maker", [make_buyer, make_company_user, make_handler, make_portal_admin])
def test_each_role_reaches_its_dashboard(client, maker):
    client.force_login(maker())
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


def test_anonymous_is_sent_to_login_from_dashboard(client):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_dashboard_links_to_verification_but_buyer_dashboard_does_not(client):
    verification_url = reverse("portal:verification_queue")
    client.force_login(make_portal_admin())
    assert verification_url in client.get(reverse("portal:dashboard")).content.decode()
    client.force_login(make_buyer())
    assert verification_url not in client.get(reverse("portal:dashboard")).content.decode()


def test_unverified_public_body_dashboard_says_why_it_cannot_publish(client):
    client.force_login(make_buyer(status="pending"))
    assert "Väntar på verifiering" in client.get(reverse("portal:dashboard")).content.decode()


@pytest.mark.parametrize("maker", [make_buyer, make_company_user])
def test_non_staff_are_refused_staff_pages(client, maker):
    client.force_login(maker())
    assert client.get(reverse("portal:verification_queue")).status_code == 403
    assert client.get(reverse("portal:audit_log")).status_code == 403


def test_handler_is_refused_admin_pages(client):
    client.force_login(make_handler())
    assert client.get(reverse("portal:verification_queue")).status_code == 403


@pytest.mark.parametrize("maker", [make_handler, make_portal_admin])
def test_staff_without_mfa_are_sent_to_set_it_up(client, maker):
    client.force_login(maker(mfa=False))
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_mfa_requirement_can_be_turned_off(client, settings):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(make_handler(mfa=False))
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_buyers_are_never_asked_for_mfa(client):
    client.force_login(make_buyer())
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_error_pages_are_friendly_and_translated(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.content.decode()
    client.post(reverse("portal:set_language"), {"language": "en", "next": "/"})
    assert "Page not found" in client.get("/does-not-exist/").content.decode()


def test_server_error_page_is_bilingual_and_needs_no_context(rf):
    from portal.views.errors import server_error

    response = server_error(rf.get("/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert "Något gick fel" in content and "Something went wrong" in content


def test_forbidden_page_explains_in_swedish(client):
    client.force_login(make_buyer())
    response = client.get(reverse("portal:audit_log"))
    assert response.status_code == 403
    assert "Du har inte behörighet" in response.content.decode()


def test_forbidden_page_explains_in_english(client):
    client.force_login(make_buyer())
    client.cookies["django_language"] = "en"
    response = client.get(reverse("portal:audit_log"))
    assert response.status_code == 403
    content = response.content.decode()
    assert "You are not allowed to do this" in content
    assert "Du har inte behörighet" not in content
