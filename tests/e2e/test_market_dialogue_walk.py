"""The whole market dialogue in one browser walk, with axe on every page (the issue's "Done when"):

a buyer publishes a call with numbered questions, sealed responses and three meeting slots; two companies follow
it, book meetings, ask questions and answer with structured answers (one asks for secrecy for a passage); the
buyer moderates and publishes the answers together and amends the call with a new deadline and an attachment;
the followers are mailed; after the deadline the buyer compares the answers, produces a redacted release copy
and orders the decision-support document.
"""

import io
import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.models import Mail
from projects.decision_support.models import DecisionDocument
from projects.meetings.models import MeetingBooking, MeetingSlot
from projects.models import Call, Need, Question, Response
from projects.records.models import RecordRelease
from projects.records.selectors import release_pdf
from projects.response_history.models import ResponseVersion
from tests.e2e.labels import label
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_company_user, organisation_of

QUESTIONS = ["Hur mäter sensorn luftkvaliteten?", "Vad kostar en pilot med tio sensorer?"]
SECRET = "egenutvecklad laserkammare"
PDF = b"%PDF-1.4\n" + b"x" * 100


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _as(ui, user):
    """Sign the browser in as `user` (or out, for None); the sign-in form is walked in test_projects_flow."""
    ui.page.context.clear_cookies()
    if user is not None:
        sign_in(ui.page.context, ui.base_url, user)
    return ui.page


def _company(email, name):
    user = make_company_user(email=email)
    organisation = organisation_of(user)
    organisation.name = name
    organisation.save(update_fields=["name"])
    return user, organisation


def _mails(template, to):
    return list(Mail.objects.filter(template=f"projects/mail/{template}", to=to))


def _pdf_text(field_file) -> str:
    with field_file.open("rb") as handle:
        return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_the_whole_market_dialogue(ui, tmp_path):
    buyer = make_buyer(email="kopare@kommun.example.se")
    alfa, alfa_org = _company("salj@alfa.example.se", "Alfa Sensor AB")
    beta, beta_org = _company("info@beta.example.se", "Beta Miljö AB")
    now = timezone.now()

    # 1. The buyer registers and publishes a need, then a call with numbered questions and sealed responses.
    page = _as(ui, buyer)
    ui.goto("/needs/new/")
    ui.fill("Titel", "Luftkvalitet i parker")
    ui.fill("Sammanfattning", "Vi vill mäta luftkvaliteten i stadens parker.")
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    need = Need.objects.get(title="Luftkvalitet i parker")
    ui.submit(page.get_by_role("button", name="Publicera behovet"))
    ui.submit(page.get_by_role("link", name="Skapa en förfrågan till marknaden"))
    page.get_by_label("Informationsförfrågan (RFI)").check()
    ui.fill("Titel", "RFI: sensorer för luftkvalitet")
    ui.fill("Beskrivning", "Vi vill veta vilka sensorer marknaden kan erbjuda.")
    page.get_by_label(re.compile(r"^\s*Frågor till marknaden")).fill("\n".join(QUESTIONS))
    ui.fill("Öppnar", _local(now - timedelta(minutes=5)))
    ui.fill("Stänger", _local(now + timedelta(days=3)))
    page.get_by_label(re.compile("håll svaren förseglade till sista svarstid", re.I)).check()
    ui.submit(page.get_by_role("button", name="Spara", exact=True))
    ui.submit(page.get_by_role("button", name="Publicera förfrågan"))
    call = Call.objects.get(need=need)
    assert call.status == Call.Status.OPEN and call.responses_sealed
    expect(page.locator("ol.market-questions li")).to_have_text(QUESTIONS)
    call_path = f"/calls/{call.pk}/"

    # ... sets the booking cut-off and offers three consecutive meeting slots.
    ui.submit(page.get_by_role("link", name="Hantera dialogmötena"))
    ui.fill("Bokningen stänger", _local(now + timedelta(days=2)))
    ui.submit(page.get_by_role("button", name="Spara sista bokningstid"))
    first_start = timezone.localtime(now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    ui.fill("Start för första mötestiden", _local(first_start))
    ui.fill("Längd per mötestid (minuter)", "45")
    ui.fill("Antal mötestider i följd", "3")
    ui.fill("Plats", "Stadshuset, rum 3")
    ui.submit(page.get_by_role("button", name="Erbjud mötestiderna"))
    assert MeetingSlot.objects.filter(call=call).count() == 3
    slot_times = [f"{timezone.localtime(first_start + timedelta(minutes=45 * n)):%Y-%m-%d %H:%M}" for n in range(3)]

    # 2. Two companies follow the call, book different slots and ask a question each.
    for user, slot_time, free_before, question in (
        (alfa, slot_times[0], slot_times, "Vi på Alfa Sensor AB undrar: finns det el vid parkbänkarna?"),
        (beta, slot_times[1], slot_times[1:], "Får sensorerna monteras på befintliga lyktstolpar?"),
    ):
        page = _as(ui, user)
        ui.goto(call_path)
        ui.submit(page.get_by_role("button", name="Bevaka förfrågan"))
        expect(page.get_by_text("Du bevakar den här förfrågan")).to_be_visible()
        ui.submit(page.get_by_role("link", name="Boka ett möte"))
        # The slot another company has booked is not offered any more.
        offered = page.get_by_role("button", name=re.compile("^Boka "))
        expect(offered).to_have_count(len(free_before))
        for taken in set(slot_times) - set(free_before):
            expect(page.get_by_role("button", name=f"Boka {taken}")).to_have_count(0)
        ui.submit(page.get_by_role("button", name=f"Boka {slot_time}"))
        expect(page.locator("body")).to_contain_text("Mötet är bokat.")
        ui.goto(call_path)
        ui.fill("Din fråga", question)
        ui.submit(page.get_by_role("button", name="Skicka frågan"))
        expect(page.locator("body")).to_contain_text(question)
    bookings = MeetingBooking.objects.filter(slot__call=call, status=MeetingBooking.Status.BOOKED)
    assert {(b.organisation, f"{timezone.localtime(b.slot.starts_at):%Y-%m-%d %H:%M}") for b in bookings} == {
        (alfa_org, slot_times[0]),
        (beta_org, slot_times[1]),
    }

    # 3. Both answer every numbered question; Alfa asks for secrecy for a passage of its first answer.
    answers = {
        alfa: ("Optisk mätning i en " + SECRET + " med öppet API.", "Cirka 250 000 kr.", "250000", "7"),
        beta: ("Elektrokemiska celler som kalibreras varje månad.", "Omkring 180 000 kr.", "180000", "6"),
    }
    for user, (first, second, price, trl) in answers.items():
        page = _as(ui, user)
        ui.goto(call_path)
        ui.submit(page.get_by_role("link", name="Svara på förfrågan"))
        ui.fill("Sammanfattning av lösningen", f"Sensorer från {organisation_of(user).name}.")
        page.get_by_label(label("Er lösnings TRL")).select_option(trl)
        ui.fill("Prisindikation (kr)", price)
        page.get_by_label(f"1. {QUESTIONS[0]}").fill(first)
        page.get_by_label(f"2. {QUESTIONS[1]}").fill(second)
        ui.submit(page.get_by_role("button", name="Skicka in svaret"))
        expect(page.locator("body")).to_contain_text("Inskickat")
        response = Response.objects.get(call=call, organisation=organisation_of(user))
        assert response.status == Response.Status.SUBMITTED
        version = ResponseVersion.objects.filter(response=response).latest("number")
        (receipt,) = _mails("response_receipt", user.email)
        assert version.checksum in receipt.body and len(version.checksum) == 64
    alfa_response = Response.objects.get(call=call, organisation=alfa_org)

    page = _as(ui, alfa)
    ui.goto(f"/responses/{alfa_response.pk}/")
    ui.submit(page.get_by_role("link", name="Begär sekretess för delar av ert svar"))
    page.get_by_label("Del av svaret").select_option(label="Svar på fråga 1")
    ui.fill("Textavsnitt (frivilligt)", SECRET)
    ui.fill("Varför bör uppgiften hållas hemlig?", "Konstruktionen är vår affärshemlighet.")
    ui.submit(page.get_by_role("button", name="Spara begäran om sekretess"))
    expect(page.locator("table")).to_contain_text(SECRET)

    # 4. The buyer sees only that two sealed responses have arrived; a response's own page is not found.
    page = _as(ui, buyer)
    ui.goto(f"{call_path}responses/")
    sealed = page.get_by_role("region", name="Svaren är förseglade")
    expect(sealed).to_contain_text("2 svar har kommit in.")
    expect(sealed).to_contain_text(f"{timezone.localtime(call.closes_at):%Y-%m-%d %H:%M}")  # when the seal lifts
    expect(page.locator("main")).not_to_contain_text(alfa_org.name)
    expect(page.get_by_role("link", name="Jämför svaren fråga för fråga")).to_have_count(0)
    assert page.goto(ui.url(f"/responses/{alfa_response.pk}/")).status == 404
    ui.audit()

    # ... moderates: takes the company's name out of the public wording, answers both, publishes them together.
    ui.goto(call_path)
    ui.submit(page.get_by_role("link", name=re.compile(r"Granska frågorna \(2 väntar\)")))
    for asked, wording, reply in (
        ("Alfa Sensor AB", "Finns det el vid parkbänkarna?", "Ja, 230 V vid varannan bänk."),
        ("lyktstolpar", "Får sensorerna monteras på befintliga lyktstolpar?", "Ja, med kommunens fästen."),
    ):
        item = page.locator("article.question-item", has_text=asked)
        ui.submit(item.get_by_role("link", name="Besvara frågan"))
        ui.fill("Offentlig formulering", wording)
        ui.fill("Svar", reply)
        ui.submit(page.get_by_role("button", name="Spara", exact=True))
    for checkbox in page.get_by_label("Publicera frågan och svaret").all():
        checkbox.check()
    ui.submit(page.get_by_role("button", name="Publicera valda"))
    expect(page.locator("body")).to_contain_text("2 frågor med svar är publicerade.")
    assert Question.objects.filter(call=call, status="published").count() == 2
    for user in (alfa, beta):
        assert len(_mails("answers_published", user.email)) == 1

    # Anyone sees the published questions and answers, without the name of the company that asked.
    page = _as(ui, None)
    ui.goto(call_path)
    expect(page.locator("main")).to_contain_text("Finns det el vid parkbänkarna?")
    expect(page.locator("main")).to_contain_text("Ja, med kommunens fästen.")
    expect(page.locator("main")).not_to_contain_text("Alfa Sensor AB")

    # 5. The buyer amends the call: a correction, a later deadline and a new attachment; the followers are mailed.
    page = _as(ui, buyer)
    ui.goto(call_path)
    ui.submit(page.get_by_role("link", name="Publicera ett ändringsmeddelande"))
    ui.fill("Ändringstext", "Vi lägger till en karta över parkerna och förlänger svarstiden.")
    new_deadline = call.closes_at + timedelta(days=4)
    ui.fill("Sista svarstid", _local(new_deadline))
    karta = tmp_path / "karta-over-parkerna.pdf"
    karta.write_bytes(PDF)
    ui.field("Nya bilagor").set_input_files(str(karta))
    ui.submit(page.get_by_role("button", name="Publicera ändringsmeddelandet"))
    assert page.url == ui.url(f"{call_path}#amendments")  # the call page lists the amendment
    expect(page.get_by_role("heading", name=re.compile(r"^Ändringsmeddelande 1, "))).to_be_visible()
    expect(page.get_by_role("link", name="karta-over-parkerna.pdf")).to_be_visible()
    call.refresh_from_db()
    assert _local(call.closes_at) == _local(new_deadline)
    for user in (alfa, beta):
        assert len(_mails("call_amended", user.email)) == 1
    # Anyone sees the amendment, the new deadline and the new file (not an earlier copy of the page).
    page = _as(ui, None)
    ui.goto(call_path)
    expect(page.get_by_role("heading", name=re.compile(r"^Ändringsmeddelande 1, "))).to_be_visible()
    expect(page.get_by_role("link", name="karta-over-parkerna.pdf")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"{timezone.localtime(new_deadline):%Y-%m-%d %H:%M}")
    page = _as(ui, buyer)

    # 6. After the deadline (the clock moved in the database the server shares): the first meeting was held.
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    alfa_booking = bookings.get(organisation=alfa_org)
    started = timezone.now() - timedelta(hours=2)
    MeetingSlot.objects.filter(pk=alfa_booking.slot_id).update(starts_at=started, ends_at=started + timedelta(hours=1))
    ui.goto(f"{call_path}meetings/")
    ui.submit(page.get_by_role("link", name=alfa_org.name))
    page.get_by_label(label("Genomfört")).check()
    ui.submit(page.get_by_role("button", name="Spara utfallet"))
    alfa_booking.refresh_from_db()
    assert alfa_booking.is_held

    # The buyer compares the answers question by question, with the price indications.
    ui.goto(f"{call_path}responses/")
    ui.submit(page.get_by_role("link", name="Jämför svaren fråga för fråga"))
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["Prisindikation och TRL", f"1. {QUESTIONS[0]}", f"2. {QUESTIONS[1]}"]
    )
    prices = page.get_by_role("region", name="Prisindikation och TRL")
    expect(prices.get_by_role("row", name=re.compile("Alfa Sensor AB"))).to_contain_text("250 000 kr")
    expect(prices.get_by_role("row", name=re.compile("Beta Miljö AB"))).to_contain_text("180 000 kr")
    second = page.get_by_role("region", name=f"2. {QUESTIONS[1]}")
    expect(second.get_by_role("row", name=re.compile("Alfa Sensor AB"))).to_contain_text("Cirka 250 000 kr.")
    expect(second.get_by_role("row", name=re.compile("Beta Miljö AB"))).to_contain_text("Omkring 180 000 kr.")

    # ... opens Alfa's response, sees the secrecy request and releases a copy with the passage redacted.
    ui.goto(f"/responses/{alfa_response.pk}/")
    expect(page.locator("#secrecy mark")).to_have_text(SECRET)
    ui.submit(page.get_by_role("link", name="Ta fram en kopia för utlämnande"))
    ui.fill("Begäran inkom", f"{timezone.localdate():%Y-%m-%d}")
    ui.fill("Diarienummer för begäran", "KS 2026/77")
    page.get_by_label("Den som begär handlingen är anonym").check()
    page.get_by_label("Maskera (sekretess gäller)").check()
    ui.submit(page.get_by_role("button", name="Ta fram kopian för utlämnande"))
    expect(page.locator("#record-releases")).to_contain_text("KS 2026/77")
    release_text = _pdf_text(release_pdf(RecordRelease.objects.get()).file)
    assert SECRET not in release_text
    assert "[Sekretess – OSL 31:16]" in release_text and "med öppet API" in release_text

    # ... and orders the decision-support document (rendered in-process as the order commits, no broker).
    ui.goto(f"/needs/{need.pk}/")
    panel = page.locator("#decision-documents")
    ui.submit(panel.get_by_role("button", name="Beställ beslutsunderlag"))
    expect(page.locator("#decision-documents")).to_contain_text("Version 1 är klar.")
    document = DecisionDocument.objects.get(need=need)
    text = _pdf_text(document.file)
    assert "Vi lägger till en karta över parkerna" in text  # the amendment
    assert "karta-over-parkerna.pdf" in text
    assert "Genomförda dialogmöten med företag: 1." in text  # the meetings
    for question in QUESTIONS:
        assert question in text  # the answers, question by question
    assert "Elektrokemiska celler" in text and "Omkring 180 000 kr." in text
