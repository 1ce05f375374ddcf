import hashlib
import io
from pathlib import Path

import pytest
from django.db import connection
from pypdf import PdfReader

from portal import documents
from portal.audit import AuditAction
from portal.documents import DocumentStatus, create_document, render_document, requeue_document
from portal.services import InvalidTransition
from portal.tasks import MAX_RETRIES, render_document_task
from tests.factories import UserFactory

from .sample_document import READY_CALLS, SAMPLE_KIND, SampleDocument

KIND = SAMPLE_KIND.name


@pytest.fixture(scope="module")
def sample_table(django_db_setup, django_db_blocker):
    """Create the test-only table outside the per-test transaction (works on SQLite and PostgreSQL)."""
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(SampleDocument)
    yield
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.delete_model(SampleDocument)


@pytest.fixture
def make_document(sample_table, db):
    from django.contrib.contenttypes.models import ContentType

    def make(subject="alpha", **fields):
        return SampleDocument.objects.create(subject=subject, **fields)

    yield make
    # The test-only model's content type (made for audit rows) is rolled back with the test: forget it.
    ContentType.objects.clear_cache()


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.PRIVATE_FILES_ROOT).rglob("*") if path.is_file()]


def test_render_document_stores_a_tagged_pdf_with_title_language_and_outline(make_document, settings):
    document = make_document(language="sv")

    rendered = render_document(kind=KIND, document_id=document.pk)

    rendered.refresh_from_db()
    assert rendered.status == DocumentStatus.READY
    assert rendered.attempts == 1
    assert rendered.rendered_at is not None
    content = rendered.file.open("rb").read()
    assert rendered.size == len(content)
    assert rendered.checksum == hashlib.sha256(content).hexdigest()
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Paragraph about alpha." in text
    assert "Åäö" in text
    assert reader.metadata.title == "Sample alpha"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "sv"
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 - a pypdf BooleanObject
    assert "/StructTreeRoot" in root
    assert [item.title for item in reader.outline] == ["Sample alpha"]
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()


def test_render_document_uses_the_document_language(make_document):
    document = make_document(subject="long", language="en")

    render_document(kind=KIND, document_id=document.pk)

    document.refresh_from_db()
    reader = PdfReader(document.file.open("rb"))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert len(reader.pages) > 1
    assert f"Page 2 of {len(reader.pages)}" in reader.pages[1].extract_text()


def test_render_document_twice_leaves_one_file_and_one_ready_row(make_document, settings):
    document = make_document()

    render_document_task.delay(kind=KIND, document_id=document.pk)
    first = SampleDocument.objects.get(pk=document.pk)
    render_document_task.delay(kind=KIND, document_id=document.pk)
    second = SampleDocument.objects.get(pk=document.pk)

    assert second.status == DocumentStatus.READY
    assert second.attempts == 1
    assert second.file.name == first.file.name
    assert second.checksum == first.checksum
    assert len(stored_files(settings)) == 1
    assert SampleDocument.objects.count() == 1


def test_render_document_racing_runs_store_only_one_file(make_document, monkeypatch, settings):
    document = make_document()
    original = documents.render_pdf
    raced = []

    def render_and_let_another_run_finish_first(*, kind, document):
        content = original(kind=kind, document=document)
        if not raced:
            raced.append(True)
            render_document(kind=KIND, document_id=document.pk)
        return content

    monkeypatch.setattr(documents, "render_pdf", render_and_let_another_run_finish_first)

    render_document(kind=KIND, document_id=document.pk)

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.attempts == 2
    assert len(stored_files(settings)) == 1


def test_render_failure_marks_the_document_failed_and_it_can_be_retried(make_document):
    document = make_document(subject="explode")

    render_document_task.delay(kind=KIND, document_id=document.pk)

    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert "could not be built" in document.error
    assert not document.file

    SampleDocument.objects.filter(pk=document.pk).update(subject="fixed")
    requeue_document(kind=KIND, document=document)  # on_commit runs at once outside a transaction in eager mode
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED
    render_document_task.delay(kind=KIND, document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert document.error == ""
    assert document.attempts == 2


def test_requeue_document_refuses_a_document_that_did_not_fail(make_document):
    document = make_document(status=DocumentStatus.READY)

    with pytest.raises(InvalidTransition):
        requeue_document(kind=KIND, document=document)


def test_requeue_document_queues_the_task_on_commit(make_document, django_capture_on_commit_callbacks):
    document = make_document(status=DocumentStatus.FAILED, error="boom")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        requeue_document(kind=KIND, document=document)

    assert len(callbacks) == 2  # the render task, then (once it is ready) the kind's on_ready
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY


def test_transient_errors_are_retried_then_marked_failed(make_document, monkeypatch):
    document = make_document()
    calls = []

    def flaky(*, kind, document):
        calls.append(1)
        raise OSError("storage unavailable")

    monkeypatch.setattr(documents, "render_pdf", flaky)

    render_document_task.delay(kind=KIND, document_id=document.pk)

    document.refresh_from_db()
    assert len(calls) == MAX_RETRIES + 1
    assert document.status == DocumentStatus.FAILED
    assert "storage unavailable" in document.error
    assert document.attempts == MAX_RETRIES + 1


def test_transient_error_then_success_ends_ready(make_document, monkeypatch):
    document = make_document()
    original = documents.render_pdf
    calls = []

    def flaky_once(*, kind, document):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("try again")
        return original(kind=kind, document=document)

    monkeypatch.setattr(documents, "render_pdf", flaky_once)

    render_document_task.delay(kind=KIND, document_id=document.pk)

    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    assert len(calls) == 2


def test_task_for_a_deleted_document_does_nothing(sample_table, db):
    assert render_document_task.delay(kind=KIND, document_id=999999).get() == "missing"


def test_task_signature_is_keyword_only_and_acks_late():
    assert render_document_task.acks_late is True
    assert render_document_task.max_retries == MAX_RETRIES
    with pytest.raises(TypeError):
        render_document_task.run("tests.sample", 1)


def test_create_document_numbers_versions_and_reuses_an_unchanged_order(
    make_document, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, created_first = create_document(kind=KIND, by=user, language="sv", fingerprint="abc", subject="s")
        again, created_again = create_document(kind=KIND, by=user, language="sv", fingerprint="abc", subject="s")
        other_language, created_en = create_document(kind=KIND, by=user, language="en", fingerprint="abc", subject="s")
        changed, created_changed = create_document(kind=KIND, by=user, language="en", fingerprint="def", subject="s")

    assert (created_first, created_again, created_en, created_changed) == (True, False, True, True)
    assert again.pk == first.pk
    assert [first.version, other_language.version, changed.version] == [1, 2, 3]
    assert first.requested_by == user
    assert len(callbacks) == 3


def test_create_document_orders_again_after_a_failure(make_document):
    make_document(subject="s", fingerprint="abc", status=DocumentStatus.FAILED)

    document, created = create_document(kind=KIND, by=None, language="sv", fingerprint="abc", subject="s")

    assert created
    assert document.version == 2


def test_fingerprint_is_stable_for_equal_data():
    assert documents.fingerprint_of({"a": 1, "b": [1, 2]}) == documents.fingerprint_of({"b": [1, 2], "a": 1})
    assert documents.fingerprint_of({"a": 1}) != documents.fingerprint_of({"a": 2})


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/style.css",
        "https://fonts.googleapis.com/css?family=Inter",
        "ftp://example.com/x",
        "file:///etc/passwd",
    ],
)
def test_url_fetcher_refuses_anything_but_local_static_files(url):
    with pytest.raises(ValueError):
        documents.make_url_fetcher().fetch(url)


def test_url_fetcher_serves_the_document_stylesheet_and_data_urls():
    fetcher = documents.make_url_fetcher()
    response = fetcher.fetch(documents.static_base_url() + "css/documents.css")
    assert b"@page" in response.read()
    response.close()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


def test_render_with_a_remote_image_fetches_nothing(monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the renderer tried to use the network")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    html = (
        '<html lang="sv"><head><title>T</title></head>'
        '<body><h1>T</h1><img src="https://example.com/x.png" alt=""></body></html>'
    )

    content = documents.html_to_pdf(html)

    assert content.startswith(b"%PDF-1.7")


def test_document_response_serves_only_ready_documents(make_document):
    from django.http import Http404

    document = make_document()
    with pytest.raises(Http404):
        documents.document_response(document)

    render_document(kind=KIND, document_id=document.pk)
    document.refresh_from_db()
    response = documents.document_response(document)

    assert response["Content-Type"] == "application/pdf"
    assert 'filename="sample-alpha-v1.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_unknown_kind_is_an_error():
    with pytest.raises(LookupError):
        documents.get_kind("nope")


def test_a_document_pending_for_too_long_can_be_queued_again_and_no_longer_blocks_orders(make_document):
    import datetime

    from django.utils import timezone

    document = make_document(subject="s", fingerprint="abc", status=DocumentStatus.RENDERING)
    fresh = SampleDocument.objects.get(pk=document.pk)
    assert not fresh.can_retry
    SampleDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    stale = SampleDocument.objects.get(pk=document.pk)
    assert stale.is_stale and stale.can_retry

    again, created = create_document(kind=KIND, by=None, language="sv", fingerprint="abc", subject="s")
    requeue_document(kind=KIND, document=stale)

    assert created and again.version == 2
    stale.refresh_from_db()
    assert stale.status == DocumentStatus.QUEUED
    assert not stale.is_stale


def test_on_ready_runs_once_after_commit_and_audit_rows_are_written(make_document, django_capture_on_commit_callbacks):
    from portal.models import AuditEntry

    document = make_document()
    READY_CALLS.clear()

    with django_capture_on_commit_callbacks(execute=True):
        render_document(kind=KIND, document_id=document.pk)
        assert READY_CALLS == []  # not before the commit
    with django_capture_on_commit_callbacks(execute=True):
        render_document(kind=KIND, document_id=document.pk)  # already ready: nothing more

    assert READY_CALLS == [document.pk]
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [AuditAction.DOCUMENT_READY]


def test_a_failure_writes_an_audit_row(make_document):
    from portal.models import AuditEntry

    document = make_document(subject="explode")

    render_document_task.delay(kind=KIND, document_id=document.pk)

    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.DOCUMENT_FAILED
    assert "could not be built" in entry.details["error"]
