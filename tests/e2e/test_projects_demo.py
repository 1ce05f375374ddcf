"""The projects pages with the demo data, as each role, with axe on every page; and the CPV picker."""

import io
import re

from django.core.management import call_command
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from projects.models import Call, Need, Response
from tests.e2e.labels import label


def _login(ui, email):
    page = ui.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))
    return page


def test_demo_pages_for_buyer_company_and_visitor(ui):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    open_call = Call.objects.get(title="RFI: lätta solpaneler för små tak")
    closed = Call.objects.get(status="closed")
    need = open_call.need

    # Visitor: catalogue, filters, a closed call, CPV search without JavaScript.
    page = ui.goto("/needs/?theme=hallbarhet")
    expect(page.locator("body")).to_contain_text("Solceller på kommunens förskolor")
    expect(page.locator("body")).not_to_contain_text("Översvämningssäkring")  # a draft
    ui.goto("/calls/?state=closed")
    expect(page.locator("body")).to_contain_text(closed.title)
    ui.goto(f"/calls/{closed.pk}/")
    expect(page.locator(".status").first).to_contain_text("Stängd")
    # English words find codes too (both labels are searched), with or without the whole vocabulary loaded.
    ui.goto("/cpv/?q=construction+work")
    expect(page.locator("body")).to_contain_text("45000000-7")
    expect(page.locator("body")).to_contain_text("Källa: EU:s publikationsbyrå, CPV 2008")

    # Buyer: dashboard, needs, assessment history, responses.
    page = _login(ui, "kommun@demo.test")
    ui.goto("/dashboard/")
    expect(page.locator("body")).to_contain_text("Översvämningssäkring av gångtunnlar")
    ui.goto("/needs/mine/")
    ui.goto(f"/needs/{need.pk}/")
    ui.goto(f"/needs/{need.pk}/assessment/")
    ui.goto(f"/calls/{open_call.pk}/")
    ui.submit(page.get_by_role("link", name=re.compile(r"Granska frågorna \(1 väntar\)")))
    expect(page.get_by_role("heading", name="Väntar på granskning (1)")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Demo Innovation AB")  # who asked is never shown
    ui.goto(f"/calls/{open_call.pk}/")
    ui.submit(page.get_by_role("link", name=re.compile("Läs svaret")))
    expect(page.locator("body")).to_contain_text("Demo Innovation AB")
    expect(page.locator("body")).not_to_contain_text("Demo Startup AB")  # startup's is a draft
    ui.goto(f"/needs/{need.pk}/edit/")
    # The CPV picker adds a code to the plain text field.
    page.get_by_label("Sök CPV-kod att lägga till").fill("construction work")
    page.get_by_role("button", name=re.compile("45000000-7")).click()
    expect(page.get_by_label(label("CPV-koder"))).to_have_value(re.compile(re.escape("45000000-7")))
    expect(page.get_by_text("Lade till 45000000-7")).to_be_visible()  # the picker's texts come from the catalogue
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    assert need.cpv_codes.filter(code="45000000").exists()
    ui.submit(page.get_by_role("button", name="Logga ut"))

    # Company: dashboard with matching calls, its responses, the profile.
    page = _login(ui, "startup@demo.test")
    ui.goto("/dashboard/")
    expect(page.locator("body")).to_contain_text("Idétävling: förutse fall utan kameror")
    draft = Response.objects.get(call=open_call, organisation__name="Demo Startup AB")
    ui.goto(f"/responses/{draft.pk}/")
    expect(page.locator("body")).to_contain_text("Utkast")
    ui.goto(f"/calls/{open_call.pk}/respond/")
    ui.goto("/interest-profile/")
    ui.goto(f"/calls/{open_call.pk}/")
    expect(page.locator("body")).not_to_contain_text("Finns ritningar")  # another company's unanswered question
    expect(page.locator("body")).to_contain_text("Får lösningen kräva att takduken byts?")
    assert Need.objects.filter(visibility="draft").count() == 2


def test_projects_pages_fit_a_320_pixel_wide_screen(ui):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    call = Call.objects.get(title="RFI: lätta solpaneler för små tak")
    ui.page.set_viewport_size({"width": 320, "height": 640})
    paths = ["/needs/", "/calls/", f"/needs/{call.need_id}/", f"/calls/{call.pk}/", "/cpv/?q=bygg"]
    for path in paths:
        page = ui.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
        expect(page.locator("h1")).to_have_count(1)
