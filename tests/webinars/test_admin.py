"""The Django admin for webinars: usable by portal admins, and status changes go through the services."""

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from tests.factories import make_buyer, make_portal_admin
from webinars.models import Webinar

from .factories import RegistrationFactory, SpeakerFactory, WebinarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(make_portal_admin(mfa=False))
    return client


def test_portal_admin_uses_the_django_admin_pages(admin_client):
    webinar = WebinarFactory()
    SpeakerFactory(webinar=webinar)
    registration = RegistrationFactory(webinar=webinar)
    urls = [
        reverse("admin:index"),
        reverse("admin:webinars_series_changelist"),
        reverse("admin:webinars_webinar_changelist"),
        reverse("admin:webinars_webinar_add"),
        reverse("admin:webinars_webinar_change", args=[webinar.pk]),
        reverse("admin:webinars_registration_changelist"),
        reverse("admin:webinars_registration_change", args=[registration.pk]),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
    # The app is listed on the admin's index (module permission for portal admins).
    assert reverse("admin:webinars_webinar_changelist") in admin_client.get(reverse("admin:index")).content.decode()


def test_publish_action_in_django_admin_uses_the_service(admin_client):
    webinar = WebinarFactory(status=Webinar.Status.DRAFT)
    admin_client.post(
        reverse("admin:webinars_webinar_changelist"),
        {"action": "publish", "_selected_action": [webinar.pk]},
    )
    webinar.refresh_from_db()
    assert webinar.status == Webinar.Status.PUBLISHED
    assert AuditEntry.objects.filter(action="webinar.published").exists()


def test_registrations_cannot_be_added_in_django_admin(admin_client):
    assert admin_client.get(reverse("admin:webinars_registration_add")).status_code == 403


def test_buyer_has_no_django_admin(client):
    client.force_login(make_buyer())
    response = client.get(reverse("admin:webinars_registration_changelist"))
    assert response.status_code == 302
