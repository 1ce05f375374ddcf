import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.files import attachments_for
from portal.models import OutboxMessage
from projects.cpv import load_divisions
from projects.models import Call, MarketGapAssessment, Need, Question, Response
from tests.factories import make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory, ResponseFactory, closed_call, draft_call, profile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"x" * 100


def _login(client, user):
    client.force_login(user)
    return client


# --- needs -------------------------------------------------------------------------------------------------------


def test_buyer_creates_a_need_with_cpv_codes(client, buyer):
    load_divisions()
    response = _login(client, buyer).post(
        reverse("projects:need_create"),
        {
            "title": "Solceller",
            "summary": "Kort",
            "category": "energi",
            "themes": ["hallbarhet", "resiliens"],
            "cpv": "09000000, 45000000-7",
            "stage": "behov",
            "estimated_value": "1000000",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("projects:need_detail", args=[need.pk])
    assert need.themes == ["hallbarhet", "resiliens"]
    assert sorted(need.cpv_codes.values_list("code", flat=True)) == ["09000000", "45000000"]
    assert need.author == buyer and need.visibility == "draft"


def test_an_unknown_cpv_code_is_reported_next_to_the_field_and_input_is_kept(client, buyer):
    load_divisions()
    response = _login(client, buyer).post(
        reverse("projects:need_create"),
        {"title": "Mitt behov", "summary": "Kort", "category": "energi", "cpv": "12345678", "stage": "behov"},
    )
    assert response.status_code == 200
    assert "Det finns ingen CPV-kod 12345678." in response.content.decode()
    assert 'value="Mitt behov"' in response.content.decode()
    assert not Need.objects.exists()


def test_unverified_buyer_cannot_create_needs(client):
    from tests.factories import make_member

    user = make_member(status="pending")
    assert _login(client, user).get(reverse("projects:need_create")).status_code == 403


def test_buyer_of_another_organisation_gets_404_for_a_draft_need(client):
    draft = NeedFactory(visibility="draft")
    assert _login(client, make_buyer()).get(reverse("projects:need_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("projects:need_edit", args=[draft.pk])).status_code == 404


def test_need_detail_shows_the_decision_documents_slot_and_the_assessment(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    MarketGapAssessment.objects.create(
        need=need,
        version=1,
        conclusion="untested",
        evidence="Bevis ett",
        trl=6,
        chosen_procedure="functional",
        suggested_procedure="innovation_partnership",
        rationale="Skäl",
    )
    MarketGapAssessment.objects.create(
        need=need,
        version=2,
        conclusion="available",
        evidence="Bevis två",
        trl=9,
        chosen_procedure="ordinary",
        suggested_procedure="ordinary",
    )
    page = _login(client, buyer).get(reverse("projects:need_detail", args=[need.pk])).content.decode()
    assert "Bevis två" in page and "Bevis ett" in page  # current and history for members
    public = client.logout() or client.get(reverse("projects:need_detail", args=[need.pk])).content.decode()
    # The assessment is internal: nothing of it is published unless the buyer chose to
    # (tests/projects/test_assessment_visibility.py).
    assert "Bevis två" not in public and "Bevis ett" not in public


def test_need_list_query_count_does_not_grow(client, uncached_pages):
    NeedFactory()
    client.get(reverse("projects:need_list"))  # once first: the clock boundary of the kept parts is read once
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("projects:need_list"))
    for _ in range(15):
        NeedFactory()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("projects:need_list"))
    assert response.status_code == 200
    assert len(many) == len(one)


def test_call_list_query_count_does_not_grow(client, uncached_pages):
    CallFactory()
    # Once first: the next moment a page changes by the clock is looked up once for the whole site (fragment_version),
    # not by the page.
    client.get(reverse("projects:call_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("projects:call_list"))
    for _ in range(15):
        CallFactory()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("projects:call_list"))
    assert response.status_code == 200
    assert len(many) == len(one)


def test_call_responses_query_count_does_not_grow(client, buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    ResponseFactory(call=call)
    _login(client, buyer)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("projects:call_responses", args=[call.pk]))
    for _ in range(10):
        ResponseFactory(call=call)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("projects:call_responses", args=[call.pk]))
    assert len(many) == len(one)


def test_catalogue_paginates_and_keeps_filters(client):
    for _ in range(25):
        NeedFactory(category="energi")
    page = client.get(reverse("projects:need_list") + "?category=energi").content.decode()
    assert "page=2" in page and "category=energi&amp;page=2" in page
    assert client.get(reverse("projects:need_list") + "?page=2&category=energi").status_code == 200
    assert client.get(reverse("projects:need_list") + "?theme=nonsense&organisation=x").status_code == 200


def test_assessment_preview_shows_the_suggestion_and_save_keeps_history(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    url = reverse("projects:need_assess", args=[need.pk])
    _login(client, buyer)
    data = {"conclusion": "new_development", "trl": "2", "evidence": "Inget finns", "chosen_procedure": ""}
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200 and preview.context["suggestion"].procedure == "pcp"
    assert not MarketGapAssessment.objects.exists()
    assert client.post(url, {**data, "save": "1"}).status_code == 302
    other = {**data, "chosen_procedure": "competitive_dialogue"}
    missing_reason = client.post(url, {**other, "save": "1"})
    assert missing_reason.status_code == 200 and "rationale" in missing_reason.context["form"].errors
    assert client.post(url, {**other, "rationale": "Vi vill föra dialog.", "save": "1"}).status_code == 302
    assert list(need.assessments.values_list("version", "chosen_procedure")) == [
        (2, "competitive_dialogue"),
        (1, "pcp"),
    ]


# --- calls -------------------------------------------------------------------------------------------------------


def test_buyer_creates_a_call_with_an_attachment_and_publishes_it(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    _login(client, buyer)
    now = timezone.localtime()
    response = client.post(
        reverse("projects:call_create", args=[need.pk]),
        {
            "kind": "rfi",
            "title": "RFI",
            "description": "Text",
            "questions_to_market": "Vad?\nHur?",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "attachments": [SimpleUploadedFile("underlag.pdf", PDF)],
        },
    )
    call = Call.objects.get()
    assert response.status_code == 302
    assert [a.filename for a in attachments_for(call)] == ["underlag.pdf"]
    client.post(reverse("projects:call_publish", args=[call.pk]))
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN


def test_call_form_rejects_close_before_open_and_lying_files(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    _login(client, buyer)
    response = client.post(
        reverse("projects:call_create", args=[need.pk]),
        {
            "kind": "rfi",
            "title": "Min titel",
            "description": "Text",
            "opens_at": "2030-05-10T10:00",
            "closes_at": "2030-05-01T10:00",
            "attachments": [SimpleUploadedFile("fake.pdf", b"MZ not a pdf"), SimpleUploadedFile("empty.pdf", b"")],
        },
    )
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert "closes_at" in errors and "attachments" in errors
    assert len(errors["attachments"]) == 2
    assert not Call.objects.exists()


def test_cancel_call_needs_a_reason(client, buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    _login(client, buyer)
    assert client.post(reverse("projects:call_cancel", args=[call.pk]), {"reason": ""}).status_code == 200
    assert client.post(reverse("projects:call_cancel", args=[call.pk]), {"reason": "Ändrat behov"}).status_code == 302
    call.refresh_from_db()
    assert call.status == "cancelled"
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert "Ändrat behov" in page


def test_a_call_past_its_closing_time_offers_no_cancel_and_refuses_a_crafted_one(client, buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org), closes_at=timezone.now() - timedelta(minutes=1))
    _login(client, buyer)
    cancel_url = reverse("projects:call_cancel", args=[call.pk])
    assert cancel_url not in client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    response = client.post(cancel_url, {"reason": "För sent"}, follow=True)
    assert "Förfrågan har stängt och kan inte längre ställas in." in response.content.decode()
    call.refresh_from_db()
    assert call.status == "open" and call.cancel_reason == ""


def test_a_passed_call_is_never_shown_as_open(client):
    call = CallFactory(opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(minutes=1))
    assert call.status == "open"
    company = make_company_user()
    page = _login(client, company).get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert "status-closed" in page and "status-open" not in page
    assert reverse("projects:response_edit", args=[call.pk]) not in page
    assert call.title not in client.get(reverse("projects:call_list")).content.decode()


# --- responses ---------------------------------------------------------------------------------------------------


def test_company_submits_a_response_with_attachment(client, company_user, company_org):
    call = CallFactory()
    _login(client, company_user)
    response = client.post(
        reverse("projects:response_edit", args=[call.pk]),
        {"summary": "Lösning", "trl": "6", "submit": "1", "attachments": [SimpleUploadedFile("svar.pdf", PDF)]},
    )
    saved = Response.objects.get()
    assert response.status_code == 302 and saved.status == "submitted" and saved.organisation == company_org
    attachment = attachments_for(saved).get()
    assert client.get(reverse("portal:attachment_download", args=[attachment.uuid])).status_code == 200
    other_company = make_company_user()
    client.force_login(other_company)
    assert client.get(reverse("portal:attachment_download", args=[attachment.uuid])).status_code == 404
    assert client.get(reverse("projects:response_detail", args=[saved.pk])).status_code == 404


def test_a_failing_mail_server_does_not_break_submitting_asking_or_answering(
    client, buyer, buyer_org, company_user, company_org, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    from django.core.mail import EmailMessage

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    _login(client, company_user)
    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(
            reverse("projects:response_edit", args=[call.pk]), {"summary": "S", "trl": "5", "submit": "1"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("projects:question_ask", args=[call.pk]), {"text": "Hur?"})
    question = Question.objects.get()
    _login(client, buyer)
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            reverse("projects:question_answer", args=[call.pk, question.pk]), {"public_text": "Hur?", "answer": "Så."}
        )
    assert (submitted.status_code, asked.status_code, answered.status_code) == (302, 302, 302)
    assert Response.objects.get().status == "submitted"
    question.refresh_from_db()
    assert question.answer == "Så."


def test_a_second_response_edits_the_first(client, company_user, company_org):
    call = CallFactory()
    existing = ResponseFactory(call=call, organisation=company_org, summary="Först")
    _login(client, company_user).post(
        reverse("projects:response_edit", args=[call.pk]), {"summary": "Sedan", "trl": "5", "submit": "1"}
    )
    assert Response.objects.get().pk == existing.pk
    assert Response.objects.get().summary == "Sedan"


def test_a_crafted_post_after_the_deadline_changes_nothing(client, company_user, company_org):
    call = CallFactory()
    saved = ResponseFactory(call=call, organisation=company_org, summary="Original")
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    _login(client, company_user)
    response = client.post(reverse("projects:response_edit", args=[call.pk]), {"summary": "Sent", "trl": "5"})
    assert response.status_code == 200  # the form again, with what was typed (projects.response_history)
    assert "Förfrågan stängde" in response.content.decode()
    withdraw = client.post(reverse("projects:response_withdraw", args=[saved.pk]), follow=True)
    assert withdraw.status_code == 200
    saved.refresh_from_db()
    assert saved.summary == "Original" and saved.status == "submitted"
    assert client.get(reverse("projects:response_edit", args=[call.pk])).status_code == 302


@pytest.mark.parametrize(
    "make_call",
    [
        closed_call,
        lambda: CallFactory(status="cancelled"),
        # Published but not yet open: visible to companies, not yet answerable.
        lambda: CallFactory(status="draft", opens_at=timezone.now() + timedelta(days=1)),
    ],
)
def test_responding_to_a_call_that_is_not_open_gives_a_message(client, company_user, make_call):
    call = make_call()
    _login(client, company_user)
    url = reverse("projects:response_edit", args=[call.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("projects:call_detail", args=[call.pk])
    assert "Förfrågan är inte öppen" in response.content.decode()
    # A post (a form left open in a tab) is refused, and the form comes back with what was typed.
    response = client.post(url, {"summary": "Min text", "trl": "5"})
    assert response.status_code == 200
    page = response.content.decode()
    closed = call.state_at(timezone.now()) == "closed"
    assert ("Förfrågan stängde" if closed else "Förfrågan är inte öppen") in page
    assert "Min text</textarea>" in page
    assert not Response.objects.exists()


def test_responding_to_an_unpublished_call_is_404(client, company_user):
    call = draft_call()
    _login(client, company_user)
    response = client.post(reverse("projects:response_edit", args=[call.pk]), {"summary": "X", "trl": "5"})
    assert response.status_code == 404
    assert not Response.objects.exists()


def test_buyer_reads_responses_and_downloads_csv(client, buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    ResponseFactory(call=call, summary="=HYPERLINK(evil)", trl=7)
    ResponseFactory(call=call, summary="Utkast som inte syns", status="draft")
    _login(client, buyer)
    page = client.get(reverse("projects:call_responses", args=[call.pk])).content.decode()
    assert "HYPERLINK" in page and "Utkast som inte syns" not in page
    download = client.get(reverse("projects:call_responses_csv", args=[call.pk]))
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][2] == "7" and rows[1][3] == "'=HYPERLINK(evil)"


def test_a_company_cannot_read_the_responses_of_a_call(client, company_user):
    call = CallFactory()
    _login(client, company_user)
    assert client.get(reverse("projects:call_responses", args=[call.pk])).status_code == 404
    assert client.get(reverse("projects:call_responses_csv", args=[call.pk])).status_code == 404


# Questions and their moderation: tests/projects/test_question_moderation.py


# --- interest profile, dashboard, CPV ----------------------------------------------------------------------------


def test_company_saves_an_interest_profile_and_sees_matching_calls(client, company_user, company_org):
    load_divisions()
    _login(client, company_user)
    bad = client.post(reverse("projects:interest_profile"), {"cpv": "99999998", "keywords": "sol"})
    assert bad.status_code == 200 and "cpv" in bad.context["form"].errors
    client.post(reverse("projects:interest_profile"), {"cpv": "09000000", "categories": ["energi"], "keywords": "sol"})
    assert company_org.interest_profile.categories == ["energi"]
    call = CallFactory(need=NeedFactory(category="energi", title="Energibehov"))
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert call.title in dashboard


def test_company_dashboard_lists_matching_calls_apart_from_other_open_calls(client, company_user, company_org):
    profile(company_org, categories=["energi"])
    match = CallFactory(need=NeedFactory(category="energi", themes=[]), title="Matchande förfrågan")
    other = CallFactory(need=NeedFactory(category="it", themes=[]), title="Annan förfrågan")
    closed = closed_call(need=NeedFactory(category="energi", themes=[]), title="Stängd förfrågan")
    response = _login(client, company_user).get(reverse("portal:dashboard"))
    panel = next(p for p in response.context["panels"] if p.template == "projects/panels/company.html")
    assert panel.context["matching"] == [match]
    assert set(panel.context["open_calls"]) == {match, other}
    page = response.content.decode()
    assert match.title in page and other.title in page and closed.title not in page


def test_buyer_dashboard_lists_needs_and_calls(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org, visibility="draft", title="Mitt utkast")
    call = CallFactory(need=NeedFactory(organisation=buyer_org), title="Min utlysning")
    ResponseFactory(call=call)
    page = _login(client, buyer).get(reverse("portal:dashboard")).content.decode()
    assert need.title in page and call.title in page


def test_the_cpv_pickers_texts_are_translated_on_the_page(client, buyer, settings):
    _login(client, buyer)
    page = client.get(reverse("projects:need_create")).content.decode()
    assert 'data-cpv-label="Sök CPV-kod att lägga till"' in page
    assert 'data-cpv-results="{count} träffar"' in page and 'data-cpv-added="Lade till {code}"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("projects:need_create")).content.decode()
    assert 'data-cpv-label="Search for a CPV code to add"' in page


def test_cpv_search_finds_codes_by_words_and_digits(client):
    load_divisions()
    assert "45000000-7" in client.get(reverse("projects:cpv_search") + "?q=bygg").content.decode()
    data = client.get(reverse("projects:cpv_search") + "?q=72&format=json").json()
    assert data["results"][0]["code"] == "72000000-5"


@pytest.mark.parametrize(
    ("query", "finds_construction"), [("%00", False), ("bygg%00", True), ("45%00", True), ("%D9%A4%D9%A5", False)]
)
def test_cpv_search_ignores_nul_bytes_and_non_ascii_digits(client, query, finds_construction):
    load_divisions()
    page = client.get(reverse("projects:cpv_search") + "?q=" + query)
    data = client.get(reverse("projects:cpv_search") + "?format=json&q=" + query)
    assert page.status_code == 200
    assert data.status_code == 200
    assert ("45000000-7" in [row["code"] for row in data.json()["results"]]) is finds_construction


def test_publishing_a_call_works_when_the_alert_task_cannot_be_queued(
    client, buyer, buyer_org, monkeypatch, django_capture_on_commit_callbacks
):
    from projects import tasks

    def broker_down(**kwargs):
        raise ConnectionRefusedError("broker down")

    from portal.celery import app as celery_app

    celery_app.conf.task_always_eager = False  # a broker that is down (tests/conftest.py restores this)
    monkeypatch.setattr(tasks.send_call_alerts, "apply_async", broker_down)
    call = draft_call(need=NeedFactory(organisation=buyer_org), opens_at=timezone.now() - timedelta(minutes=1))
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("projects:call_publish", args=[call.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert OutboxMessage.objects.filter(task=tasks.send_call_alerts.name, sent_at__isnull=True).count() == 1


def test_alert_mail_is_sent_when_a_published_call_opens_through_the_view(
    client, buyer, buyer_org, django_capture_on_commit_callbacks
):
    company = make_company_user()
    from .factories import profile

    profile(organisation_of(company), categories=["energi"])
    call = draft_call(
        need=NeedFactory(organisation=buyer_org, category="energi"), opens_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(buyer)
    response = client.post(reverse("projects:call_publish", args=[call.pk]))
    assert response.status_code == 302
    # Test client requests run inside the test transaction: on_commit does not fire, so run the task directly.
    from projects.tasks import send_call_alerts

    with django_capture_on_commit_callbacks(execute=True):  # the alert mail is queued, then sent after commit
        send_call_alerts.delay(call_id=call.pk)
    assert [m.to for m in mail.outbox] == [[company.email]]


def test_a_too_large_attachment_is_refused_with_a_message(client, company_user, settings):
    settings.MAX_UPLOAD_SIZE = 50
    call = CallFactory()
    response = _login(client, company_user).post(
        reverse("projects:response_edit", args=[call.pk]),
        {"summary": "Lösning", "trl": "6", "attachments": [SimpleUploadedFile("stor.pdf", PDF)]},
    )
    assert response.status_code == 200
    assert "attachments" in response.context["form"].errors
    assert "Lösning" in response.content.decode()  # nothing typed is lost
    assert not Response.objects.exists()


def test_need_history_is_shown_to_members_only(client, buyer, buyer_org):
    from projects import services

    need = services.create_need(organisation=buyer_org, by=buyer, title="Historik", summary="S", cpv_codes=[])
    services.set_need_visibility(need=need, by=buyer, visibility="published")
    page = _login(client, buyer).get(reverse("projects:need_detail", args=[need.pk])).content.decode()
    assert "Behovet publicerat" in page
    client.force_login(make_company_user())
    assert "Behovet publicerat" not in client.get(reverse("projects:need_detail", args=[need.pk])).content.decode()


def test_editing_a_withdrawn_response_makes_it_a_draft(client, company_user, company_org):
    call = CallFactory()
    ResponseFactory(call=call, organisation=company_org, status="withdrawn")
    _login(client, company_user).post(
        reverse("projects:response_edit", args=[call.pk]), {"summary": "Ny", "trl": "5", "draft": "1"}
    )
    assert Response.objects.get().status == "draft"


def test_assessment_sources_are_checkboxes_and_suppliers_need_a_number(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    url = reverse("projects:need_assess", args=[need.pk])
    data = {"conclusion": "untested", "trl": "6", "evidence": "E", "sources": ["desk_research", "suppliers"]}
    response = _login(client, buyer).post(url, {**data, "save": "1"})
    assert "suppliers_consulted" in response.context["form"].errors
    client.post(url, {**data, "suppliers_consulted": "4", "save": "1"})
    saved = need.assessments.get()
    assert (saved.source_desk_research, saved.source_rfi, saved.source_suppliers) == (True, False, True)
    assert saved.suppliers_consulted == 4
    again = client.get(url)
    assert again.context["form"].initial["sources"] == ["desk_research", "suppliers"]
    assert "Gällande version är 1." in again.content.decode()


def test_my_needs_query_count_does_not_grow(client, buyer, buyer_org):
    NeedFactory(organisation=buyer_org)
    _login(client, buyer)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("projects:need_mine"))
    for _ in range(12):
        CallFactory(need=NeedFactory(organisation=buyer_org, visibility="draft"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("projects:need_mine"))
    assert response.status_code == 200 and len(many) == len(one)


def test_admin_edits_keep_the_search_index_current(client):
    from tests.factories import make_portal_admin

    need = NeedFactory(title="Gammal titel")
    admin = make_portal_admin(is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:projects_need_change", args=[need.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"title": "Solceller i admin", "cpv_codes": [], "themes": '["hallbarhet"]'})
    data.update({"assessments-TOTAL_FORMS": "0", "assessments-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    if connection.vendor == "postgresql":
        from projects.selectors import filter_needs, published_needs

        assert list(filter_needs(published_needs(), {"q": "solcell"})) == [need]


def test_an_unverified_buyer_is_told_why_they_cannot_register_needs(client):
    from tests.factories import make_member

    user = make_member(status="pending")
    response = _login(client, user).get(reverse("projects:need_create"))
    assert response.status_code == 403
    assert organisation_of(user).name in response.content.decode()
    assert client.post(reverse("projects:need_create"), {"title": "X", "summary": "Y"}).status_code == 403
    assert not Need.objects.exists()


def test_buyer_removes_a_file_from_a_draft_call_but_not_from_an_open_one(client, buyer, buyer_org):
    from portal.files import attach_bytes
    from portal.models import Attachment

    need = NeedFactory(organisation=buyer_org)
    draft = attach_bytes(owner=draft_call(need=need), content=PDF, filename="utkast.pdf")
    live = attach_bytes(owner=CallFactory(need=need), content=PDF, filename="oppen.pdf")
    _login(client, buyer)
    assert client.post(reverse("projects:attachment_remove", args=[draft.uuid])).status_code == 302
    assert client.post(reverse("projects:attachment_remove", args=[live.uuid])).status_code == 302
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["oppen.pdf"]
    client.force_login(make_buyer())
    assert client.post(reverse("projects:attachment_remove", args=[live.uuid])).status_code == 404


def test_company_removes_a_file_from_its_response_while_the_call_is_open(client, company_user, company_org):
    from portal.files import attach_bytes
    from portal.models import Attachment

    own = attach_bytes(owner=ResponseFactory(organisation=company_org), content=PDF, filename="svar.pdf")
    closed = attach_bytes(
        owner=ResponseFactory(organisation=company_org, call=closed_call()), content=PDF, filename="sent.pdf"
    )
    other = attach_bytes(owner=ResponseFactory(), content=PDF, filename="annan.pdf")
    _login(client, company_user)
    client.post(reverse("projects:attachment_remove", args=[own.uuid]))
    client.post(reverse("projects:attachment_remove", args=[closed.uuid]))
    assert client.post(reverse("projects:attachment_remove", args=[other.uuid])).status_code == 404
    assert sorted(Attachment.objects.values_list("filename", flat=True)) == ["annan.pdf", "sent.pdf"]


def test_buyer_deletes_a_draft_need_after_confirming(client, buyer, buyer_org):
    draft = NeedFactory(organisation=buyer_org, visibility="draft")
    published = NeedFactory(organisation=buyer_org)
    _login(client, buyer)
    assert client.get(reverse("projects:need_delete", args=[draft.pk])).status_code == 200
    assert client.post(reverse("projects:need_delete", args=[draft.pk])).status_code == 302
    assert client.post(reverse("projects:need_delete", args=[published.pk])).status_code == 302
    assert list(Need.objects.all()) == [published]
    client.force_login(make_buyer())
    assert client.post(reverse("projects:need_delete", args=[published.pk])).status_code == 404


# --- verified companies ------------------------------------------------------------------------------------------


def test_buyer_can_open_a_call_to_verified_companies_only(client, buyer, buyer_org):
    need = NeedFactory(organisation=buyer_org)
    _login(client, buyer)
    form = client.get(reverse("projects:call_create", args=[need.pk])).content.decode()
    assert 'name="verified_companies_only"' in form and "Bolagsverket" in form  # the field and its help text
    now = timezone.localtime()
    client.post(
        reverse("projects:call_create", args=[need.pk]),
        {
            "kind": "rfi",
            "title": "Endast verifierade",
            "description": "Text",
            "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "verified_companies_only": "on",
        },
    )
    assert Call.objects.get().verified_companies_only is True


def test_an_unverified_company_cannot_respond_to_a_call_for_verified_companies_only(client):
    from portal.models import Organisation
    from projects import services

    call = CallFactory(verified_companies_only=True)
    user = make_company_user(status=Organisation.Status.PENDING)
    _login(client, user)
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert "tar endast emot svar från verifierade företag" in page
    assert reverse("projects:response_edit", args=[call.pk]) not in page

    assert client.get(reverse("projects:response_edit", args=[call.pk])).status_code == 302
    crafted = client.post(
        reverse("projects:response_edit", args=[call.pk]), {"summary": "X", "trl": "5", "submit": "1"}
    )
    assert crafted.status_code == 302
    assert not Response.objects.exists()
    with pytest.raises(services.ServiceError):
        services.save_response(call=call, organisation=organisation_of(user), by=user, summary="X", trl=5, submit=True)
    assert not Response.objects.exists()


def test_a_draft_of_a_company_that_is_no_longer_verified_cannot_be_submitted_to_such_a_call(client):
    from portal.models import Organisation
    from projects import services

    user = make_company_user()
    company = organisation_of(user)
    call = CallFactory(verified_companies_only=True)
    draft = ResponseFactory(call=call, organisation=company, status="draft")
    Organisation.objects.filter(pk=company.pk).update(status=Organisation.Status.PENDING)
    with pytest.raises(services.ServiceError):
        services.transition_response(response=draft, to="submitted", by=user)
    draft.refresh_from_db()
    assert draft.status == "draft"
    _login(client, user)
    client.post(reverse("projects:response_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_verified_company_responds_to_a_call_for_verified_companies_only(client, company_user, company_org):
    call = CallFactory(verified_companies_only=True)
    _login(client, company_user)
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert reverse("projects:response_edit", args=[call.pk]) in page
    client.post(reverse("projects:response_edit", args=[call.pk]), {"summary": "Lösning", "trl": "6", "submit": "1"})
    assert Response.objects.get().status == "submitted"


def test_buyer_sees_which_responding_companies_are_unverified(client, buyer, buyer_org):
    from portal.models import Organisation
    from tests.factories import OrganisationFactory

    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    unverified = ResponseFactory(
        call=call, organisation=OrganisationFactory(kind="company", status=Organisation.Status.PENDING, name="Ny AB")
    )
    verified = ResponseFactory(call=call, organisation=OrganisationFactory(kind="company", name="Känd AB"))
    _login(client, buyer)
    listing = client.get(reverse("projects:call_responses", args=[call.pk])).content.decode()
    assert listing.count("Overifierat företag") == 1 and listing.count("Verifierat företag") == 1
    detail = client.get(reverse("projects:response_detail", args=[unverified.pk])).content.decode()
    assert '<span class="status status-pending">Overifierat företag</span>' in detail
    detail = client.get(reverse("projects:response_detail", args=[verified.pk])).content.decode()
    assert "Overifierat företag" not in detail and "Verifierat företag" in detail
    download = client.get(reverse("projects:call_responses_csv", args=[call.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[-1] for row in rows[1:]) == ["ja", "nej"]
