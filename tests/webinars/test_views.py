import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.audit import AuditAction
from portal.models import AuditEntry
from tests.factories import make_buyer, make_company_user, make_portal_admin, organisation_of
from webinars.models import Registration, Webinar
from webinars.selectors import registration_token

from .factories import RegistrationFactory, SeriesFactory, SpeakerFactory, WebinarFactory

pytestmark = pytest.mark.django_db

VISITOR = {"name": "Eva Exempel", "email": "eva@example.org", "organisation": "Exempel kommun", "consent": "on"}


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (mails) of the block, as a real request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _detail(webinar):
    return reverse("webinars:detail", args=[webinar.pk])


# Public pages ---------------------------------------------------------------------------------------------------


def test_list_shows_upcoming_public_webinars_only(client):
    upcoming = WebinarFactory(title="Upcoming one")
    WebinarFactory(title="A draft", status="draft")
    WebinarFactory(
        title="Already over",
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )
    content = client.get(reverse("webinars:list")).content.decode()
    assert upcoming.title in content
    assert "A draft" not in content and "Already over" not in content


def test_past_page_shows_recordings(client):
    WebinarFactory(
        title="Solceller",
        starts_at=timezone.now() - timedelta(days=30),
        ends_at=timezone.now() - timedelta(days=30) + timedelta(hours=1),
        recording_url="https://video.example.org/solceller",
    )
    content = client.get(reverse("webinars:past")).content.decode()
    assert "Solceller" in content and "https://video.example.org/solceller" in content


@pytest.mark.parametrize("url_name", ["webinars:list", "webinars:past"])
def test_list_query_count_does_not_grow(client, django_assert_max_num_queries, url_name):
    def make(n):
        for _ in range(n):
            days = 5 if url_name == "webinars:list" else -5
            starts = timezone.now() + timedelta(days=days)
            webinar = WebinarFactory(starts_at=starts, ends_at=starts + timedelta(hours=1))
            SpeakerFactory.create_batch(2, webinar=webinar)

    make(1)
    with django_assert_max_num_queries(8) as one:
        client.get(reverse(url_name))
    make(15)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse(url_name))
    assert response.content.decode().count('class="card"') == 16


def test_admin_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    client.force_login(make_portal_admin())
    RegistrationFactory()
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("webinars:manage"))
    for _ in range(10):
        RegistrationFactory.create_batch(2)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("webinars:manage"))


def test_detail_shows_speakers_time_and_calendar_link_but_not_join_link(client):
    webinar = WebinarFactory()
    SpeakerFactory(webinar=webinar, name="Anna Lindqvist", title="Energiexpert", organisation="Region")
    content = client.get(_detail(webinar)).content.decode()
    assert "Anna Lindqvist" in content and "Energiexpert" in content
    assert reverse("webinars:webinar_ics", args=[webinar.pk]) in content
    assert webinar.join_url not in content
    assert f'datetime="{timezone.localtime(webinar.starts_at).isoformat()}"' in content


def test_draft_is_404_for_the_public(client):
    webinar = WebinarFactory(status="draft")
    assert client.get(_detail(webinar)).status_code == 404
    client.force_login(make_buyer())
    assert client.get(_detail(webinar)).status_code == 404


def test_cancelled_webinar_shows_message_and_no_form(client):
    webinar = WebinarFactory(status="cancelled", cancellation_message="Talaren är sjuk.")
    response = client.get(_detail(webinar))
    assert "Talaren är sjuk." in response.content.decode()
    assert 'name="consent"' not in response.content.decode()


def test_no_public_page_lists_registrants(client):
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar, name="Hemlig Person", email="hemlig@example.org")
    client.force_login(make_company_user())
    urls = [_detail(webinar), reverse("webinars:list"), reverse("webinars:series_detail", args=[webinar.series.slug])]
    for url in urls:
        content = client.get(url).content.decode()
        assert "Hemlig Person" not in content and "hemlig@example.org" not in content


# Registration ---------------------------------------------------------------------------------------------------


def test_visitor_registers_and_gets_mail_with_ics_and_personal_link(client, commit):
    webinar = WebinarFactory()
    with commit():
        response = client.post(_detail(webinar), VISITOR)
    assert response.status_code == 302
    registration = Registration.objects.get(webinar=webinar)
    assert (registration.name, registration.organisation, registration.user) == ("Eva Exempel", "Exempel kommun", None)
    assert registration.consent_at is not None
    message = mail.outbox[0]
    assert message.to == ["eva@example.org"]
    assert reverse("webinars:registration", args=[registration_token(registration)]) in message.body
    assert message.attachments[0][0] == "webinar.ics"


def test_visitor_registering_twice_sees_the_same_answer_and_is_mailed(client, commit):
    webinar = WebinarFactory()
    with commit():
        first = client.post(_detail(webinar), VISITOR, follow=True)
    with commit():
        second = client.post(_detail(webinar), {**VISITOR, "email": "EVA@example.org", "name": "Other"}, follow=True)
    assert Registration.objects.filter(webinar=webinar).count() == 1
    first_messages = [str(m) for m in first.context["messages"]]
    second_messages = [str(m) for m in second.context["messages"]]
    assert [m.replace("EVA@", "eva@") for m in second_messages] == first_messages
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["eva@example.org"]


def test_visitor_without_consent_gets_field_error_and_keeps_input(client):
    webinar = WebinarFactory()
    response = client.post(_detail(webinar), {**VISITOR, "consent": ""})
    assert response.status_code == 400
    assert "consent" in response.context["form"].errors
    assert 'value="Eva Exempel"' in response.content.decode()
    assert not Registration.objects.exists()


def test_visitor_with_too_long_email_gets_field_error_not_500(client):
    # Valid by the email syntax but longer than the 254 characters the database column holds.
    email = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "se"
    response = client.post(_detail(WebinarFactory()), {**VISITOR, "email": email})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert 'value="Eva Exempel"' in response.content.decode()
    assert not Registration.objects.exists()


def test_signed_in_user_form_is_prefilled_and_uses_the_account_email(client, commit):
    user = make_buyer(first_name="Karin", last_name="Kommunsson", email="karin@kommun.example.se")
    client.force_login(user)
    webinar = WebinarFactory()
    form = client.get(_detail(webinar)).context["form"]
    assert form["name"].value() == "Karin Kommunsson"
    assert form["email"].value() == "karin@kommun.example.se"
    assert form["organisation"].value() == organisation_of(user).name
    with commit():
        response = client.post(_detail(webinar), {"name": "Karin K", "email": "forged@example.org", "consent": "on"})
    registration = Registration.objects.get()
    assert registration.email == "karin@kommun.example.se"
    assert registration.user == user
    assert response.url == reverse("webinars:registration", args=[registration_token(registration)])
    # The webinar page now points to the registration instead of showing the form again.
    assert client.get(_detail(webinar)).context["own_registration"] == registration


@pytest.mark.parametrize(("status", "days"), [("cancelled", 7), ("published", -1)])
def test_registration_for_closed_webinar_is_refused_with_message(client, status, days):
    starts = timezone.now() + timedelta(days=days)
    webinar = WebinarFactory(status=status, starts_at=starts, ends_at=starts + timedelta(hours=2))
    response = client.post(_detail(webinar), VISITOR)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not Registration.objects.exists()


def test_registration_for_draft_is_404(client):
    assert client.post(_detail(WebinarFactory(status="draft")), VISITOR).status_code == 404


def test_registration_flood_from_one_address_is_rate_limited(client, settings):
    settings.WEBINARS_REGISTRATIONS_PER_HOUR = 3
    webinar = WebinarFactory()
    for i in range(3):
        assert client.post(_detail(webinar), {**VISITOR, "email": f"p{i}@example.org"}).status_code == 302
    response = client.post(_detail(webinar), {**VISITOR, "email": "p9@example.org"}, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 429
    assert response.context["form"].non_field_errors()
    assert Registration.objects.count() == 3
    # Another address is not affected.
    other = client.post(_detail(webinar), {**VISITOR, "email": "p10@example.org"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302


def test_rate_limit_behind_a_proxy_counts_the_address_the_proxy_saw(client, settings):
    # nginx appends the address it saw to X-Forwarded-For; whatever the client put in front of it is not trusted.
    settings.WEBINARS_REGISTRATIONS_PER_HOUR = 2
    settings.TRUSTED_PROXY_COUNT = 1
    webinar = WebinarFactory()
    statuses = [
        client.post(
            _detail(webinar),
            {**VISITOR, "email": f"p{i}@example.org"},
            REMOTE_ADDR="172.18.0.9",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, 192.0.2.7",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    # Another client behind the same proxy is not affected.
    other = client.post(
        _detail(webinar),
        {**VISITOR, "email": "q@example.org"},
        REMOTE_ADDR="172.18.0.9",
        HTTP_X_FORWARDED_FOR="192.0.2.8",
    )
    assert other.status_code == 302


def test_rate_limit_without_a_trusted_proxy_ignores_x_forwarded_for(client, settings):
    settings.WEBINARS_REGISTRATIONS_PER_HOUR = 2
    settings.TRUSTED_PROXY_COUNT = 0
    webinar = WebinarFactory()
    statuses = [
        client.post(
            _detail(webinar), {**VISITOR, "email": f"p{i}@example.org"}, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]


# The personal page ----------------------------------------------------------------------------------------------


def test_personal_page_shows_join_link_to_confirmed_only(client):
    webinar = WebinarFactory(capacity=1)
    confirmed = RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status="waitlisted", confirmed_at=None)
    page = client.get(reverse("webinars:registration", args=[registration_token(confirmed)]))
    assert webinar.join_url in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    page = client.get(reverse("webinars:registration", args=[registration_token(waiting)]))
    assert webinar.join_url not in page.content.decode()
    assert page.context["position"] == 1


def test_forged_token_is_404(client):
    registration = RegistrationFactory()
    token = registration_token(registration)
    assert client.get(reverse("webinars:registration", args=[token[:-2] + "xx"])).status_code == 404
    assert client.post(reverse("webinars:registration_cancel", args=["not-a-token"])).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_cancel_by_personal_link_then_reuse_does_nothing(client, commit):
    webinar = WebinarFactory(capacity=1)
    registration = RegistrationFactory(webinar=webinar)
    waiting = RegistrationFactory(webinar=webinar, status="waitlisted", confirmed_at=None, email="w@example.org")
    url = reverse("webinars:registration_cancel", args=[registration_token(registration)])
    with commit():
        assert client.post(url).status_code == 302
    with commit():
        response = client.post(url, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert [m.to[0] for m in mail.outbox].count("w@example.org") == 1


def test_old_personal_link_stops_working_after_registering_again(client):
    from webinars import services

    webinar = WebinarFactory()
    registration = services.register(webinar=webinar, name="E", email="e@example.org", consent=True).registration
    old = registration_token(registration)
    services.cancel_registration(registration=registration)
    services.register(webinar=webinar, name="E", email="e@example.org", consent=True)
    assert client.get(reverse("webinars:registration", args=[old])).status_code == 404


# Portal admins --------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(make_portal_admin())
    return client


def test_admin_creates_series_and_webinar_with_speakers(admin_client):
    response = admin_client.post(reverse("webinars:series_create"), {"title": "I fokus", "slug": "", "summary": ""})
    assert response.status_code == 302
    series = AuditEntry.objects.get(action=AuditAction.WEBINAR_SERIES_CREATED).target
    assert series.slug == "i-fokus"
    data = {
        "series": series.pk,
        "title": "Solceller",
        "theme": "Energi",
        "summary": "",
        "description": "",
        "starts_at": "2030-09-08T09:00",
        "ends_at": "2030-09-08T10:00",
        "join_url": "https://meet.example.org/x",
        "capacity": "50",
        "speakers-TOTAL_FORMS": "2",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "20",
        "speakers-0-name": "Anna",
        "speakers-0-title": "Expert",
        "speakers-0-organisation": "Region",
        "speakers-1-name": "",
        "speakers-1-title": "",
        "speakers-1-organisation": "",
    }
    response = admin_client.post(reverse("webinars:webinar_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    webinar = Webinar.objects.get(title="Solceller")
    assert webinar.status == Webinar.Status.DRAFT
    assert timezone.localtime(webinar.starts_at).hour == 9
    assert [s.name for s in webinar.speakers.all()] == ["Anna"]


def test_admin_series_with_a_taken_short_name_gets_a_natural_message(admin_client):
    SeriesFactory(slug="i-fokus")
    response = admin_client.post(reverse("webinars:series_create"), {"title": "I fokus igen", "slug": "i-fokus"})
    assert response.status_code == 400
    assert response.context["form"].errors["slug"] == ["En annan serie använder redan det här kortnamnet."]
    assert 'value="I fokus igen"' in response.content.decode()


def test_admin_webinar_form_with_end_before_start_keeps_input(admin_client):
    data = {
        "title": "Solceller",
        "starts_at": "2030-09-08T10:00",
        "ends_at": "2030-09-08T09:00",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "20",
    }
    response = admin_client.post(reverse("webinars:webinar_create"), data)
    assert response.status_code == 400
    assert "ends_at" in response.context["form"].errors
    assert 'value="Solceller"' in response.content.decode()


def test_admin_webinar_form_lists_speaker_errors_in_the_one_summary_at_the_top(admin_client):
    data = {
        "title": "Solceller",
        "starts_at": "2030-09-08T10:00",
        "ends_at": "2030-09-08T11:00",
        "speakers-TOTAL_FORMS": "1",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "20",
        "speakers-0-name": "",
        "speakers-0-title": "Energiexpert",
    }
    response = admin_client.post(reverse("webinars:webinar_create"), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert content.count('class="error-summary"') == 1
    assert content.index('href="#id_speakers-0-name"') < content.index('id="id_title"')
    assert "Medverkande 1, namn: Detta fält måste fyllas i." in content
    assert 'value="Energiexpert"' in content


def test_admin_webinar_form_with_zero_capacity_is_a_field_error(admin_client):
    # 0 seats would put everyone on the waiting list while the pages say "no limit": empty means no limit.
    data = {
        "title": "Solceller",
        "starts_at": "2030-09-08T10:00",
        "ends_at": "2030-09-08T11:00",
        "capacity": "0",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "20",
    }
    response = admin_client.post(reverse("webinars:webinar_create"), data)
    assert response.status_code == 400
    assert "capacity" in response.context["form"].errors
    assert 'value="Solceller"' in response.content.decode()
    assert 'name="capacity" value="0" min="1"' in response.content.decode()
    assert not Webinar.objects.exists()


def test_admin_publishes_and_cancels_with_message(admin_client, commit):
    webinar = WebinarFactory(status="draft")
    admin_client.post(reverse("webinars:webinar_publish", args=[webinar.pk]))
    webinar.refresh_from_db()
    assert webinar.status == "published"
    RegistrationFactory(webinar=webinar, email="r@example.org")
    response = admin_client.post(reverse("webinars:webinar_cancel", args=[webinar.pk]), {"message": ""})
    assert response.status_code == 400
    with commit():
        admin_client.post(reverse("webinars:webinar_cancel", args=[webinar.pk]), {"message": "Flyttas till våren."})
    webinar.refresh_from_db()
    assert webinar.status == "cancelled" and webinar.cancellation_message == "Flyttas till våren."
    assert [m.to[0] for m in mail.outbox] == ["r@example.org"]


def test_admin_adds_recording(admin_client, commit):
    webinar = WebinarFactory(starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2))
    RegistrationFactory(webinar=webinar, email="r@example.org")
    with commit():
        response = admin_client.post(
            reverse("webinars:webinar_recording", args=[webinar.pk]), {"recording_url": "https://video.example.org/1"}
        )
    assert response.status_code == 302
    assert "https://video.example.org/1" in mail.outbox[0].body


def test_admin_sees_counts_and_registrants(admin_client):
    webinar = WebinarFactory(capacity=1)
    RegistrationFactory(webinar=webinar, name="Sittande")
    RegistrationFactory(webinar=webinar, name="Väntande", status="waitlisted", confirmed_at=None)
    RegistrationFactory(webinar=webinar, name="Avbokad", status="cancelled")
    response = admin_client.get(reverse("webinars:manage_detail", args=[webinar.pk]))
    assert response.context["counts"] == {"confirmed": 1, "waitlisted": 1, "cancelled": 1}
    content = response.content.decode()
    assert "Sittande" in content and "Väntande" in content and "Avbokad" in content


def test_admin_exports_registrations_as_csv_safely(admin_client):
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar, name="=HYPERLINK(1)", email="a@example.org", organisation="Region Ö")
    response = admin_client.get(reverse("webinars:registrations_csv", args=[webinar.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][:3] == ["'=HYPERLINK(1)", "a@example.org", "Region Ö"]


def test_admin_sees_when_someone_registered_again_not_their_first_registration(admin_client):
    # Someone who cancelled and registered again is at the end of the queue: "Registered" must say when.
    webinar = WebinarFactory()
    again = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    registration = RegistrationFactory(webinar=webinar, queued_at=again)
    Registration.objects.filter(pk=registration.pk).update(created_at=again - timedelta(days=3))
    expected = timezone.localtime(again)
    response = admin_client.get(reverse("webinars:registrations_csv", args=[webinar.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][4] == expected.strftime("%Y-%m-%d %H:%M")
    page = admin_client.get(reverse("webinars:manage_detail", args=[webinar.pk])).content.decode()
    assert f"<td>{expected:%Y-%m-%d %H.%M}</td>" in page


def test_admin_cancels_a_registration(admin_client):
    registration = RegistrationFactory()
    admin_client.post(reverse("webinars:admin_registration_cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == "cancelled"


def test_cancelled_webinar_cannot_be_edited(admin_client):
    webinar = WebinarFactory(status="cancelled")
    assert admin_client.get(reverse("webinars:webinar_edit", args=[webinar.pk])).status_code == 404


def test_dashboard_panel_for_admin_only(client):
    WebinarFactory(title="På gång")
    client.force_login(make_portal_admin())
    assert "På gång" in client.get(reverse("portal:dashboard")).content.decode()
    client.force_login(make_buyer())
    assert "På gång" not in client.get(reverse("portal:dashboard")).content.decode()


def test_dashboard_lists_own_registrations(client):
    user = make_company_user(email="me@example.org")
    RegistrationFactory(webinar=WebinarFactory(title="Mitt webbinarium"), email="ME@example.org")
    client.force_login(user)
    assert "Mitt webbinarium" in client.get(reverse("portal:dashboard")).content.decode()


def test_dashboard_shows_a_cancelled_webinar_as_cancelled(client):
    user = make_company_user(email="me@example.org")
    RegistrationFactory(webinar=WebinarFactory(title="Mitt webbinarium", status="cancelled"), email="me@example.org")
    RegistrationFactory(webinar=WebinarFactory(title="Det andra"), email="me@example.org")
    client.force_login(user)
    content = client.get(reverse("portal:dashboard")).content.decode()
    assert "Mitt webbinarium</a> – " in content
    panel = content[content.index("Mitt webbinarium") :]
    assert panel.split("</li>")[0].endswith("(inställt)")
    assert content[content.index("Det andra") :].split("</li>")[0].endswith("(bekräftad)")


def test_cancelled_webinar_page_does_not_tell_a_registrant_they_are_registered(client):
    user = make_company_user(email="me@example.org")
    webinar = WebinarFactory(status="cancelled", cancellation_message="Talaren är sjuk.")
    RegistrationFactory(webinar=webinar, email="me@example.org")
    client.force_login(user)
    content = client.get(_detail(webinar)).content.decode()
    assert "Du är anmäld till webbinariet." not in content
    assert "Webbinariet är inställt; anmälan är stängd." in content


def test_series_page(client):
    series = SeriesFactory(title="I fokus", slug="i-fokus")
    WebinarFactory(series=series, title="Kommande")
    content = client.get(reverse("webinars:series_detail", args=["i-fokus"])).content.decode()
    assert "Kommande" in content and reverse("webinars:series_feed", args=["i-fokus"]) in content


def test_admin_registrations_page_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar)
    url = reverse("webinars:manage_detail", args=[webinar.pk])
    with django_assert_max_num_queries(30) as one:
        admin_client.get(url)
    RegistrationFactory.create_batch(20, webinar=webinar)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = admin_client.get(url)
    assert len(response.context["registrations"]) == 21


def test_series_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    series = SeriesFactory()
    WebinarFactory(series=series)
    url = reverse("webinars:series_detail", args=[series.slug])
    with django_assert_max_num_queries(10) as one:
        client.get(url)
    for _ in range(10):
        SpeakerFactory(webinar=WebinarFactory(series=series))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_csv_export_query_count_does_not_grow(admin_client, django_assert_max_num_queries):
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar)
    url = reverse("webinars:registrations_csv", args=[webinar.pk])
    with django_assert_max_num_queries(30) as one:
        admin_client.get(url)
    RegistrationFactory.create_batch(20, webinar=webinar)
    with django_assert_max_num_queries(len(one.captured_queries)):
        admin_client.get(url)


def test_pages_render_in_english(client):
    webinar = WebinarFactory()
    client.cookies["django_language"] = "en"  # the language switch; Accept-Language is not followed
    response = client.get(_detail(webinar))
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Add to your calendar (.ics)" in content and ">Register</button>" in content


def test_pages_render_in_swedish_by_default(client):
    content = client.get(_detail(WebinarFactory())).content.decode()
    assert "Lägg till i din kalender (.ics)" in content and ">Anmäl dig</button>" in content


# The mail queue is down ----------------------------------------------------------------------------------------


@pytest.fixture
def queue_down(monkeypatch):
    """Queuing a task fails (broker unreachable), as kombu does."""
    from kombu.exceptions import OperationalError

    from webinars import tasks

    def fail(**kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    for name in (
        "send_registration_mail",
        "notify_webinar_cancelled",
        "notify_webinar_rescheduled",
        "notify_recording_published",
    ):
        monkeypatch.setattr(getattr(tasks, name), "apply_async", fail)
    from portal.celery import app as celery_app

    celery_app.conf.task_always_eager = False  # a broker that is down (tests/conftest.py restores this)


def test_registration_is_done_even_when_the_mail_cannot_be_queued(client, commit, queue_down):
    webinar = WebinarFactory()
    with commit():
        response = client.post(_detail(webinar), VISITOR)
    assert response.status_code == 302
    assert Registration.objects.get(webinar=webinar).status == Registration.Status.CONFIRMED


def test_cancelling_by_personal_link_is_done_even_when_the_mail_cannot_be_queued(client, commit, queue_down):
    registration = RegistrationFactory()
    with commit():
        response = client.post(reverse("webinars:registration_cancel", args=[registration_token(registration)]))
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_admin_cancels_webinar_and_adds_recording_even_when_mails_cannot_be_queued(admin_client, commit, queue_down):
    upcoming = WebinarFactory()
    RegistrationFactory(webinar=upcoming)
    with commit():
        response = admin_client.post(reverse("webinars:webinar_cancel", args=[upcoming.pk]), {"message": "Sjuk."})
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.status == Webinar.Status.CANCELLED
    past = WebinarFactory(starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=2))
    RegistrationFactory(webinar=past)
    with commit():
        response = admin_client.post(
            reverse("webinars:webinar_recording", args=[past.pk]), {"recording_url": "https://video.example.org/1"}
        )
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.recording_url == "https://video.example.org/1"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["webinars:manage_detail", "webinars:webinar_edit", "webinars:webinar_cancel"])
def test_a_non_admin_cannot_tell_which_webinar_ids_exist(client, name):
    draft = WebinarFactory(status=Webinar.Status.DRAFT)
    client.force_login(make_buyer())
    assert client.get(reverse(name, args=[draft.pk])).status_code == 403
    assert client.get(reverse(name, args=[draft.pk + 1000])).status_code == 403
