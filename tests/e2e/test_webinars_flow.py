"""Flow 5 of DESIGN.md: an admin publishes a webinar; a visitor registers, gets the mail and the .ics, cancels."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.labels import label
from tests.factories import make_portal_admin
from tests.webinars.factories import RegistrationFactory, SeriesFactory, SpeakerFactory, WebinarFactory
from webinars.models import Registration, Webinar
from webinars.selectors import registration_token


def _log_in(ui, email):
    page = ui.goto("/accounts/login/")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill("test-password-123")
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))
    return page


def test_admin_publishes_visitor_registers_downloads_ics_and_cancels(ui, settings):
    settings.REQUIRE_STAFF_MFA = False
    admin = make_portal_admin(email="webbadmin@example.org", mfa=False)
    series = SeriesFactory(title="I fokus – om innovation och upphandling", slug="i-fokus")
    starts = (timezone.localtime() + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    webinar = WebinarFactory(
        series=series,
        title="Tema solceller och solenergi",
        status=Webinar.Status.DRAFT,
        capacity=1,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        join_url="https://meet.example.org/solceller",
    )
    SpeakerFactory(webinar=webinar, name="Anna Lindqvist", title="Energiexpert", organisation="Demo region")

    # The admin publishes the draft from the portal's admin pages.
    page = _log_in(ui, admin.email)
    ui.goto("/webinars/manage/")
    ui.submit(page.get_by_role("link", name="Tema solceller och solenergi"))
    ui.submit(page.get_by_role("button", name="Publicera"))
    expect(page.locator("body")).to_contain_text("Webbinariet är publicerat.")
    webinar.refresh_from_db()
    assert webinar.status == Webinar.Status.PUBLISHED
    ui.submit(page.get_by_role("button", name="Logga ut"))

    # A visitor finds it in the list and registers.
    page = ui.goto("/webinars/")
    ui.submit(page.get_by_role("link", name="Tema solceller och solenergi"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tema solceller och solenergi")
    expect(page.locator("body")).to_contain_text("Anna Lindqvist")
    assert "meet.example.org" not in page.content()  # nowhere in the HTML, links included
    ui.fill("Namn", "Eva Exempel")
    ui.fill("E-postadress", "eva@example.org")
    ui.fill("Organisation", "Exempel kommun")
    ui.submit(page.get_by_role("button", name="Anmäl dig"))
    # Forgot the consent: the error is shown next to the field and nothing typed is lost.
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label(label("Namn"))).to_have_value("Eva Exempel")
    # The consent checkbox sits beside its label, not on a line of its own above it.
    box = page.locator("#id_consent").bounding_box()
    # The label's first line box (a long label with its required marker wraps onto a second line).
    consent_label = page.locator("label[for=id_consent]").evaluate(
        "label => { const r = label.getClientRects()[0]; return {x: r.x, y: r.y}; }"
    )
    assert consent_label["x"] > box["x"] and consent_label["y"] < box["y"] + box["height"]
    page.get_by_label(re.compile("Jag godkänner")).check()
    ui.submit(page.get_by_role("button", name="Anmäl dig"))
    expect(page.locator("body")).to_contain_text("Tack! Vi har skickat ett mejl till eva@example.org")

    # The mail carries the .ics and the personal link.
    message = mail.outbox[-1]
    assert message.to == ["eva@example.org"]
    assert "https://meet.example.org/solceller" in message.body
    _, attached, _ = message.attachments[0]
    event = icalendar.Calendar.from_ical(attached).walk("VEVENT")[0]
    assert event.decoded("dtstart") == starts
    link = re.search(r"https?://\S+/webinars/registration/\S+/", message.body).group(0)

    page = ui.goto(urlsplit(link).path)
    assert (
        page.get_by_role("link", name="Delta i webbinariet").get_attribute("href")
        == "https://meet.example.org/solceller"
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner kalenderfilen (.ics)").click()
    with open(download_info.value.path(), "rb") as handle:
        downloaded = icalendar.Calendar.from_ical(handle.read())
    assert downloaded.walk("VEVENT")[0].decoded("dtstart") == starts
    assert [str(tz.get("tzid")) for tz in downloaded.walk("VTIMEZONE")] == ["Europe/Stockholm"]

    # Someone is waiting for the seat; the visitor cancels and the seat goes to them.
    waiting = RegistrationFactory(webinar=webinar, email="vantar@example.org", status="waitlisted", confirmed_at=None)
    ui.submit(page.get_by_role("button", name="Avboka min anmälan"))
    expect(page.locator("body")).to_contain_text("Din anmälan är avbokad.")
    registration = Registration.objects.get(email="eva@example.org")
    assert registration.status == Registration.Status.CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED
    assert any(m.to == ["vantar@example.org"] for m in mail.outbox)

    # The used link no longer cancels anything and shows no join link.
    assert "meet.example.org" not in page.content()  # nowhere in the HTML, links included
    expect(page.get_by_role("button", name="Avboka min anmälan")).to_have_count(0)
    assert registration_token(registration) in page.url
