from django.urls import reverse
from playwright.sync_api import expect

from portal.documents import DocumentStatus, render_document
from projects.decision_support.models import DECISION_SUPPORT_KIND, DecisionDocument
from tests.documents_data import build_need_with_dialogue
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, organisation_of


def log_in(ui, user):
    """Sign in by handing the browser a session cookie (signing in through the form is tested elsewhere)."""
    sign_in(ui.page.context, ui.base_url, user)
    return ui.page


def test_buyer_orders_decision_support_sees_it_ready_and_downloads_it(ui):
    buyer = make_buyer(email="kopare@kommun.example.se")
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=2, responses=6)
    page = log_in(ui, buyer)

    ui.goto(reverse("projects:need_detail", args=[need.pk]))
    panel = page.locator("#decision-documents")
    expect(panel).to_contain_text("Inget beslutsunderlag har beställts")
    ui.submit(panel.get_by_role("button", name="Beställ beslutsunderlag"))

    # Without a broker the task runs in-process as the order commits: the page shows it ready.
    panel = page.locator("#decision-documents")
    expect(panel).to_contain_text("Version 1 är klar.")
    with page.expect_download() as download_info:
        panel.get_by_role("link", name="Ladda ner version 1 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "beslutsunderlag-smart-ventilation-in-schools-v1.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    # Ordering again for the unchanged need does not make a second document.
    ui.submit(panel.get_by_role("button", name="Beställ beslutsunderlag"))
    expect(page.locator("body")).to_contain_text("Inget har ändrats sedan version 1")
    assert DecisionDocument.objects.filter(need=need).count() == 1


def test_panel_updates_by_itself_when_the_document_becomes_ready(ui):
    buyer = make_buyer(email="kopare2@kommun.example.se")
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=2)
    document = DecisionDocument.objects.create(need=need, version=1, language="sv", requested_by=buyer)
    page = log_in(ui, buyer)

    ui.goto(reverse("documents:need_documents", args=[need.pk]))
    status = page.locator("[data-document-status]")
    expect(status).to_contain_text("Köad")
    expect(page.get_by_role("link", name="Uppdatera sidan för att se status")).to_be_hidden()

    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)  # what the worker would do

    page.get_by_text("Version 1 är klar.").wait_for(timeout=15000)
    expect(page.locator("[data-documents-list]").get_by_role("link", name="Ladda ner version 1")).to_be_visible()
    ui.audit()
    assert DecisionDocument.objects.get(pk=document.pk).status == DocumentStatus.READY
