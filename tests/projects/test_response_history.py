"""Receipts, kept versions, sealed responses, drafts and the deadline on the response form
(projects.response_history)."""

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.files import attach_bytes, attachments_for
from portal.models import Mail
from portal.services import InvalidTransition, ServiceError
from projects import services
from projects.decision_support.selectors import decision_support_context, need_fingerprint
from projects.models import Call, Response
from projects.response_history.content import canonical_bytes, checksum_of, response_content
from projects.response_history.deadline import time_left
from projects.response_history.models import ResponseVersion
from tests.factories import make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory, ResponseFactory, with_questions

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"1" * 64


def _pdf(name="bilaga.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _cleaned(upload):
    return [(upload, upload.name, "application/pdf")]


@pytest.fixture
def call(buyer_org):
    return CallFactory(need=NeedFactory(organisation=buyer_org))


def _submit(call, company_org, company_user, **fields):
    data = {"summary": "Vår lösning.", "trl": 6, **fields}
    return services.save_response(call=call, organisation=company_org, by=company_user, submit=True, **data)


# --- the receipt ---------------------------------------------------------------------------------------------------


def test_the_receipt_states_the_time_and_a_checksum_that_can_be_recomputed(call, company_org, company_user):
    response = _submit(call, company_org, company_user, attachments=_cleaned(_pdf()))

    version = ResponseVersion.objects.get(response=response)
    receipt = Mail.objects.get(template="projects/mail/response_receipt")
    assert receipt.to == company_user.email
    assert receipt.subject == f"Kvitto: ert svar på {call.title}"
    recomputed = checksum_of(response_content(response))
    assert version.checksum == recomputed
    assert f"Kontrollsumma (SHA-256): {recomputed}" in receipt.body
    submitted = timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"Inskickat: {submitted} (svensk tid)" in receipt.body
    assert version.created_at == response.submitted_at


def test_the_receipt_is_in_the_senders_language(call, company_org):
    user = make_company_user()
    user.language = "en"
    user.save(update_fields=["language"])
    _submit(call, organisation_of(user), user)
    receipt = Mail.objects.get(template="projects/mail/response_receipt")
    assert receipt.subject == f"Receipt: your response to {call.title}"
    assert "Checksum (SHA-256): " in receipt.body


def test_the_checksum_covers_every_field_and_every_files_name_and_content(call, company_org, company_user):
    response = _submit(call, company_org, company_user)
    content = response_content(response)
    assert content["fields"] == {
        "summary": "Vår lösning.",
        "trl": 6,
        "description": "",
        "references": "",
        "price_indication": None,
    }
    assert content["answers"] == []
    assert canonical_bytes(content).startswith(b'{"answers":[],"attachments":[],"call":')
    without_file = checksum_of(content)
    attach_bytes(owner=response, content=PDF, filename="a.pdf")
    with_file = checksum_of(response_content(response))
    assert with_file != without_file
    assert response_content(response)["attachments"] == [{"name": "a.pdf", "sha256": hashlib.sha256(PDF).hexdigest()}]


def test_the_company_sees_the_same_checksum_and_time_on_its_response_page(client, call, company_org, company_user):
    response = _submit(call, company_org, company_user)
    version = response.versions.get()
    client.force_login(company_user)
    page = client.get(reverse("projects:response_detail", args=[response.pk])).content.decode()
    assert f'<code class="checksum">{version.checksum}</code>' in page
    received = timezone.localtime(version.created_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"Senaste kvitto: version 1, inkom {received} (svensk tid)." in page


def test_the_buyer_is_not_told_the_companys_name_while_the_responses_are_sealed(buyer_org, company_org, company_user):
    call = CallFactory(need=NeedFactory(organisation=buyer_org), responses_sealed=True)
    _submit(call, company_org, company_user)
    notice = Mail.objects.get(template="projects/mail/response_submitted")
    assert company_org.name not in notice.body
    assert "Svaren är förseglade till sista svarstid" in notice.body


# --- versions ----------------------------------------------------------------------------------------------------


def test_every_submission_and_every_change_of_a_submitted_response_is_kept(call, company_org, company_user):
    response = _submit(call, company_org, company_user, summary="Första texten.")
    _submit(call, company_org, company_user, summary="Andra texten.")
    _submit(call, company_org, company_user, summary="Andra texten.")  # nothing changed: nothing new to keep
    services.transition_response(response=response, to="withdrawn", by=company_user)
    services.transition_response(response=response, to="submitted", by=company_user)

    versions = list(response.versions.order_by("number"))
    assert [(v.number, v.submission, v.snapshot["fields"]["summary"]) for v in versions] == [
        (1, True, "Första texten."),
        (2, False, "Andra texten."),
        (3, True, "Andra texten."),
    ]
    assert versions[1].checksum == versions[2].checksum != versions[0].checksum
    assert Mail.objects.filter(template="projects/mail/response_receipt").count() == 3


def test_removing_a_file_from_a_submitted_response_is_a_new_version(call, company_org, company_user):
    response = _submit(call, company_org, company_user, attachments=_cleaned(_pdf()))
    attachment = attachments_for(response).get()
    services.remove_attachment(attachment=attachment, by=company_user)
    latest = response.versions.order_by("-number").first()
    assert latest.number == 2
    assert latest.snapshot["attachments"] == []


def _two_versions(call, company_org, company_user):
    response = _submit(call, company_org, company_user, summary="Vi bygger en gammal bro.")
    _submit(call, company_org, company_user, summary="Vi bygger en ny bro.", trl=7)
    return response


def test_the_buyer_sees_what_changed_between_versions(client, call, buyer, company_org, company_user):
    response = _two_versions(call, company_org, company_user)
    client.force_login(buyer)
    page = client.get(reverse("projects:response_version", args=[response.pk, 2])).content.decode()
    assert "Version 2 jämförd med version 1" in page
    assert (
        '<del><span class="visually-hidden">[borttaget: </span>gammal<span class="visually-hidden">]</span></del>'
        in page
    )
    assert '<ins><span class="visually-hidden">[tillagt: </span>ny<span class="visually-hidden">]</span></ins>' in page
    assert '<dt>Sammanfattning av lösningen <span class="status">ändrat</span></dt>' in page
    assert '<dt>Beskrivning <span class="muted">(oförändrat)</span></dt>' in page
    assert (
        '<dd class="diff"><del><span class="visually-hidden">[borttaget: </span>TRL 6 – tekniken demonstrerad i '
        'relevant miljö<span class="visually-hidden">]</span></del><ins><span class="visually-hidden">[tillagt: '
        "</span>TRL 7 – prototyp demonstrerad i verklig driftmiljö"
    ) in page
    detail = client.get(reverse("projects:response_detail", args=[response.pk])).content.decode()
    assert reverse("projects:response_version", args=[response.pk, 2]) in detail
    assert "Jämför version 2 med 1" in detail
    listing = client.get(reverse("projects:call_responses", args=[call.pk])).content.decode()
    at = timezone.localtime(response.versions.get(number=2).created_at).strftime("%Y-%m-%d %H:%M")
    link = reverse("projects:response_version", args=[response.pk, 2])
    assert f'<a href="{link}">Ändrat: version 2, {at}</a>' in listing


def test_the_company_sees_its_own_versions(client, call, company_org, company_user):
    response = _two_versions(call, company_org, company_user)
    client.force_login(company_user)
    page = client.get(reverse("projects:response_version", args=[response.pk, 1])).content.decode()
    assert "<h1>Version 1</h1>" in page
    assert '<dd class="diff">Vi bygger en gammal bro.</dd>' in page
    assert "<ins>" not in page


def test_nobody_else_sees_the_versions(client, call, company_org, company_user):
    response = _two_versions(call, company_org, company_user)
    for user in (make_buyer(), make_company_user()):
        client.force_login(user)
        assert client.get(reverse("projects:response_version", args=[response.pk, 2])).status_code == 404
    client.force_login(company_user)
    assert client.get(reverse("projects:response_version", args=[response.pk, 3])).status_code == 404


def test_the_versions_of_a_withdrawn_response_stay_with_the_buyer(client, call, buyer, company_org, company_user):
    # A withdrawal deletes nothing: what reached the buyer stays a public record, versions included.
    response = _two_versions(call, company_org, company_user)
    services.transition_response(response=response, to="withdrawn", by=company_user)
    client.force_login(buyer)
    assert client.get(reverse("projects:response_version", args=[response.pk, 1])).status_code == 200
    client.force_login(make_buyer())
    assert client.get(reverse("projects:response_version", args=[response.pk, 1])).status_code == 404


def test_the_response_page_makes_as_many_queries_for_many_versions_as_for_one(
    client, uncached_pages, call, buyer, company_org, company_user
):
    response = _submit(call, company_org, company_user, summary="Version 1")
    url = reverse("projects:response_detail", args=[response.pk])
    client.force_login(buyer)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    one = count()
    for n in range(2, 8):
        _submit(call, company_org, company_user, summary=f"Version {n}")
    assert count() == one


# --- sealed responses --------------------------------------------------------------------------------------------


@pytest.fixture
def sealed(buyer_org, company_org, company_user):
    call = CallFactory(need=NeedFactory(organisation=buyer_org), responses_sealed=True)
    response = _submit(call, company_org, company_user, summary="Hemlig lösning.", attachments=_cleaned(_pdf()))
    return SimpleNamespace(call=call, response=response, file=attachments_for(response).get())


def _sealed_urls(sealed):
    return [
        reverse("projects:response_detail", args=[sealed.response.pk]),
        reverse("projects:response_version", args=[sealed.response.pk, 1]),
        reverse("projects:call_responses_csv", args=[sealed.call.pk]),
        reverse("portal:attachment_download", args=[sealed.file.uuid]),
    ]


def test_the_buyer_cannot_open_a_sealed_response_before_the_deadline(client, buyer, company_org, sealed):
    client.force_login(buyer)
    for url in _sealed_urls(sealed):
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("projects:call_responses", args=[sealed.call.pk])).content.decode()
    assert "Svaren är förseglade" in page
    assert "1 svar har kommit in." in page
    assert company_org.name not in page
    assert "Hemlig lösning." not in page
    assert reverse("projects:response_detail", args=[sealed.response.pk]) not in page


def test_the_seal_lifts_at_the_deadline(client, buyer, company_org, sealed):
    Call.objects.filter(pk=sealed.call.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(buyer)
    for url in _sealed_urls(sealed):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("projects:call_responses", args=[sealed.call.pk])).content.decode()
    assert "Svaren är förseglade" not in page
    assert company_org.name in page


def test_the_company_reads_its_own_sealed_response(client, company_user, sealed):
    client.force_login(company_user)
    detail, version, _csv, download = _sealed_urls(sealed)
    for url in (detail, version, download):
        assert client.get(url).status_code == 200, url


def test_the_decision_document_leaves_out_sealed_responses_until_the_deadline(buyer_org, sealed):
    need = sealed.call.need
    open_call = CallFactory(need=need)
    ResponseFactory(call=open_call, summary="Öppen lösning.")
    context = decision_support_context(SimpleNamespace(need_id=need.pk))
    assert [r.summary for r in context["responses"]] == ["Öppen lösning."]
    sealed_fingerprint = need_fingerprint(need)
    Call.objects.filter(pk=sealed.call.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(seconds=1)
    )
    context = decision_support_context(SimpleNamespace(need_id=need.pk))
    assert sorted(r.summary for r in context["responses"]) == ["Hemlig lösning.", "Öppen lösning."]
    assert need_fingerprint(need) != sealed_fingerprint


def test_the_buyer_chooses_the_seal_on_the_call_form(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    client.force_login(buyer)
    page = client.get(reverse("projects:call_create", args=[need.pk])).content.decode()
    assert 'name="responses_sealed"' in page
    assert "Som anbud i en upphandling" in page
    opens = timezone.localtime() + timedelta(days=1)
    data = {
        "kind": "rfi",
        "title": "Förseglad förfrågan",
        "description": "Beskrivning.",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "responses_sealed": "on",
    }
    response = client.post(reverse("projects:call_create", args=[need.pk]), data)
    assert response.status_code == 302
    assert Call.objects.get(title="Förseglad förfrågan").responses_sealed is True
    page = client.get(reverse("projects:call_detail", args=[Call.objects.get(title="Förseglad förfrågan").pk]))
    assert "Den upphandlande organisationen håller svaren förseglade" in page.content.decode()


# --- drafts and the deadline ---------------------------------------------------------------------------------------


def test_a_draft_is_saved_with_empty_fields(client, call, company_user):
    client.force_login(company_user)
    response = client.post(
        reverse("projects:response_edit", args=[call.pk]),
        {"summary": "", "trl": "", "description": "Bara en början.", "draft": "1"},
    )
    assert response.status_code == 302
    draft = Response.objects.get()
    assert (draft.status, draft.summary, draft.trl, draft.description) == ("draft", "", None, "Bara en början.")
    assert not ResponseVersion.objects.exists()


def test_submitting_requires_the_summary_and_the_trl_next_to_the_fields(client, call, company_user):
    client.force_login(company_user)
    response = client.post(
        reverse("projects:response_edit", args=[call.pk]), {"description": "Text.", "trl": "", "submit": "1"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["summary"] == ["Skriv en sammanfattning av er lösning innan ni skickar in svaret."]
    assert form.errors["trl"] == ["Välj er lösnings TRL innan ni skickar in svaret."]
    assert not Response.objects.exists()


def test_an_incomplete_draft_cannot_be_submitted(call, company_org, company_user):
    draft = services.save_response(call=call, organisation=company_org, by=company_user, summary="Något")
    with pytest.raises(ServiceError) as error:
        services.transition_response(response=draft, to="submitted", by=company_user)
    assert error.value.field == "trl"
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_late_submission_is_refused_and_the_form_keeps_what_was_typed(client, call, company_org, company_user):
    client.force_login(company_user)
    assert client.get(reverse("projects:response_edit", args=[call.pk])).status_code == 200
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    response = client.post(
        reverse("projects:response_edit", args=[call.pk]),
        {"summary": "Sent men viktigt", "description": "Lång beskrivning.", "trl": "4", "submit": "1"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Förfrågan stängde" in page
    assert "så ert svar har varken sparats eller skickats in" in page
    assert "Sent men viktigt</textarea>" in page
    assert "Lång beskrivning.</textarea>" in page
    assert '<option value="4" selected>' in page
    assert not Response.objects.exists()


def test_a_refusal_by_the_service_keeps_what_was_typed(client, call, company_user, monkeypatch):
    def closed_meanwhile(**kwargs):
        raise InvalidTransition("Förfrågan har stängt; svaren kan inte längre ändras.")

    monkeypatch.setattr(services, "save_response", closed_meanwhile)
    client.force_login(company_user)
    response = client.post(
        reverse("projects:response_edit", args=[call.pk]), {"summary": "Min text", "trl": "5", "submit": "1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Förfrågan har stängt; svaren kan inte längre ändras." in page
    assert "Min text</textarea>" in page


def test_the_form_shows_the_deadline_and_the_time_left(client, buyer_org, company_user):
    closes = timezone.now() + timedelta(days=3, hours=4, minutes=30)
    call = CallFactory(need=NeedFactory(organisation=buyer_org), closes_at=closes)
    client.force_login(company_user)
    page = client.get(reverse("projects:response_edit", args=[call.pk])).content.decode()
    assert timezone.localtime(closes).strftime("%Y-%m-%d %H:%M") in page
    assert "3 dagar 4 timmar kvar" in page
    assert 'role="status"' not in page


def test_the_form_warns_when_the_deadline_is_near(client, buyer_org, company_user):
    call = CallFactory(
        need=NeedFactory(organisation=buyer_org), closes_at=timezone.now() + timedelta(hours=5, minutes=10, seconds=30)
    )
    client.force_login(company_user)
    page = client.get(reverse("projects:response_edit", args=[call.pk])).content.decode()
    assert "5 timmar 10 minuter kvar" in page
    assert (
        '<p class="message message-warning" role="status"><strong>Varning:</strong> '
        "Förfrågan stänger om mindre än 24 timmar." in page
    )


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=1), "1 day left"),
        (timedelta(days=2, hours=1, minutes=59), "2 days 1 hour left"),
        (timedelta(hours=3, minutes=1), "3 hours 1 minute left"),
        (timedelta(minutes=2, seconds=59), "2 minutes left"),
        (timedelta(seconds=30), "less than a minute left"),
    ],
)
def test_time_left_in_words(delta, text):
    from django.utils import translation

    with translation.override("en"):
        assert time_left(delta) == text


def test_the_responses_list_makes_as_many_queries_for_many_changed_responses_as_for_one(
    client, uncached_pages, call, buyer
):
    def changed_response():
        user = make_company_user()
        _submit(call, organisation_of(user), user, summary="Först.")
        _submit(call, organisation_of(user), user, summary="Sedan.")

    changed_response()
    url = reverse("projects:call_responses", args=[call.pk])
    client.force_login(buyer)
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as context:
            page = client.get(url)
        assert page.status_code == 200
        return len(context.captured_queries), page.content.decode().count("Ändrat: version 2")

    one = count()
    for _ in range(5):
        changed_response()
    assert count() == (one[0], 6)


def test_the_checksum_and_the_comparison_cover_the_answers_to_numbered_questions(call, company_org, company_user):
    with_questions(call, "Vilken lösning?", "Vilken TRL?")
    response = _submit(call, company_org, company_user)
    before = checksum_of(response_content(response))
    services.save_response(
        call=call, organisation=company_org, by=company_user, summary="Vår lösning.", trl=6, answers={2: "TRL 6."}
    )
    content = response_content(response)
    assert content["answers"] == [{"number": 2, "question": "Vilken TRL?", "text": "TRL 6."}]
    assert checksum_of(content) != before
    latest = response.versions.order_by("-number").first()
    assert latest.snapshot["answers"] == content["answers"]
