import io
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from pypdf import PdfReader

from portal.audit import AuditAction
from portal.documents import DocumentStatus, render_document
from portal.models import AuditEntry
from portal.tasks import render_document_task
from projects.decision_support import selectors as document_selectors
from projects.decision_support.models import DECISION_SUPPORT_KIND, DecisionDocument
from projects.decision_support.services import order_decision_document, retry_decision_document
from projects.models import Need, Response
from projects.services import save_response, transition_response
from tests.access import ROLES, build_world
from tests.documents_access import cases as access_cases
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    return make_buyer(email="kopare@example.org", first_name="Karin", last_name="Köpare")


@pytest.fixture
def need(buyer):
    return build_need_with_dialogue(organisation=organisation_of(buyer), calls=2, responses=4)


def pdf_text(document) -> str:
    document.file.open("rb")
    try:
        reader = PdfReader(io.BytesIO(document.file.read()))
    finally:
        document.file.close()
    return "\n".join(page.extract_text() for page in reader.pages)


def order(client, need, language="en", follow=False, **extra):
    return client.post(reverse("documents:order", args=[need.pk]), {"language": language, **extra}, follow=follow)


# --- ordering and rendering --------------------------------------------------------------------------------------


def test_order_renders_a_pdf_with_the_title_conclusion_and_a_response(
    client, buyer, need, django_capture_on_commit_callbacks
):
    client.force_login(buyer)

    with django_capture_on_commit_callbacks(execute=True):
        response = order(client, need)

    assert response.status_code == 302
    document = DecisionDocument.objects.get(need=need)
    assert document.status == DocumentStatus.READY
    assert document.requested_by == buyer
    assert document.language == "en"
    text = " ".join(pdf_text(document).split())
    assert need.title in text
    assert "Untested solutions exist (verify them)" in text
    a_response = Response.objects.filter(call__need=need).select_related("organisation").first()
    assert a_response.organisation.name in text
    assert "Competitive dialogue" in text
    assert "Page 2 of" in text


def test_pdf_is_tagged_with_title_language_and_outline(buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="sv")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    document.refresh_from_db()

    reader = PdfReader(document.file.open("rb"))

    assert reader.metadata.title == need.title
    assert reader.metadata.author == need.organisation.name
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    top, sections = reader.outline  # the cover's title, with the summary and seven numbered sections under it
    assert top.title == need.title
    headings = [item for item in sections if not isinstance(item, list)]  # lists hold the h3 under each h2
    assert len(headings) == 8
    assert headings[1].title == "1. Behovet"


def test_pdf_in_swedish_uses_swedish_labels(buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="sv")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    document.refresh_from_db()

    text = " ".join(pdf_text(document).split())

    assert "Beslutsunderlag" in text
    assert "Marknadsanalys" in text
    assert "Sida 2 av" in text


def test_pdf_renders_for_a_need_without_assessment_calls_or_responses(buyer):
    need = Need.objects.create(organisation=organisation_of(buyer), title="Tomt behov", summary="Ännu inget.")
    document, _ = order_decision_document(need=need, by=buyer, language="en")

    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    text = " ".join(pdf_text(document).split())
    assert "The market gap has not been assessed yet." in text
    assert "No responses have been submitted yet." in text


def test_long_unbroken_text_wraps_inside_the_page_instead_of_running_off_it(buyer, need):
    link = "https://example.org/" + "a" * 300
    Need.objects.filter(pk=need.pk).update(summary=link, title="T" * 200)
    Response.objects.filter(call__need=need).update(summary="s" * 400)
    document, _ = order_decision_document(need=need, by=buyer, language="en")

    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)

    document.refresh_from_db()
    text = pdf_text(document)
    # A line of a text that ran off the page would be the whole string; wrapped, each line fits the page width.
    longest = max(len(line) for line in text.splitlines())
    assert longest < 150, f"a line of {longest} characters does not fit on the page"
    joined = "".join(text.split())
    assert link in joined and "T" * 200 in joined and "s" * 400 in joined  # nothing is lost by wrapping


def test_order_writes_an_audit_row_and_numbers_versions(buyer, need):
    first, created = order_decision_document(need=need, by=buyer, language="sv")
    Need.objects.filter(pk=need.pk).update(summary="Changed summary")  # also bumps nothing: use save below
    need.refresh_from_db()
    need.summary = "Changed summary"
    need.save()
    second, created_again = order_decision_document(need=need, by=buyer, language="sv")

    assert created and created_again
    assert (first.version, second.version) == (1, 2)
    assert AuditEntry.objects.filter(action=AuditAction.DECISION_DOCUMENT_ORDERED).count() == 2


def test_ordering_twice_for_an_unchanged_need_queues_one_document(
    client, buyer, need, django_capture_on_commit_callbacks
):
    client.force_login(buyer)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order(client, need)
        order(client, need)

    assert DecisionDocument.objects.filter(need=need).count() == 1
    assert len(callbacks) == 1


def test_ordering_again_after_it_is_ready_returns_the_ready_one_until_the_need_changes(
    client, buyer, need, django_capture_on_commit_callbacks
):
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order(client, need)
    with django_capture_on_commit_callbacks(execute=True):
        response = order(client, need, follow=True)
    assert DecisionDocument.objects.filter(need=need).count() == 1
    assert "Inget har ändrats sedan version 1" in response.content.decode()

    Response.objects.filter(call__need=need).first().save()  # a company edits its response
    with django_capture_on_commit_callbacks(execute=True):
        order(client, need)

    assert list(DecisionDocument.objects.filter(need=need).values_list("version", "status")) == [
        (2, DocumentStatus.READY),
        (1, DocumentStatus.READY),
    ]


def company_response_in_progress(need):
    """A company with a draft response to a new open call of `need`: (company user, company, call)."""
    company_user = make_company_user()
    company = organisation_of(company_user)
    call = CallFactory(need=need)
    save_response(call=call, organisation=company, by=company_user, summary="Första utkastet", trl=4)
    return company_user, company, call


def test_a_companys_draft_and_withdrawn_edits_do_not_make_a_new_version(buyer, need):
    company_user, company, call = company_response_in_progress(need)
    first, _ = order_decision_document(need=need, by=buyer, language="en")
    fingerprint = first.fingerprint

    # The buyer cannot see drafts or withdrawn responses, so ordering again must not reveal any of this.
    save_response(call=call, organisation=company, by=company_user, summary="Andra utkastet", trl=6)
    again, created = order_decision_document(need=need, by=buyer, language="en")
    assert (created, again.pk) == (False, first.pk)

    response = Response.objects.get(call=call, organisation=company)
    transition_response(response=response, to=Response.Status.WITHDRAWN, by=company_user)
    save_response(call=call, organisation=company, by=company_user, summary="Tredje utkastet", trl=7)
    again, created = order_decision_document(need=need, by=buyer, language="en")

    assert (created, again.pk) == (False, first.pk)
    assert document_selectors.need_fingerprint(need) == fingerprint
    assert DecisionDocument.objects.filter(need=need).count() == 1


def test_submitting_and_editing_a_submitted_response_make_a_new_version(buyer, need):
    company_user, company, call = company_response_in_progress(need)
    first, _ = order_decision_document(need=need, by=buyer, language="en")

    save_response(call=call, organisation=company, by=company_user, summary="Inskickat", trl=7, submit=True)
    submitted, created_on_submit = order_decision_document(need=need, by=buyer, language="en")
    save_response(call=call, organisation=company, by=company_user, summary="Rättat efter inskick", trl=7)
    edited, created_on_edit = order_decision_document(need=need, by=buyer, language="en")

    assert created_on_submit and created_on_edit
    assert len({first.fingerprint, submitted.fingerprint, edited.fingerprint}) == 3


def test_ordering_in_another_language_makes_a_new_document(buyer, need):
    english, _ = order_decision_document(need=need, by=buyer, language="en")
    swedish, created = order_decision_document(need=need, by=buyer, language="sv")

    assert created
    assert swedish.pk != english.pk


def test_order_with_an_unknown_language_falls_back_to_swedish(buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="xx")

    assert document.language == "sv"


def test_render_task_twice_keeps_one_file_and_one_ready_row(buyer, need, settings):
    document, _ = order_decision_document(need=need, by=buyer, language="en")

    render_document_task.delay(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    render_document_task.delay(kind=DECISION_SUPPORT_KIND, document_id=document.pk)

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.attempts == 1
    files = [path for path in Path(settings.PRIVATE_FILES_ROOT).rglob("*.pdf")]
    assert len(files) == 1
    assert DecisionDocument.objects.filter(need=need, status=DocumentStatus.READY).count() == 1


# --- failure and retry -----------------------------------------------------------------------------------------


def test_a_failed_render_is_marked_failed_shown_and_can_be_retried(
    client, buyer, need, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_context(document):
        raise RuntimeError("template data missing")

    monkeypatch.setattr(document_selectors, "decision_support_context", broken_context)
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True):
        order(client, need)

    document = DecisionDocument.objects.get(need=need)
    assert document.status == DocumentStatus.FAILED
    assert "template data missing" in document.error
    page = client.get(reverse("documents:need_documents", args=[need.pk])).content.decode()
    assert "kunde inte tas fram" in page
    assert "template data missing" in page
    assert reverse("documents:retry", args=[document.pk]) in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[document.pk]))

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.error == ""
    assert document.attempts == 2
    assert AuditEntry.objects.filter(action=AuditAction.DECISION_DOCUMENT_RETRIED).count() == 1


def test_ordering_when_the_task_cannot_be_queued_leaves_a_queued_document_and_no_error(
    client, buyer, need, monkeypatch, django_capture_on_commit_callbacks
):
    from portal.celery import app
    from portal.models import OutboxMessage

    def broker_down(**kwargs):
        raise ConnectionRefusedError("broker down")

    app.conf.task_always_eager = False  # tests/conftest.py restores it after each test
    monkeypatch.setattr(render_document_task, "apply_async", broker_down)
    client.force_login(buyer)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = order(client, need)

    assert response.status_code == 302 and len(callbacks) == 1
    assert DecisionDocument.objects.get(need=need).status == DocumentStatus.QUEUED
    assert OutboxMessage.objects.get(sent_at__isnull=True).task == render_document_task.name


def test_retry_of_a_ready_document_is_refused_with_a_message(client, buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    client.force_login(buyer)

    response = client.post(reverse("documents:retry", args=[document.pk]), follow=True)

    assert response.status_code == 200
    assert "Bara ett dokument som misslyckades kan tas fram igen." in response.content.decode()


def test_retry_service_refuses_a_queued_document(buyer, need):
    from portal.services import InvalidTransition

    document, _ = order_decision_document(need=need, by=buyer, language="en")

    with pytest.raises(InvalidTransition):
        retry_decision_document(document=document, by=buyer)


# --- pages, JSON status, download --------------------------------------------------------------------------------


def test_status_json_reports_progress_and_the_panel_parts(client, buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    client.force_login(buyer)
    url = reverse("documents:status", args=[document.pk])

    queued = client.get(url, {"format": "json", "return_to": "/needs/1/"}).json()
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    ready = client.get(url, HTTP_ACCEPT="application/json").json()

    assert queued["status"] == "queued"
    assert queued["done"] is False
    assert "/needs/1/#decision-documents" in queued["status_html"]
    assert ready["status"] == "ready"
    assert ready["done"] is True
    assert reverse("documents:download", args=[document.pk]) in ready["list_html"]


def test_status_json_ignores_a_foreign_return_to(client, buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    client.force_login(buyer)

    data = client.get(
        reverse("documents:status", args=[document.pk]), {"format": "json", "return_to": "https://evil.example/"}
    ).json()

    assert "evil.example" not in data["status_html"]


def test_status_page_without_javascript_has_a_refresh_link(client, buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    client.force_login(buyer)

    page = client.get(reverse("documents:status", args=[document.pk])).content.decode()

    assert "data-refresh-link" in page
    assert "Köad" in page


def test_order_redirects_to_a_safe_next_only(client, buyer, need):
    client.force_login(buyer)

    inside = order(client, need, next="/needs/7/")
    outside = order(client, need, next="https://evil.example/")

    assert inside.url == "/needs/7/#decision-documents"
    assert outside.url == reverse("documents:need_documents", args=[need.pk]) + "#decision-documents"


def test_download_serves_the_pdf_to_a_member(client, buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    client.force_login(buyer)

    response = client.get(reverse("documents:download", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "beslutsunderlag-smart-ventilation-in-schools-v1.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.7")


def test_download_of_a_document_not_ready_is_404(client, buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    client.force_login(buyer)

    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


@pytest.mark.parametrize("outsider", ["other_buyer", "company"])
def test_outsiders_get_404_everywhere(client, buyer, need, outsider):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    user = make_buyer() if outsider == "other_buyer" else make_company_user()
    client.force_login(user)

    assert client.get(reverse("documents:need_documents", args=[need.pk])).status_code == 404
    assert client.post(reverse("documents:order", args=[need.pk])).status_code == 404
    assert client.get(reverse("documents:status", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    assert client.post(reverse("documents:retry", args=[document.pk])).status_code == 404
    assert DecisionDocument.objects.count() == 1


def test_another_member_of_the_organisation_may_download(client, buyer, need):
    from tests.factories import make_member

    document, _ = order_decision_document(need=need, by=buyer, language="en")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    colleague = make_member(organisation=organisation_of(buyer), role="member")
    client.force_login(colleague)

    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200


def test_order_by_get_is_not_allowed(client, buyer, need):
    client.force_login(buyer)

    assert client.get(reverse("documents:order", args=[need.pk])).status_code == 405


def test_need_documents_page_query_count_does_not_grow(client, buyer, need, django_assert_max_num_queries):
    client.force_login(buyer)
    url = reverse("documents:need_documents", args=[need.pk])
    DecisionDocument.objects.create(need=need, version=1, requested_by=buyer, status=DocumentStatus.READY, size=10)
    with django_assert_max_num_queries(30) as one:
        client.get(url)
    for version in range(2, 12):
        DecisionDocument.objects.create(
            need=need, version=version, requested_by=buyer, status=DocumentStatus.READY, size=10
        )

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert response.content.decode().count(reverse("documents:download", args=[need.decision_documents.first().pk]))


def test_context_query_count_does_not_grow_with_responses(buyer, django_assert_max_num_queries):
    small = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=1)
    large = build_need_with_dialogue(organisation=organisation_of(buyer), calls=3, responses=30)
    small_document = DecisionDocument.objects.create(need=small, version=1)
    large_document = DecisionDocument.objects.create(need=large, version=1)
    with django_assert_max_num_queries(20) as baseline:
        document_selectors.decision_support_context(small_document)

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        context = document_selectors.decision_support_context(large_document)

    assert len(context["responses"]) == 30
    assert sum(count for _, count in context["trl_counts"]) == 30


# --- the need page panel -----------------------------------------------------------------------------------------


def render_panel(need, user):
    request = RequestFactory().get(f"/needs/{need.pk}/")
    request.user = user
    return Template("{% include 'documents/need_panel.html' %}").render(Context({"need": need, "request": request}))


def test_panel_shows_order_button_status_and_ready_list_to_members(buyer, need):
    document, _ = order_decision_document(need=need, by=buyer, language="en")
    render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
    document.refresh_from_db()

    html = render_panel(need, buyer)

    assert reverse("documents:order", args=[need.pk]) in html
    assert reverse("documents:download", args=[document.pk]) in html
    assert 'data-pending="0"' in html
    assert "Karin Köpare" in html


def test_panel_polls_while_a_document_is_pending(buyer, need):
    order_decision_document(need=need, by=buyer, language="en")

    html = render_panel(need, buyer)

    assert 'data-pending="1"' in html
    assert "format=json" in html
    assert "data-refresh-link" in html


def test_panel_is_empty_for_outsiders_and_visitors(buyer, need):
    from django.contrib.auth.models import AnonymousUser

    assert "decision-documents" not in render_panel(need, make_company_user())
    assert "decision-documents" not in render_panel(need, AnonymousUser())


# --- role-access rows (wired into tests/test_role_access.py by the lead) ------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_documents_role_access_rows(client, role):
    world = build_world()
    if world[role] is not None:
        client.force_login(world[role])
    failures = []
    for case in access_cases(world):
        url = reverse(case.name, kwargs=case.kwargs)
        response = getattr(client, case.method)(url, data=case.data or {})
        if response.status_code != case.expected_for(role):
            failures.append(f"{case.name}: {response.status_code}, expected {case.expected_for(role)}")
    assert not failures, failures
