"""Amendments (ändringsmeddelanden) to open calls: the service's rules, the buyer's form, the public call page, the
company's notice that the call changed, the decision support and the mails."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.audit import AuditAction
from portal.files import attach_bytes, attachments_for
from portal.models import AuditEntry, Mail
from portal.services import InvalidTransition, ServiceError
from projects.amendments import services
from projects.amendments.models import Amendment, AmendmentFile
from projects.amendments.selectors import amended_since_saved
from projects.decision_support.selectors import decision_support_context
from projects.models import Call, Response
from tests.factories import CompanyUserFactory, make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory, closed_call, draft_call

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"x" * 100


def _pdf(name="rattad.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _cleaned(name="rattad.pdf"):
    """A file as AttachmentsField cleans it: (upload, clean name, MIME type)."""
    return (_pdf(name), name, "application/pdf")


@pytest.fixture
def call(buyer_org):
    return CallFactory(need=NeedFactory(organisation=buyer_org))


# --- the service -------------------------------------------------------------------------------------------------


def test_amendments_are_numbered_per_call_and_dated(call, buyer):
    first = services.amend_call(call=call, by=buyer, text="  Bilaga 2 är rättad.  ")
    second = services.amend_call(call=call, by=buyer, text="Fler frågor till marknaden.")
    other = services.amend_call(call=CallFactory(need=call.need), by=buyer, text="Annan förfrågan.")

    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.text == "Bilaga 2 är rättad."
    assert first.created_at <= second.created_at <= timezone.now()
    assert first.closes_at is None and first.previous_closes_at == call.closes_at


def test_an_amendment_writes_an_audit_row(call, buyer):
    new_close = call.closes_at + timedelta(days=7)
    services.amend_call(call=call, by=buyer, text="Förlängd svarstid.", closes_at=new_close)

    entry = AuditEntry.objects.get(action=AuditAction.CALL_AMENDED)
    assert entry.actor == buyer
    assert entry.object_id == str(call.pk)
    assert entry.details["number"] == 1
    assert entry.details["to"] == f"{timezone.localtime(new_close):%Y-%m-%d %H:%M}"


def test_an_extension_moves_the_closing_time(call, buyer):
    ResponseFactory(call=call, status=Response.Status.SUBMITTED)
    later = call.closes_at + timedelta(days=3)

    amendment = services.amend_call(call=call, by=buyer, text="Tre dagar till.", closes_at=later)

    call.refresh_from_db()
    assert call.closes_at == later
    assert amendment.closes_at == later


def test_the_deadline_may_be_shortened_while_nobody_has_responded(call, buyer):
    earlier = timezone.now() + timedelta(days=2)
    ResponseFactory(call=call, status=Response.Status.WITHDRAWN)  # a withdrawn response is not a response here

    services.amend_call(call=call, by=buyer, text="Kortare tid.", closes_at=earlier)

    call.refresh_from_db()
    assert call.closes_at == earlier


@pytest.mark.parametrize("status", [Response.Status.DRAFT, Response.Status.SUBMITTED])
def test_the_deadline_is_never_shortened_once_a_response_exists(call, buyer, status):
    ResponseFactory(call=call, status=status)
    before = call.closes_at

    with pytest.raises(ServiceError) as raised:
        services.amend_call(call=call, by=buyer, text="Kortare tid.", closes_at=before - timedelta(days=1))

    assert raised.value.field == "closes_at"
    assert str(raised.value.message) == (
        "Företag har redan börjat svara, så sista svarstiden kan bara flyttas framåt, inte tidigareläggas."
    )
    call.refresh_from_db()
    assert call.closes_at == before
    assert not Amendment.objects.exists()


def test_the_deadline_cannot_move_into_the_past(call, buyer):
    with pytest.raises(ServiceError) as raised:
        services.amend_call(call=call, by=buyer, text="Fel.", closes_at=timezone.now() - timedelta(minutes=1))

    assert raised.value.field == "closes_at"
    assert str(raised.value.message) == "Den nya sista svarstiden har redan passerat. Välj en senare tid."


def test_the_deadline_must_be_in_the_portals_date_range(call, buyer):
    far = timezone.now().replace(year=2101)

    with pytest.raises(ServiceError) as raised:
        services.amend_call(call=call, by=buyer, text="Långt fram.", closes_at=far)

    assert raised.value.field == "closes_at"
    assert str(raised.value.message) == "Ange ett datum från 2000-01-01 till 2100-12-31."


@pytest.mark.parametrize("text", ["", "   \n "])
def test_an_amendment_needs_a_text(call, buyer, text):
    with pytest.raises(ServiceError) as raised:
        services.amend_call(call=call, by=buyer, text=text)

    assert raised.value.field == "text"
    assert not Amendment.objects.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (closed_call, "Förfrågan har stängt och kan inte längre ändras."),
        (
            lambda **kw: CallFactory(status=Call.Status.CANCELLED, cancel_reason="Behovet försvann.", **kw),
            "Förfrågan har ställts in och kan inte längre ändras.",
        ),
        (
            draft_call,
            "Bara en öppen förfrågan kan få ändringsmeddelanden. "
            "Innan den öppnar ändrar ni förfrågan direkt i stället.",
        ),
    ],
)
def test_only_an_open_call_can_be_amended(buyer, buyer_org, make, message):
    call = make(need=NeedFactory(organisation=buyer_org))

    with pytest.raises(InvalidTransition) as raised:
        services.amend_call(call=call, by=buyer, text="Ändring.")

    assert str(raised.value.message) == message


def test_a_call_closed_by_its_dates_before_the_task_ran_cannot_be_amended(buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org), closes_at=timezone.now() - timedelta(seconds=1))
    assert call.status == Call.Status.OPEN  # stored state; the clock says closed

    with pytest.raises(InvalidTransition):
        services.amend_call(call=call, by=buyer, text="För sent.")


def test_a_replaced_file_is_kept_and_marked(call, buyer):
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")

    amendment = services.amend_call(
        call=call, by=buyer, text="Ny bilaga.", attachments=[_cleaned("extra.pdf")], replacements={old.pk: _cleaned()}
    )

    files = {each.attachment.filename: each for each in AmendmentFile.objects.filter(amendment=amendment)}
    assert set(files) == {"extra.pdf", "rattad.pdf"}
    assert files["rattad.pdf"].replaces == old
    assert files["extra.pdf"].replaces is None
    assert sorted(a.filename for a in attachments_for(call)) == ["bilaga.pdf", "extra.pdf", "rattad.pdf"]
    old.refresh_from_db()
    assert old.file.read().startswith(b"%PDF")  # never deleted: a public record
    assert [a.filename for a in services.current_attachments(call)] == ["extra.pdf", "rattad.pdf"]


def test_a_file_already_replaced_or_of_another_call_cannot_be_replaced(call, buyer):
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    services.amend_call(call=call, by=buyer, text="Ny bilaga.", replacements={old.pk: _cleaned()})
    foreign = attach_bytes(owner=CallFactory(), content=PDF, filename="annan.pdf")

    for attachment in (old, foreign):
        with pytest.raises(ServiceError) as raised:
            services.amend_call(call=call, by=buyer, text="Igen.", replacements={attachment.pk: _cleaned()})
        assert raised.value.field == f"replace_{attachment.pk}"
    assert Amendment.objects.filter(call=call).count() == 1


def test_an_amendment_whose_files_outlast_the_deadline_is_refused(buyer, buyer_org, monkeypatch):
    call = CallFactory(need=NeedFactory(organisation=buyer_org), closes_at=timezone.now() + timedelta(seconds=30))
    real_attach = services.attach_files

    def slow_attach(**kwargs):  # a large file being stored while the call closes
        stored = real_attach(**kwargs)
        monkeypatch.setattr(services, "database_now", lambda: call.closes_at + timedelta(seconds=1))
        return stored

    monkeypatch.setattr(services, "attach_files", slow_attach)

    with pytest.raises(InvalidTransition):
        services.amend_call(
            call=call, by=buyer, text="Sent.", closes_at=call.closes_at + timedelta(days=1), attachments=[_cleaned()]
        )


# --- mails -------------------------------------------------------------------------------------------------------


def test_an_amendment_is_mailed_to_every_participant_in_their_language(call, buyer):
    drafting = make_company_user(email="utkast@example.org")
    english = make_company_user(email="english@example.org", language="en")
    asking = make_company_user(email="fraga@example.org")
    bystander = make_company_user(email="ingen@example.org")
    ResponseFactory(call=call, organisation=organisation_of(drafting), status=Response.Status.DRAFT)
    ResponseFactory(call=call, organisation=organisation_of(english), status=Response.Status.SUBMITTED)
    QuestionFactory(call=call, organisation=organisation_of(asking))
    later = call.closes_at + timedelta(days=5)

    services.amend_call(call=call, by=buyer, text="Bilaga 2 är rättad.", closes_at=later)

    mails = {mail.to: mail for mail in Mail.objects.filter(template="projects/mail/call_amended")}
    assert set(mails) == {"utkast@example.org", "english@example.org", "fraga@example.org"}
    assert bystander.email not in mails
    swedish, in_english = mails["utkast@example.org"], mails["english@example.org"]
    assert swedish.subject == f"Ändringsmeddelande 1 i förfrågan {call.title}"
    assert "Bilaga 2 är rättad." in swedish.body
    assert f"Ny sista svarstid: {timezone.localtime(later):%Y-%m-%d %H:%M}" in swedish.body
    assert f"/calls/{call.pk}/#amendments" in swedish.body
    assert in_english.language == "en"
    assert in_english.subject == f"Amendment 1 to the call {call.title}"
    assert f"New closing time: {timezone.localtime(later):%Y-%m-%d %H:%M}" in in_english.body
    assert "To get no more mail about this call" in in_english.body
    assert f"/calls/{call.pk}/stop-notices/" in in_english.body
    assert in_english.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert in_english.headers["List-Unsubscribe"].startswith("<http")


def test_the_amendment_mail_names_added_and_replaced_files(call, buyer):
    user = make_company_user()
    ResponseFactory(call=call, organisation=organisation_of(user), status=Response.Status.DRAFT)
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")

    services.amend_call(
        call=call, by=buyer, text="Filer.", attachments=[_cleaned("extra.pdf")], replacements={old.pk: _cleaned()}
    )

    body = Mail.objects.get(template="projects/mail/call_amended").body
    assert "- extra.pdf tillagd" in body
    assert "- rattad.pdf ersätter bilaga.pdf" in body


# --- the buyer's form --------------------------------------------------------------------------------------------


def _amend_url(call):
    return reverse("projects:call_amend", args=[call.pk])


def test_the_buyer_publishes_an_amendment_with_files(client, call, buyer):
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    client.force_login(buyer)
    later = timezone.localtime(call.closes_at + timedelta(days=2)).replace(second=0, microsecond=0)

    page = client.get(_amend_url(call))
    assert page.status_code == 200
    assert "Ersätt bilaga.pdf" in page.content.decode()

    response = client.post(
        _amend_url(call),
        {
            "text": "Bilaga 1 är ersatt.",
            "closes_at": f"{later:%Y-%m-%dT%H:%M}",
            "attachments": [_pdf("ny.pdf")],
            f"replace_{old.pk}": _pdf(),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:call_detail", args=[call.pk]) + "#amendments"
    amendment = Amendment.objects.get(call=call)
    assert amendment.closes_at == later
    assert amendment.files.count() == 2
    assert AmendmentFile.objects.get(replaces=old).attachment.filename == "rattad.pdf"


def test_the_unchanged_closing_time_of_the_form_is_no_change(client, call, buyer):
    ResponseFactory(call=call, status=Response.Status.DRAFT)  # a shortening would be refused
    client.force_login(buyer)
    shown = timezone.localtime(call.closes_at)

    response = client.post(_amend_url(call), {"text": "Bara text.", "closes_at": f"{shown:%Y-%m-%dT%H:%M}"})

    assert response.status_code == 302
    before = call.closes_at
    call.refresh_from_db()
    assert call.closes_at == before
    assert Amendment.objects.get(call=call).closes_at is None


def test_bad_input_on_the_form_keeps_what_was_typed(client, call, buyer):
    ResponseFactory(call=call, status=Response.Status.SUBMITTED)
    client.force_login(buyer)
    earlier = timezone.localtime(call.closes_at - timedelta(days=1))

    response = client.post(_amend_url(call), {"text": "Min ändring.", "closes_at": f"{earlier:%Y-%m-%dT%H:%M}"})

    assert response.status_code == 200
    assert response.context["form"].errors["closes_at"] == [
        "Företag har redan börjat svara, så sista svarstiden kan bara flyttas framåt, inte tidigareläggas."
    ]
    assert "Min ändring." in response.content.decode()
    assert not Amendment.objects.exists()


def test_an_empty_text_is_refused_next_to_the_field(client, call, buyer):
    client.force_login(buyer)

    response = client.post(_amend_url(call), {"text": "", "closes_at": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["Skriv ändringstexten: vad som har ändrats och varför."]
    assert not Amendment.objects.exists()


def test_a_past_time_on_the_form_is_refused(client, call, buyer):
    client.force_login(buyer)
    past = timezone.localtime(timezone.now() - timedelta(hours=1))

    response = client.post(_amend_url(call), {"text": "Fel tid.", "closes_at": f"{past:%Y-%m-%dT%H:%M}"})

    assert response.status_code == 200
    assert response.context["form"].errors["closes_at"] == [
        "Den nya sista svarstiden har redan passerat. Välj en senare tid."
    ]


def test_a_too_large_file_is_refused_with_a_message(client, call, buyer, settings):
    settings.MAX_UPLOAD_SIZE = 50
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    client.force_login(buyer)

    response = client.post(
        _amend_url(call),
        {"text": "Stora filer.", "attachments": [_pdf("stor.pdf")], f"replace_{old.pk}": _pdf("stor2.pdf")},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "attachments" in errors and f"replace_{old.pk}" in errors
    assert "största tillåtna" in errors[f"replace_{old.pk}"][0]
    assert "Stora filer." in response.content.decode()
    assert not Amendment.objects.exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (closed_call, "Förfrågan har stängt och kan inte längre ändras."),
        (
            lambda **kw: CallFactory(status=Call.Status.CANCELLED, cancel_reason="Skäl.", **kw),
            "Förfrågan har ställts in och kan inte längre ändras.",
        ),
    ],
)
def test_the_buyer_is_told_why_a_closed_or_cancelled_call_cannot_be_amended(client, buyer, buyer_org, make, message):
    call = make(need=NeedFactory(organisation=buyer_org))
    client.force_login(buyer)

    for method in (client.get, client.post):
        response = method(_amend_url(call), {"text": "Ändring."} if method == client.post else None, follow=True)
        assert response.redirect_chain[0] == (reverse("projects:call_detail", args=[call.pk]), 302)
        assert message in [str(m) for m in response.context["messages"]]
    assert not Amendment.objects.exists()


def test_another_organisations_call_cannot_be_amended(client, call):
    client.force_login(make_buyer())

    assert client.get(_amend_url(call)).status_code == 404
    assert client.post(_amend_url(call), {"text": "Inte min."}).status_code == 404
    assert not Amendment.objects.exists()


def test_a_company_cannot_amend(client, call):
    client.force_login(make_company_user())

    assert client.post(_amend_url(call), {"text": "Inte min."}).status_code == 404


# --- what others see ---------------------------------------------------------------------------------------------


def test_the_call_page_lists_the_amendments_and_marks_replaced_files(client, call, buyer):
    old = attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    later = call.closes_at + timedelta(days=1)
    services.amend_call(call=call, by=buyer, text="Första ändringen.", closes_at=later)
    services.amend_call(call=call, by=buyer, text="Andra ändringen.", replacements={old.pk: _cleaned()})

    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()

    assert 'id="amendments"' in page
    assert "Första ändringen." in page and "Andra ändringen." in page
    assert page.index("Första ändringen.") < page.index("Andra ändringen.")
    assert f"Ny sista svarstid: {timezone.localtime(later):%Y-%m-%d %H:%M}" in page
    assert "Ersatt genom ändringsmeddelande 2" in page
    assert "(tillagd genom ändringsmeddelande 2)" in page
    assert "rattad.pdf ersätter bilaga.pdf" in page
    assert "Publicera ett ändringsmeddelande" not in page  # a visitor


def test_the_buyer_sees_the_button_while_the_call_is_open(client, call, buyer):
    client.force_login(buyer)
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert _amend_url(call) in page

    closed = closed_call(need=call.need)
    page = client.get(reverse("projects:call_detail", args=[closed.pk])).content.decode()
    assert _amend_url(closed) not in page


def test_a_company_that_saved_before_the_amendment_is_told_the_call_changed(client, call, buyer):
    company = make_company_user()
    response = ResponseFactory(call=call, organisation=organisation_of(company), status=Response.Status.DRAFT)
    client.force_login(company)
    notice = "Förfrågan har ändrats sedan ert svar senast sparades"
    assert notice not in client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()

    services.amend_call(call=call, by=buyer, text="Ändrat.")

    for url in (
        reverse("projects:call_detail", args=[call.pk]),
        reverse("projects:response_edit", args=[call.pk]),
        reverse("projects:response_detail", args=[response.pk]),
    ):
        page = client.get(url).content.decode()
        assert notice in page, url
        assert f"/calls/{call.pk}/#amendments" in page
    assert amended_since_saved(response).number == 1

    response.save()  # saved again after reading the amendment
    assert amended_since_saved(response) is None
    assert notice not in client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()


def test_a_withdrawn_response_gets_no_changed_notice(call, buyer):
    response = ResponseFactory(call=call, status=Response.Status.WITHDRAWN)
    services.amend_call(call=call, by=buyer, text="Ändrat.")
    assert amended_since_saved(response) is None


def test_the_decision_support_lists_the_amendments(call, buyer):
    services.amend_call(call=call, by=buyer, text="Rättelse av bilaga.")
    services.amend_call(call=call, by=buyer, text="Förlängning.", closes_at=call.closes_at + timedelta(days=2))
    document = type("Document", (), {"need_id": call.need_id})()

    context = decision_support_context(document)

    assert [(a.call_id, a.number, a.text) for a in context["amendments"]] == [
        (call.pk, 1, "Rättelse av bilaga."),
        (call.pk, 2, "Förlängning."),
    ]


def test_the_decision_support_document_shows_the_amendments(call, buyer):
    from django.template.loader import render_to_string
    from django.utils import translation

    services.amend_call(call=call, by=buyer, text="Rättelse av bilaga 3.")
    document = type("Document", (), {"need_id": call.need_id})()
    with translation.override("sv"):
        html = render_to_string("projects/amendments/decision_support.html", decision_support_context(document))

    assert "Ändringsmeddelanden i förfrågningarna" in html
    assert "Rättelse av bilaga 3." in html


def test_company_users_of_other_companies_do_not_see_a_changed_notice(client, call, buyer):
    ResponseFactory(call=call, status=Response.Status.DRAFT)
    services.amend_call(call=call, by=buyer, text="Ändrat.")
    client.force_login(CompanyUserFactory())

    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()

    assert "Förfrågan har ändrats sedan ert svar senast sparades" not in page
