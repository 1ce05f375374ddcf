"""Browser flow of amendments and following, with axe on every page: a company follows an open call; the buyer
publishes an amendment that replaces a file and moves the deadline (one with an error first); the company sees
the amendment and that the call changed since it saved; the stop link in the mail stops the notices."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from portal.files import attach_bytes
from portal.models import Mail
from projects.amendments.models import Amendment, AmendmentFile
from projects.following.models import CallFollow
from projects.models import Response
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, ResponseFactory

PDF = b"%PDF-1.4\n" + b"x" * 100


def test_follow_amend_and_stop_the_notices(ui, tmp_path):
    buyer = make_buyer(email="kopare@kommun.example.se")
    company = make_company_user(email="salj@foretag.example.se")
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)), title="Sensorer i parker")
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    ResponseFactory(call=call, organisation=organisation_of(company), status=Response.Status.DRAFT)
    call_path = f"/calls/{call.pk}/"

    # The company follows the call (a POST button, no JavaScript needed).
    sign_in(ui.page.context, ui.base_url, company)
    page = ui.goto(call_path)
    ui.submit(page.get_by_role("button", name="Bevaka förfrågan"))
    expect(page.get_by_text("Du bevakar den här förfrågan")).to_be_visible()
    assert CallFollow.objects.filter(call=call, user=company).exists()

    # The buyer amends it: a shortened deadline is refused next to the field, the text is kept.
    sign_in(ui.page.context, ui.base_url, buyer)
    page = ui.goto(call_path)
    ui.submit(page.get_by_role("link", name="Publicera ett ändringsmeddelande"))
    ui.fill("Ändringstext", "Bilaga 1 är rättad och svarstiden förlängd.")
    earlier = timezone.localtime(call.closes_at - timedelta(days=1))
    ui.fill("Sista svarstid", f"{earlier:%Y-%m-%dT%H:%M}")
    ui.submit(page.get_by_role("button", name="Publicera ändringsmeddelandet"))
    expect(page.locator(".error-summary")).to_contain_text("kan bara flyttas framåt")
    expect(ui.field("Ändringstext")).to_have_value("Bilaga 1 är rättad och svarstiden förlängd.")

    later = timezone.localtime(call.closes_at + timedelta(days=7))
    ui.fill("Sista svarstid", f"{later:%Y-%m-%dT%H:%M}")
    replacement = tmp_path / "bilaga-rattad.pdf"
    replacement.write_bytes(PDF)
    ui.field("Ersätt bilaga.pdf").set_input_files(str(replacement))
    ui.submit(page.get_by_role("button", name="Publicera ändringsmeddelandet"))
    expect(page.get_by_role("heading", name=re.compile(r"^Ändringsmeddelande 1, "))).to_be_visible()
    expect(page.get_by_text("Ersatt genom ändringsmeddelande 1")).to_be_visible()
    amendment = Amendment.objects.get(call=call)
    assert AmendmentFile.objects.get(amendment=amendment).replaces == old

    # The company sees the amendment and that the call changed since it last saved its response.
    sign_in(ui.page.context, ui.base_url, company)
    page = ui.goto(call_path)
    expect(page.get_by_text("Förfrågan har ändrats sedan ert svar senast sparades")).to_be_visible()
    ui.submit(page.get_by_role("link", name="Läs ändringsmeddelandena"))
    expect(page.get_by_text("Bilaga 1 är rättad och svarstiden förlängd.")).to_be_visible()

    # The link in the mail stops the notices, without signing in.
    ui.page.context.clear_cookies()
    body = Mail.objects.get(to=company.email, template="projects/mail/call_amended").body
    link = re.search(r"http\S+/stop-notices/\S+/", body).group(0)
    page = ui.goto("/" + link.split("/", 3)[3])
    ui.submit(page.get_by_role("button", name="Stoppa e-post om den här förfrågan"))
    expect(page.get_by_role("status")).to_contain_text("Du bevakar inte längre ”Sensorer i parker”")
    assert not CallFollow.objects.filter(call=call).exists()
