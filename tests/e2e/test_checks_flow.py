"""Flow 4 of DESIGN.md in a browser, with axe on every page: apply, score, complete, propose and decide (four
eyes), letter, final report."""

import datetime
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from checks.models import Application, DecisionLetter
from tests.checks.factories import make_call, make_decider
from tests.e2e.labels import label
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_handler


def log_in(ui, user):
    """Sign in by handing the browser a session cookie (signing in through the form is tested elsewhere)."""
    sign_in(ui.page.context, ui.base_url, user)
    return ui.page


def test_buyer_applies_handler_scores_completes_approves_and_buyer_reports(ui):
    call = make_call(name="Checkar för innovationsupphandling 2026", total_budget=2_000_000)
    buyer = make_buyer(email="kopare@kommun.example.se", first_name="Karin", last_name="Kommunsson")
    handler = make_handler(email="handlaggare@verket.example.se", first_name="Hanna", last_name="Handläggare")
    decider = make_decider(email="beslutsfattare@verket.example.se", first_name="Bo", last_name="Beslutsfattare")

    # The buyer applies and saves a draft, then submits it.
    page = log_in(ui, buyer)
    ui.goto("/checks/")
    ui.submit(page.get_by_role("link", name=call.name))
    ui.submit(page.get_by_role("link", name="Ansök om en innovationscheck"))
    page.get_by_label("Pågående upphandling").check()
    ui.fill("Titel", "Testbädd för fallsensorer")
    ui.fill("Syfte", "Att testa sensorer i en testbädd innan upphandlingen.")
    ui.fill("Bakgrund", "Fallolyckor är vanliga i hemtjänsten.")
    ui.fill("Förväntade resultat", "Funktionskrav till förfrågningsunderlaget.")
    today = timezone.localdate()
    ui.fill("Periodens början", (today - datetime.timedelta(days=30)).isoformat())  # the work has started
    ui.fill("Periodens slut", (today + datetime.timedelta(days=120)).isoformat())
    page.locator("#id_expertise-0-provider").fill("Sensorlabbet AB")
    page.locator("#id_expertise-0-competence").fill("Testbädd för sensorer")
    page.locator("#id_expertise-0-fee").fill("150000")
    page.locator("#id_budget-0-kind").select_option("testbed")
    page.locator("#id_budget-0-description").fill("Testbädd tre månader")
    page.locator("#id_budget-0-amount").fill("150000")
    ui.fill("Sökt belopp (kr)", "150000")
    ui.submit(page.get_by_role("button", name="Spara utkast"))
    expect(page.locator("body")).to_contain_text("Inget saknas")
    ui.submit(page.get_by_role("button", name="Skicka in ansökan"))
    application = Application.objects.get()
    assert application.state == Application.State.SUBMITTED
    expect(page.locator("body")).to_contain_text(application.reference)

    # The handler takes it, scores it and asks for a completion.
    page = log_in(ui, handler)
    ui.goto("/checks/review/")
    ui.submit(page.get_by_role("link", name=application.reference))
    ui.submit(page.get_by_role("button", name="Tilldela mig"))
    ui.submit(page.get_by_role("link", name="Poängsätt ansökan"))
    for criterion in call.criteria.all():
        page.locator(f"#id_score_{criterion.pk}").select_option("4")
    page.get_by_label("Kommentar: Innovationshöjd").fill("Tydlig innovationshöjd.")
    page.get_by_label("Bevilja").check()
    ui.submit(page.get_by_role("button", name="Spara bedömningen"))
    expect(page.locator("body")).to_contain_text("4,00")
    ui.submit(page.get_by_role("link", name="Begär komplettering"))
    ui.fill("Meddelande till den sökande", "Bifoga offerten från testbädden.")
    ui.fill("Svara senast", (timezone.localdate() + timedelta(days=14)).isoformat())
    ui.submit(page.get_by_role("button", name="Skicka begäran"))
    application.refresh_from_db()
    assert application.state == Application.State.COMPLETION_REQUESTED

    # The buyer sees the request, completes the application and sends it back.
    page = log_in(ui, buyer)
    ui.goto(f"/checks/applications/{application.pk}/")
    expect(page.locator("body")).to_contain_text("Bifoga offerten från testbädden.")
    expect(page.locator("body")).not_to_contain_text("Tydlig innovationshöjd.")  # internal comments stay internal
    ui.submit(page.get_by_role("link", name="Redigera ansökan"))
    ui.fill("Bakgrund", "Fallolyckor är vanliga i hemtjänsten. Offerten är bifogad.")
    ui.submit(page.get_by_role("button", name="Spara ändringarna"))
    ui.submit(page.get_by_role("button", name="Skicka tillbaka till handläggarna"))
    application.refresh_from_db()
    assert application.state == Application.State.IN_REVIEW

    # The buyer writes to the handler on the application's page.
    page.get_by_label(label("Meddelande")).fill("Offerten ligger nu i ansökan.")
    ui.submit(page.get_by_role("button", name="Skicka", exact=True))
    expect(page.locator(".thread")).to_contain_text("Offerten ligger nu i ansökan.")

    # The handler sees the message and what the buyer changed, then proposes an amount (föredragande); nothing is
    # decided or mailed yet.
    page = log_in(ui, handler)
    ui.goto(f"/checks/review/{application.pk}/")
    expect(page.locator(".thread")).to_contain_text("Offerten ligger nu i ansökan.")
    expect(page.locator("section:has(#changes-heading) ins")).to_contain_text(["Offerten"])
    ui.submit(page.get_by_role("link", name="Föreslå beslut"))
    page.get_by_label("Beviljad").check()
    ui.fill("Beviljat belopp (kr)", "140000")
    ui.fill("Motivering", "Välmotiverad ansökan med tydlig koppling till upphandlingen.")
    ui.submit(page.get_by_role("button", name="Spara förslaget"))
    expect(page.locator("body")).to_contain_text("Du är föredragande för det här förslaget")
    expect(page.get_by_role("link", name="Besluta", exact=True)).to_have_count(0)
    application.refresh_from_db()
    assert application.state == Application.State.IN_REVIEW

    # Another handler with the right to decide (beslutsfattare) checks the letter's preview and confirms.
    page = log_in(ui, decider)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Besluta", exact=True))
    expect(page.locator("body")).to_contain_text("Förhandsvisning av beslutsbrevet")
    expect(page.locator("body")).to_contain_text(buyer.email)
    expect(page.locator("body")).to_contain_text("Detta beslut får inte överklagas")
    ui.submit(page.get_by_role("button", name="Bekräfta och fatta beslut"))
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert application.decision.presented_by == handler and application.decision.decided_by == decider
    assert DecisionLetter.objects.get(application=application).is_ready
    letter_mails = [m for m in mail.outbox if m.attachments]
    assert letter_mails and letter_mails[0].to == [buyer.email]

    # The period runs: the buyer is told from when the report can be submitted. The expertise is delivered
    # early, so the handler ends the period now, with a reason.
    page = log_in(ui, buyer)
    ui.goto(f"/checks/applications/{application.pk}/")
    expect(page.locator("body")).to_contain_text("Slutrapporten kan lämnas från och med")
    expect(page.get_by_role("link", name="Skicka in slutrapporten")).to_have_count(0)
    page = log_in(ui, handler)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Avsluta projektperioden eller ange ett nytt slutdatum"))
    ui.fill("Skäl (antecknas i loggen)", "Testbädden har levererat sin rapport.")
    ui.submit(page.get_by_role("button", name="Ändra projektperiodens slut"))
    application.refresh_from_db()
    assert application.period_end == today - datetime.timedelta(days=1)

    # The buyer downloads the letter and submits the final report.
    page = log_in(ui, buyer)
    ui.goto(f"/checks/applications/{application.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner beslutsbrevet (PDF)").click()
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    ui.submit(page.get_by_role("link", name="Skicka in slutrapporten"))
    ui.fill("Resultat", "Sensorerna fungerade i testbädden.")
    ui.fill("Vad expertisen ledde till", "En upphandling med funktionskrav har startat.")
    page.get_by_label("En upphandling har startat").check()
    page.get_by_label("Förfarande").select_option("open")
    page.locator(f"#id_actual_{application.budget_lines.get().pk}").fill("140000")
    ui.submit(page.get_by_role("button", name="Skicka in slutrapporten"))
    application.refresh_from_db()
    assert application.state == Application.State.FINAL_REPORT_SUBMITTED
    expect(page.locator("body")).to_contain_text("Slutrapport inskickad")


def test_admin_publishes_a_call_and_handler_uses_queue_overview_and_conflict(ui):
    from checks.models import GrantCall
    from tests.checks.factories import make_application
    from tests.factories import make_portal_admin

    admin = make_portal_admin(email="admin@verket.example.se")
    page = log_in(ui, admin)
    ui.goto("/checks/manage/")
    ui.submit(page.get_by_role("link", name="Ny utlysning"))
    ui.fill("Namn", "Checkar 2027")
    ui.fill("Diarienummer", "2027-00012")
    page.locator("#id_description").fill("Checkar för innovationsupphandling 2027.")
    ui.fill("Öppnar", "2027-01-01")
    ui.fill("Stänger", "2026-12-01")
    ui.fill("Total budget (kr)", "5000000")
    page.locator("#id_tracks-0-name").fill("Spår 2: Pågående upphandling")
    page.locator("#id_tracks-0-cap_one").fill("200000")
    page.locator("#id_tracks-0-cap_two_or_more").fill("400000")
    page.locator("#id_criteria-0-name").fill("Innovationshöjd")
    ui.submit(page.get_by_role("button", name="Spara"))
    # Closes before it opens; everything typed is kept.
    expect(page.locator("body")).to_contain_text("Något behöver rättas")
    expect(page.locator("#id_tracks-0-name")).to_have_value("Spår 2: Pågående upphandling")
    ui.fill("Stänger", "2027-03-31")
    ui.submit(page.get_by_role("button", name="Spara"))
    ui.submit(page.get_by_role("button", name="Publicera utlysningen"))
    call = GrantCall.objects.get(reference_number="2027-00012")
    assert call.is_published and call.tracks.get().cap_for(2) == 400_000
    ui.goto("/checks/")
    expect(page.locator("body")).to_contain_text("Checkar 2027")

    # The admin gives a handler the right to decide (beslutsfattare).
    colleague = make_handler(email="kollega@verket.example.se", first_name="Kim", last_name="Kollega")
    ui.goto("/checks/manage/")
    ui.submit(page.get_by_role("link", name="Beslutsrätt"))
    ui.submit(page.get_by_role("button", name="Ge Kim Kollega beslutsrätt"))
    expect(page.locator("body")).to_contain_text("Kim Kollega får nu fatta beslut.")
    assert colleague.groups.filter(name="deciders").exists()

    handler = make_handler(email="handlaggare2@verket.example.se")
    application = make_application(state=Application.State.SUBMITTED)
    page = log_in(ui, handler)
    ui.goto("/checks/review/")
    page.get_by_label("Tilldelad").select_option("none")
    ui.submit(page.get_by_role("button", name="Filtrera"))
    ui.submit(page.get_by_role("link", name=application.reference))
    ui.submit(page.get_by_role("link", name="Anmäl jäv"))
    page.get_by_label("Alla ansökningar från organisationen").check()
    ui.fill("Skäl", "Min make arbetar i kommunen.")
    ui.submit(page.get_by_role("button", name="Anmäl jävet"))
    expect(page.get_by_role("link", name="Poängsätt ansökan")).to_be_hidden()
    expect(page.get_by_role("button", name="Tilldela mig")).to_be_hidden()
    expect(page.get_by_role("heading", name="Jäv")).to_be_visible()
    ui.goto("/checks/review/")
    expect(page.locator("body")).to_contain_text("Min make arbetar i kommunen.")
    # Only a portal admin lifts the conflict, with a reason; then the handler may be assigned again.
    page = log_in(ui, admin)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Häv jävet"))
    ui.submit(page.get_by_role("button", name="Häv jävet"))
    expect(page.locator("body")).to_contain_text("Något behöver rättas")
    ui.fill("Varför jävet inte längre föreligger", "Maken har bytt arbetsgivare.")
    ui.submit(page.get_by_role("button", name="Häv jävet"))
    expect(page.locator("body")).to_contain_text("Jävet är hävt.")
    expect(page.locator("body")).to_contain_text("Maken har bytt arbetsgivare.")
    page = log_in(ui, handler)
    ui.goto(f"/checks/review/{application.pk}/")
    expect(page.get_by_role("button", name="Tilldela mig")).to_be_visible()
    ui.goto(f"/checks/calls/{application.call.pk}/overview/")
    expect(page.locator("svg[role=img]")).to_be_visible()
