"""The Django admin for webinars: usable by portal admins, and status changes go through the services."""

import pytest
from django.urls import reverse

from portal.audit import AuditAction
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
    assert AuditEntry.objects.filter(action=AuditAction.WEBINAR_PUBLISHED).exists()


def test_registrations_cannot_be_added_in_django_admin(admin_client):
    assert admin_client.get(reverse("admin:webinars_registration_add")).status_code == 403


def test_buyer_has_no_django_admin(client):
    client.force_login(make_buyer())
    response = client.get(reverse("admin:webinars_registration_changelist"))
    assert response.status_code == 302


def _admin_form_data(webinar, **changes):
    from django.utils import timezone

    local = timezone.localtime
    data = {
        "series": webinar.series_id or "",
        "title": webinar.title,
        "theme": "",
        "summary": "",
        "description": "",
        "starts_at_0": local(webinar.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": local(webinar.starts_at).strftime("%H:%M:%S"),
        "ends_at_0": local(webinar.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": local(webinar.ends_at).strftime("%H:%M:%S"),
        "join_url": webinar.join_url,
        "recording_url": "",
        "capacity": webinar.capacity or "",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "1000",
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
        "registrations-MIN_NUM_FORMS": "0",
        "registrations-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_larger_capacity_in_django_admin_promotes_the_waiting(admin_client, django_capture_on_commit_callbacks):
    from django.core import mail

    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status="waitlisted", confirmed_at=None, email="w@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webinars_webinar_change", args=[webinar.pk]), _admin_form_data(webinar, capacity="2")
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert [m.to[0] for m in mail.outbox] == ["w@example.org"]


def test_lower_capacity_than_seats_in_django_admin_is_a_form_error(admin_client):
    webinar = WebinarFactory(capacity=2)
    RegistrationFactory.create_batch(2, webinar=webinar)
    response = admin_client.post(
        reverse("admin:webinars_webinar_change", args=[webinar.pk]), _admin_form_data(webinar, capacity="1")
    )
    assert response.status_code == 200
    assert "capacity" in response.context["adminform"].form.errors


def test_cancelled_webinar_is_read_only_in_django_admin(admin_client):
    webinar = WebinarFactory(status="cancelled")
    response = admin_client.post(
        reverse("admin:webinars_webinar_change", args=[webinar.pk]), _admin_form_data(webinar, title="Changed")
    )
    assert response.status_code == 403
    webinar.refresh_from_db()
    assert webinar.title != "Changed"


def test_recording_added_in_django_admin_is_audited_and_mailed(admin_client, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    starts = timezone.now().replace(microsecond=0) - timedelta(days=1)
    webinar = WebinarFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
    RegistrationFactory(webinar=webinar, email="came@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:webinars_webinar_change", args=[webinar.pk]),
            _admin_form_data(webinar, recording_url="https://video.example.org/rec"),
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    webinar.refresh_from_db()
    assert webinar.recording_url == "https://video.example.org/rec"
    assert webinar.recording_published_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.WEBINAR_RECORDING_ADDED).exists()
    assert [m.to[0] for m in mail.outbox] == ["came@example.org"]
    assert "https://video.example.org/rec" in mail.outbox[0].body


def test_recording_of_a_future_webinar_in_django_admin_is_a_form_error(admin_client):
    webinar = WebinarFactory()
    response = admin_client.post(
        reverse("admin:webinars_webinar_change", args=[webinar.pk]),
        _admin_form_data(webinar, recording_url="https://video.example.org/rec"),
    )
    assert response.status_code == 200
    assert "recording_url" in response.context["adminform"].form.errors
    webinar.refresh_from_db()
    assert webinar.recording_url == ""


def test_recording_link_can_be_removed_in_django_admin(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    starts = timezone.now().replace(microsecond=0) - timedelta(days=1)
    webinar = WebinarFactory(
        starts_at=starts, ends_at=starts + timedelta(hours=1), recording_url="https://v.example.org/"
    )
    response = admin_client.post(
        reverse("admin:webinars_webinar_change", args=[webinar.pk]), _admin_form_data(webinar, recording_url="")
    )
    assert response.status_code == 302
    webinar.refresh_from_db()
    assert webinar.recording_url == ""


def test_webinar_created_in_django_admin_is_a_draft_with_its_speakers_and_audited(admin_client):
    from datetime import timedelta

    from django.utils import timezone

    starts = timezone.now() + timedelta(days=20)
    template = WebinarFactory.build(starts_at=starts, ends_at=starts + timedelta(hours=1), capacity=40)
    data = _admin_form_data(
        template,
        title="Tema solceller och solenergi",
        **{
            "speakers-TOTAL_FORMS": "1",
            "speakers-0-name": "Anna Lindqvist",
            "speakers-0-title": "Energiexpert",
            "speakers-0-organisation": "Demo region",
            "speakers-0-position": "0",
        },
    )
    response = admin_client.post(reverse("admin:webinars_webinar_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    webinar = Webinar.objects.get(title="Tema solceller och solenergi")
    assert webinar.status == Webinar.Status.DRAFT and webinar.capacity == 40
    assert webinar.created_by is not None
    assert [(s.name, s.title, s.organisation) for s in webinar.speakers.all()] == [
        ("Anna Lindqvist", "Energiexpert", "Demo region")
    ]
    assert AuditEntry.objects.filter(action=AuditAction.WEBINAR_CREATED, object_id=str(webinar.pk)).exists()
