"""Portal admins set up a series and a webinar in the portal, publish it, and cancel it with a message."""

from django.core import mail
from playwright.sync_api import expect

from tests.e2e.labels import label
from tests.factories import make_portal_admin
from tests.webinars.factories import RegistrationFactory
from webinars.models import Series, Webinar
from webinars.selectors import registration_token


def test_admin_creates_series_and_webinar_publishes_and_cancels(ui, settings):
    settings.REQUIRE_STAFF_MFA = False
    admin = make_portal_admin(email="webbadmin@example.org", mfa=False)
    page = ui.goto("/accounts/login/")
    page.get_by_label("E-postadress").fill(admin.email)
    page.get_by_label("Lösenord").fill("test-password-123")
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))

    ui.goto("/dashboard/")
    ui.submit(page.get_by_role("link", name="Hantera webbinarier"))
    ui.submit(page.get_by_role("link", name="Ny serie"))
    ui.fill("Titel", "I fokus – om innovation och upphandling")
    ui.submit(page.get_by_role("button", name="Spara"))
    series = Series.objects.get()
    assert series.slug == "i-fokus-om-innovation-och-upphandling"

    ui.submit(page.get_by_role("link", name="Nytt webbinarium"))
    page.get_by_label(label("Serie")).select_option(label=series.title)
    ui.fill("Titel", "Tema solceller och solenergi")
    ui.fill("Börjar", "2030-09-08T09:00")
    ui.fill("Slutar", "2030-09-08T08:00")
    ui.submit(page.get_by_role("button", name="Spara"))
    # The end before the start is pointed out next to the field; what was typed is kept.
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_label(label("Titel")).first).to_have_value("Tema solceller och solenergi")
    ui.fill("Slutar", "2030-09-08T10:00")
    ui.fill("Länk för att delta", "https://meet.example.org/solceller")
    ui.fill("Antal platser", "100")
    page.get_by_role("group", name="Medverkande 1").get_by_label("Namn").fill("Anna Lindqvist")
    ui.submit(page.get_by_role("button", name="Spara"))
    webinar = Webinar.objects.get()
    assert webinar.status == Webinar.Status.DRAFT
    assert [s.name for s in webinar.speakers.all()] == ["Anna Lindqvist"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Tema solceller och solenergi")

    ui.submit(page.get_by_role("button", name="Publicera"))
    registration = RegistrationFactory(webinar=webinar, email="anmald@example.org")
    ui.submit(page.get_by_role("link", name="Ställ in webbinariet"))
    ui.submit(page.get_by_role("button", name="Ställ in webbinariet"))
    expect(page.get_by_role("alert")).to_be_visible()  # a message is required
    ui.fill("Meddelande till de anmälda", "Talaren är sjuk. Vi återkommer med ett nytt datum.")
    ui.submit(page.get_by_role("button", name="Ställ in webbinariet"))
    webinar.refresh_from_db()
    assert webinar.status == Webinar.Status.CANCELLED
    assert [m.to for m in mail.outbox] == [["anmald@example.org"]]
    assert "Talaren är sjuk." in mail.outbox[0].body

    # The public page and the registrant's personal page show the cancellation.
    ui.submit(page.get_by_role("link", name="Publik sida"))
    expect(page.locator("body")).to_contain_text("Webbinariet är inställt.")
    expect(page.locator("body")).to_contain_text("Talaren är sjuk.")
    ui.goto(f"/webinars/registration/{registration_token(registration)}/")
    assert "meet.example.org" not in page.content()  # nowhere in the HTML, links included
