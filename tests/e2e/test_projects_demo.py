"""The projects pages with the demo data, as each role, with axe on every page; and the CPV picker."""

import io
import re

from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from projects.models import Call, Need, Response


def _login(ui, email):
    page = ui.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    ui.submit(page.get_by_role("button", name="Logga in"))
    return page


def test_demo_pages_for_buyer_company_and_visitor(ui):
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    open_call = Call.objects.get(title="RFI: lätta solpaneler för små tak")
    closed = Call.objects.get(status="closed")
    need = open_call.need

    # Visitor: catalogue, filters, a closed call, CPV search without JavaScript.
    page = ui.goto("/needs/?theme=hallbarhet")
    assert "Solceller på kommunens förskolor" in page.content()
    assert "Översvämningssäkring" not in page.content()  # a draft
    ui.goto("/calls/?state=closed")
    assert closed.title in page.content()
    ui.goto(f"/calls/{closed.pk}/")
    assert "Stängd" in page.locator(".status").first.inner_text()
    ui.goto("/cpv/?q=bygg")
    assert "45000000-7" in page.content()

    # Buyer: dashboard, needs, assessment history, responses.
    page = _login(ui, "kommun@demo.test")
    ui.goto("/dashboard/")
    assert "Översvämningssäkring av gångtunnlar" in page.content()
    ui.goto("/needs/mine/")
    ui.goto(f"/needs/{need.pk}/")
    ui.goto(f"/needs/{need.pk}/assessment/")
    ui.goto(f"/calls/{open_call.pk}/")
    assert page.get_by_role("heading", name="Frågor att besvara").is_visible()
    ui.submit(page.get_by_role("link", name=re.compile("Läs svaret")))
    assert "Demo Innovation AB" in page.content() and "Demo Startup AB" not in page.content()  # startup's is a draft
    ui.goto(f"/needs/{need.pk}/edit/")
    # The CPV picker adds a code to the plain text field.
    page.get_by_label("Sök CPV-kod att lägga till").fill("bygg")
    page.get_by_role("button", name=re.compile("45000000-7")).click()
    assert "45000000-7" in page.get_by_label("CPV-koder", exact=True).input_value()
    assert page.get_by_text("Lade till 45000000-7").is_visible()  # the picker's texts come from the catalogue
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    assert need.cpv_codes.filter(code="45000000").exists()
    ui.submit(page.get_by_role("button", name="Logga ut"))

    # Company: dashboard with matching calls, its responses, the profile.
    page = _login(ui, "startup@demo.test")
    ui.goto("/dashboard/")
    assert "Idétävling: förutse fall utan kameror" in page.content()
    draft = Response.objects.get(call=open_call, organisation__name="Demo Startup AB")
    ui.goto(f"/responses/{draft.pk}/")
    assert "Utkast" in page.content()
    ui.goto(f"/calls/{open_call.pk}/respond/")
    ui.goto("/interest-profile/")
    ui.goto(f"/calls/{open_call.pk}/")
    assert "Finns ritningar" not in page.content()  # another company's unanswered question
    assert "Får lösningen kräva att takduken byts?" in page.content()
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
        assert page.locator("h1").count() == 1
