"""The Django admin for webinars: portal admins look things up there and manage webinars on the portal's pages
(webinars/manage/, tested in test_views.py), where the services mail the registrants and write the audit rows."""

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from tests.factories import make_buyer, make_portal_admin
from webinars.models import Registration, Webinar

from .factories import RegistrationFactory, SpeakerFactory, WebinarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, settings):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(make_portal_admin(mfa=False))
    return client


def test_portal_admin_looks_webinars_up_in_the_django_admin(admin_client):
    webinar = WebinarFactory()
    SpeakerFactory(webinar=webinar)
    registration = RegistrationFactory(webinar=webinar)
    urls = [
        reverse("admin:index"),
        reverse("admin:webinars_series_changelist"),
        reverse("admin:webinars_webinar_changelist"),
        reverse("admin:webinars_webinar_change", args=[webinar.pk]),
        reverse("admin:webinars_registration_changelist"),
        reverse("admin:webinars_registration_change", args=[registration.pk]),
    ]
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
    # The app is listed on the admin's index (module permission for portal admins).
    assert reverse("admin:webinars_webinar_changelist") in admin_client.get(reverse("admin:index")).content.decode()


def test_webinars_are_not_added_or_changed_in_the_django_admin(admin_client):
    webinar = WebinarFactory(title="Före")
    assert admin_client.get(reverse("admin:webinars_webinar_add")).status_code == 403
    assert admin_client.get(reverse("admin:webinars_series_add")).status_code == 403
    response = admin_client.post(reverse("admin:webinars_webinar_change", args=[webinar.pk]), {"title": "Efter"})
    assert response.status_code == 403
    webinar.refresh_from_db()
    assert webinar.title == "Före"


def test_no_publish_action_around_the_portal_pages(admin_client):
    webinar = WebinarFactory(status=Webinar.Status.DRAFT)
    page = admin_client.get(reverse("admin:webinars_webinar_changelist"))
    assert 'value="publish"' not in page.content.decode()
    admin_client.post(
        reverse("admin:webinars_webinar_changelist"),
        {"action": "publish", "_selected_action": [webinar.pk]},
    )
    webinar.refresh_from_db()
    assert webinar.status == Webinar.Status.DRAFT
    assert not AuditEntry.objects.exists()


def test_no_cancel_action_for_registrations(admin_client):
    registration = RegistrationFactory()
    admin_client.post(
        reverse("admin:webinars_registration_changelist"),
        {"action": "cancel", "_selected_action": [registration.pk]},
    )
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_registrations_cannot_be_added_in_django_admin(admin_client):
    assert admin_client.get(reverse("admin:webinars_registration_add")).status_code == 403


def test_buyer_has_no_django_admin(client):
    client.force_login(make_buyer())
    response = client.get(reverse("admin:webinars_registration_changelist"))
    assert response.status_code == 302
