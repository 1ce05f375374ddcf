"""Issue 16's "Done when" in one browser walk, with axe on every page: a grant call handled by two handlers.

A verified public body's member applies in a published call; handler A (föredragande) assigns it to herself,
scores it and asks for a completion with a reply-by date; the applicant writes in the message thread, changes a
field and a budget line and sends the application back; A sees the message and what changed, and proposes approval
(she is not offered the decision); handler B (beslutsfattare) previews the letter and decides; the tagged PDF letter
names the authority, both people, the reasons and the call's appeal text; a correction (rättelse) decided the same
way gives a second letter while the first stays listed; after the handler ends the period the applicant reports
actual costs above the grant, and the handler's view of the report flags the overspend.
"""

import datetime
import io
import re

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from checks.models import Application, ApplicationSnapshot, DecisionLetter, HandlerNotice
from checks.notifications import send_handler_digests
from portal.models import Mail, Organisation
from tests.checks.factories import make_call, make_decider
from tests.e2e.labels import label
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_handler, organisation_of

AGENCY = "Verket för innovationscheckar"
APPEAL = "Beslutet kan överklagas hos förvaltningsrätten inom tre veckor från den dag då du fick del av beslutet."
REASONS = "Ansökan har tydlig innovationshöjd och en genomförbar plan för testbädden."
CORRECTION = "Fel belopp i beslutet: det sökta beloppet efter kompletteringen är 160 000 kr."
NBSP = "\u00a0"


def _as(ui, user):
    """Sign the browser in as `user` (signing in through the form is tested in test_signup.py)."""
    sign_in(ui.page.context, ui.base_url, user)
    return ui.page


def _sek(amount: int) -> str:
    return f"{amount:,}".replace(",", NBSP) + f"{NBSP}kr"


def _pdf(path) -> PdfReader:
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:5] == b"%PDF-"
    return PdfReader(io.BytesIO(data))


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _handler_notices(person) -> list[str]:
    """The subjects of the mails that told a handler of new work, in order."""
    return list(
        Mail.objects.filter(to=person.email, template="checks/mail/handler_notice")
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def _applicant_mails(person, template):
    return list(Mail.objects.filter(to=person.email, template=f"checks/mail/{template}").order_by("pk"))


def test_a_call_handled_by_two_handlers_from_application_to_final_report(ui, settings):
    settings.AGENCY_NAME = AGENCY
    settings.AGENCY_POSTAL_ADDRESS = "Box 123\n101 23 Stockholm"
    settings.AGENCY_ORG_NUMBER = "202100-1234"
    settings.AGENCY_EMAIL = "registrator@verket.example.se"
    settings.AGENCY_PHONE = "08-123 456 00"
    call = make_call(name="Innovationscheckar 2026", total_budget=2_000_000, appeal_text=APPEAL)
    applicant = make_buyer(email="kopare@kommun.example.se", first_name="Karin", last_name="Kommunsson")
    handler_a = make_handler(email="anna@verket.example.se", first_name="Anna", last_name="Andersson")
    handler_b = make_decider(email="bertil@verket.example.se", first_name="Bertil", last_name="Berg")
    assert organisation_of(applicant).kind == Organisation.Kind.PUBLIC_BODY
    assert organisation_of(applicant).status == Organisation.Status.VERIFIED
    today = timezone.localdate()

    # 0. Both handlers follow the call: A wants a mail at once, B one mail a day (the digest).
    for handler, mode in (
        (handler_a, "Ett mejl för varje händelse, direkt"),
        (handler_b, "Ett mejl om dagen med allt nytt (daglig sammanfattning)"),
    ):
        page = _as(ui, handler)
        ui.goto("/checks/review/")
        ui.submit(page.get_by_role("link", name=re.compile("^Inställningar för aviseringar")))
        page.get_by_label(mode).check()
        page.get_by_label(str(call)).check()
        ui.submit(page.get_by_role("button", name="Spara"))
        expect(page.locator("[data-messages]")).to_contain_text("Dina inställningar för aviseringar är sparade.")

    # 1. The applicant (a verified public body's member) applies in the published call.
    page = _as(ui, applicant)
    ui.goto("/checks/")
    ui.submit(page.get_by_role("link", name=call.name))
    ui.submit(page.get_by_role("link", name="Ansök om en innovationscheck"))
    page.get_by_label("Pågående upphandling").check()
    ui.fill("Titel", "Testbädd för fallsensorer")
    ui.fill("Syfte", "Att testa sensorer i en testbädd innan upphandlingen.")
    ui.fill("Bakgrund", "Fallolyckor är vanliga i hemtjänsten.")
    ui.fill("Förväntade resultat", "Funktionskrav till förfrågningsunderlaget.")
    ui.fill("Periodens början", (today - datetime.timedelta(days=30)).isoformat())
    ui.fill("Periodens slut", (today + datetime.timedelta(days=120)).isoformat())
    page.locator("#id_expertise-0-provider").fill("Sensorlabbet AB")
    page.locator("#id_expertise-0-competence").fill("Testbädd för sensorer")
    page.locator("#id_expertise-0-fee").fill("150 000")
    page.locator("#id_budget-0-kind").select_option("testbed")
    page.locator("#id_budget-0-description").fill("Testbädd tre månader")
    page.locator("#id_budget-0-amount").fill("150 000")
    ui.fill("Sökt belopp (kr)", "150 000 kr")
    ui.submit(page.get_by_role("button", name="Spara utkast"))
    expect(page.locator("body")).to_contain_text("Inget saknas")
    ui.submit(page.get_by_role("button", name="Skicka in ansökan"))
    application = Application.objects.get()
    assert application.state == Application.State.SUBMITTED
    assert application.requested_amount == 150_000
    expect(page.locator("body")).to_contain_text(application.reference)
    # The applicant's receipt.
    receipts = _applicant_mails(applicant, "state_changed")
    assert [m.subject for m in receipts] == [f"Innovationscheck {application.reference}: Inskickad"]
    # A is mailed at once; B's notice waits for the next morning's digest, which is sent once.
    arrived = f"Innovationscheck {application.reference}: En ny ansökan i en utlysning du följer"
    assert (_handler_notices(handler_a), _handler_notices(handler_b)) == ([arrived], [])
    morning = timezone.localtime() + datetime.timedelta(days=1)
    morning = morning.replace(hour=7, minute=30)
    assert send_handler_digests(now=morning) == 1
    assert send_handler_digests(now=morning) == 0
    (digest,) = Mail.objects.filter(to=handler_b.email, template="checks/mail/handler_digest")
    assert digest.subject == "Innovationscheckar: 1 ny händelse"
    assert application.reference in digest.body and "En ny ansökan i en utlysning du följer" in digest.body

    # 2. Handler A takes it, scores it and asks for a completion with a reply-by date.
    page = _as(ui, handler_a)
    ui.goto("/checks/review/")
    ui.submit(page.get_by_role("link", name=application.reference))
    ui.submit(page.get_by_role("button", name="Tilldela mig"))
    expect(page.locator("#handling-heading + dl")).to_contain_text("Anna Andersson")
    ui.submit(page.get_by_role("link", name="Poängsätt ansökan"))
    for criterion in call.criteria.all():
        page.locator(f"#id_score_{criterion.pk}").select_option("4")
    page.get_by_label("Kommentar: Innovationshöjd").fill("Tydlig innovationshöjd.")
    page.get_by_label("Bevilja").check()
    ui.submit(page.get_by_role("button", name="Spara bedömningen"))
    expect(page.locator("body")).to_contain_text("4,00")
    ui.submit(page.get_by_role("link", name="Begär komplettering"))
    reply_by = today + datetime.timedelta(days=14)
    ui.fill("Meddelande till den sökande", "Ange vad testbäddens analys av mätdata kostar.")
    ui.fill("Svara senast", reply_by.isoformat())
    ui.submit(page.get_by_role("button", name="Skicka begäran"))
    application.refresh_from_db()
    assert application.state == Application.State.COMPLETION_REQUESTED
    expect(page.locator("section:has(#reply-by-heading)")).to_contain_text(
        f"Den sökande ska skicka in den kompletterade ansökan senast {reply_by:%Y-%m-%d}."
    )
    assert application.assigned_to == handler_a

    # 3. The applicant sees the request and its deadline, writes in the thread, changes a field and the budget
    # line, and sends the application back.
    page = _as(ui, applicant)
    ui.goto(f"/checks/applications/{application.pk}/")
    expect(page.locator("body")).to_contain_text("Ange vad testbäddens analys av mätdata kostar.")
    expect(page.locator("body")).to_contain_text(f"Skicka in den kompletterade ansökan senast {reply_by:%Y-%m-%d}.")
    expect(page.locator("body")).not_to_contain_text("Tydlig innovationshöjd.")  # reviews stay internal
    ui.goto(f"/checks/applications/{application.pk}/messages/")
    page.get_by_label(label("Meddelande")).fill("Analysen kostar 10 000 kr; vi höjer budgetposten för testbädden.")
    ui.submit(page.get_by_role("button", name="Skicka", exact=True))
    expect(page.locator(".thread")).to_contain_text("Analysen kostar 10 000 kr; vi höjer budgetposten för testbädden.")
    ui.submit(page.get_by_role("link", name="Redigera ansökan"))
    ui.fill("Bakgrund", "Fallolyckor är vanliga i hemtjänsten. Mätdata analyseras av testbädden.")
    page.locator("#id_budget-0-amount").fill("160 000")
    ui.fill("Sökt belopp (kr)", "160 000")
    ui.submit(page.get_by_role("button", name="Spara ändringarna"))
    ui.submit(page.get_by_role("button", name="Skicka tillbaka till handläggarna"))
    application.refresh_from_db()
    assert application.state == Application.State.IN_REVIEW
    assert application.requested_amount == 160_000
    assert ApplicationSnapshot.objects.filter(application=application).count() >= 2
    # A is assigned, so she alone is told that the completion came back (B is not told of what A handles).
    returned = f"Innovationscheck {application.reference}: Sökanden har skickat in en komplettering"
    assert _handler_notices(handler_a)[-1] == returned
    assert not HandlerNotice.objects.filter(handler=handler_b, kind=HandlerNotice.Kind.RETURNED).exists()

    # 4. Handler A sees the message and what changed between the versions, then proposes approval; she is not
    # offered the decision (four eyes).
    page = _as(ui, handler_a)
    ui.goto(f"/checks/review/{application.pk}/")
    expect(page.locator(".thread")).to_contain_text("Analysen kostar 10 000 kr; vi höjer budgetposten för testbädden.")
    expect(page.locator(".thread")).to_contain_text("Från den sökande")
    changes = page.locator("section:has(#changes-heading)")
    expect(changes.get_by_role("heading", name="Vad den sökande har ändrat")).to_be_visible()
    expect(changes.locator("dl.diff-list")).to_contain_text("Bakgrund")
    expect(changes.locator("ins").first).to_contain_text("Mätdata analyseras av testbädden.")
    budget = changes.get_by_role("table", name="Budgetrader som har ändrats")
    expect(budget.locator("tbody tr")).to_have_count(1)
    expect(budget.locator("tbody tr td")).to_have_text(
        ["Ändrad", "Avgift för testbädd eller labb", "Testbädd tre månader", _sek(150_000), _sek(160_000)]
    )
    ui.submit(page.get_by_role("link", name="Föreslå beslut"))
    page.get_by_label("Beviljad").check()
    ui.fill("Beviljat belopp (kr)", "150 000")
    ui.fill("Motivering", REASONS)
    ui.submit(page.get_by_role("button", name="Spara förslaget"))
    expect(page.locator("body")).to_contain_text(
        "Du är föredragande för det här förslaget, så en annan handläggare med beslutsrätt måste fatta beslutet "
        "(fyraögonprincipen)."
    )
    expect(page.get_by_role("link", name="Besluta", exact=True)).to_have_count(0)
    # Nor does the decision page let her in by its address: she is sent back with the reason.
    ui.goto(f"/checks/review/{application.pk}/decide/")
    assert page.url.endswith(f"/checks/review/{application.pk}/")
    expect(page.locator("body")).to_contain_text(
        "Du är föredragande för förslaget, så en annan handläggare måste fatta beslutet (fyraögonprincipen)."
    )
    application.refresh_from_db()
    assert application.state == Application.State.IN_REVIEW
    # B, the decider, is told that a proposal awaits her (in her digest); A, who presented it, is not.
    assert HandlerNotice.objects.filter(handler=handler_b, kind=HandlerNotice.Kind.PROPOSAL).count() == 1
    assert not HandlerNotice.objects.filter(handler=handler_a, kind=HandlerNotice.Kind.PROPOSAL).exists()

    # 5. Handler B (beslutsfattare) previews the letter and confirms.
    page = _as(ui, handler_b)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Besluta", exact=True))
    expect(page.get_by_role("heading", name="Förhandsvisning av beslutsbrevet")).to_be_visible()
    preview = page.locator(".letter-preview")
    expect(preview).to_contain_text(AGENCY)
    expect(preview).to_contain_text(
        f"Beslutet har fattats av Bertil Berg (beslutsfattare) vid {AGENCY}. I den slutliga handläggningen har "
        "Anna Andersson deltagit (föredragande)."
    )
    expect(preview).to_contain_text(REASONS)
    expect(preview).to_contain_text(APPEAL)
    expect(preview).to_contain_text(_sek(150_000))
    expect(page.locator("body")).to_contain_text(applicant.email)
    ui.submit(page.get_by_role("button", name="Bekräfta och fatta beslut"))
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    assert application.decision.presented_by == handler_a and application.decision.decided_by == handler_b
    first_letter = DecisionLetter.objects.get(application=application)
    assert first_letter.is_ready  # without a broker the document task runs in-process as the decision commits

    # 6. The letter is downloaded: tagged, and it carries what förvaltningslagen asks of it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner beslutsbrevet (PDF)").click()
    reader = _pdf(download_info.value.path())
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and bool(catalog["/MarkInfo"]["/Marked"])
    text = _text(reader)
    for expected in (
        AGENCY,
        application.reference,
        "Bertil Berg (beslutsfattare)",
        "Anna Andersson deltagit (föredragande)",
        REASONS,
        APPEAL,
        "202100-1234",
    ):
        assert expected in text, f"{expected!r} is not in the letter: {text}"
    letter_mails = _applicant_mails(applicant, "decision_letter")
    assert [m.subject for m in letter_mails] == [f"Beslut om innovationscheck {application.reference}"]
    assert letter_mails[0].attachments[0]["mimetype"] == "application/pdf"

    # 7. A correction (rättelse): A proposes it with a reason, B confirms; a second letter, the first stays listed.
    page = _as(ui, handler_a)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Rätta beslutet"))
    ui.fill("Vad som rättas och varför", CORRECTION)
    ui.fill("Beviljat belopp (kr)", "160 000")
    ui.submit(page.get_by_role("button", name="Föreslå rättelsen"))
    expect(page.locator("body")).to_contain_text(
        "Rättelsen är föreslagen. Nu måste en annan handläggare med beslutsrätt fatta beslutet."
    )
    expect(page.get_by_role("link", name="Besluta", exact=True)).to_have_count(0)
    page = _as(ui, handler_b)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Besluta", exact=True))
    expect(page.locator(".letter-preview")).to_contain_text(CORRECTION)
    ui.submit(page.get_by_role("button", name="Bekräfta och fatta beslut"))
    application.refresh_from_db()
    assert application.decision.granted_amount == 160_000 and application.decision.corrects is not None
    letters = list(DecisionLetter.objects.filter(application=application).order_by("pk"))
    assert len(letters) == 2 and all(letter.is_ready for letter in letters)
    first_date = f"{timezone.localtime(first_letter.decision.decided_at):%Y-%m-%d}"
    decision_panel = page.locator("section:has(#decision-heading)")
    expect(decision_panel).to_contain_text(f"Rättar beslutet från {first_date}.")
    corrected = decision_panel.locator("article.card")
    expect(corrected.get_by_role("heading")).to_have_text(f"Rättat beslut från {first_date}")
    expect(corrected.get_by_role("link", name=f"Beslutsbrev, version {first_letter.version} (PDF)")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner beslutsbrevet (PDF)").click()
    text = _text(_pdf(download_info.value.path()))
    assert CORRECTION in text and "36 §" in text and APPEAL in text
    assert len(_applicant_mails(applicant, "decision_letter")) == 2

    # 8. The handler ends the period; the applicant reports actual costs above the grant; the handler sees it flagged.
    page = _as(ui, handler_a)
    ui.goto(f"/checks/review/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Avsluta projektperioden eller ange ett nytt slutdatum"))
    ui.fill("Skäl (antecknas i loggen)", "Testbädden har levererat sin rapport.")
    ui.submit(page.get_by_role("button", name="Ändra projektperiodens slut"))
    application.refresh_from_db()
    assert application.period_end == today - datetime.timedelta(days=1)

    page = _as(ui, applicant)
    ui.goto(f"/checks/applications/{application.pk}/")
    ui.submit(page.get_by_role("link", name="Skicka in slutrapporten"))
    ui.fill("Resultat", "Sensorerna fungerade i testbädden.")
    ui.fill("Vad expertisen ledde till", "En upphandling med funktionskrav har startat.")
    page.get_by_label("En upphandling har startat").check()
    page.get_by_label("Förfarande").select_option("open")
    page.locator(f"#id_actual_{application.budget_lines.get().pk}").fill("175 000")
    ui.submit(page.get_by_role("button", name="Skicka in slutrapporten"))
    application.refresh_from_db()
    assert application.state == Application.State.FINAL_REPORT_SUBMITTED
    assert _handler_notices(handler_a)[-1] == (
        f"Innovationscheck {application.reference}: En slutrapport har kommit in"
    )

    overspend = (
        f"De faktiska externa kostnaderna ({_sek(175_000)}) överstiger det beviljade beloppet ({_sek(160_000)}) "
        f"med {_sek(15_000)}."
    )
    page = _as(ui, handler_a)
    ui.goto(f"/checks/review/{application.pk}/")
    expect(page.locator("section:has(#report-heading) [role=note]")).to_have_text(overspend)
    ui.submit(page.get_by_role("link", name="Hantera slutrapporten"))
    expect(page.locator("[role=note]")).to_have_text(overspend)
    costs = page.get_by_role("table", name="Budgeterade och faktiska externa kostnader per budgetpost")
    expect(costs.locator("tfoot tr").first).to_contain_text(_sek(175_000))

    # The applicant was told of each step by mail (the mails that exist today), one per change of state.
    states = ["Inskickad", "Under granskning", "Komplettering begärd", "Under granskning", "Beviljad"]
    assert [m.subject for m in _applicant_mails(applicant, "state_changed")] == [
        f"Innovationscheck {application.reference}: {state}" for state in [*states, "Slutrapport inskickad"]
    ]
    completion_mail = _applicant_mails(applicant, "state_changed")[2]
    assert "Ange vad testbäddens analys av mätdata kostar." in completion_mail.body
    assert f"Svara senast: {reply_by:%Y-%m-%d}" in completion_mail.body
