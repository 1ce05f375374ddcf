import re

from django.core import mail
from playwright.sync_api import expect

from portal.models import Organisation
from tests.factories import next_org_number


def test_buyer_signs_up_verifies_email_creates_organisation_switches_language_and_logs_out(ui):
    page = ui.goto("/")
    ui.submit(page.get_by_role("link", name="Registrera konto"))
    ui.fill("E-postadress", "ny.kopare@kommun.example.se")
    ui.fill("Lösenord", "Ett-langt-losenord-2026")
    ui.fill("Lösenord (igen)", "Ett-langt-losenord-2026")
    ui.submit(page.get_by_role("button", name="Skapa konto"))
    assert page.url.endswith("/accounts/confirm-email/")
    assert len(mail.outbox) == 1

    message = mail.outbox[-1]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", message.body).group(0)
    ui.goto(link)
    ui.submit(page.get_by_role("button", name="Verifiera"))

    ui.goto("/organisations/new/")
    page.get_by_label("Offentlig verksamhet").check()
    ui.fill("Namn", "Exempelkommun")
    number = next_org_number("2120")
    ui.fill("Organisationsnummer", number.replace("-", ""))
    ui.submit(page.get_by_role("button", name="Registrera"))
    organisation = Organisation.objects.get(name="Exempelkommun")
    assert organisation.org_number == number
    assert organisation.status == Organisation.Status.PENDING
    expect(page.get_by_role("heading", level=1)).to_have_text("Exempelkommun")

    ui.submit(page.get_by_role("button", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"
    ui.submit(page.get_by_role("button", name="Log out"))
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_pages_fit_a_320_pixel_wide_screen(ui):
    ui.page.set_viewport_size({"width": 320, "height": 640})
    for path in ["/", "/accounts/login/", "/tillganglighet/", "/integritet/"]:
        page = ui.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
        expect(page.locator("a.skip-link")).to_have_count(1)
        expect(page.locator("main#main")).to_have_count(1)
        expect(page.locator("h1")).to_have_count(1)
