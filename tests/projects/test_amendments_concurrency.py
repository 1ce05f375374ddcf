"""An amendment racing a response (PostgreSQL): the call row is locked by both, so one waits for the other."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from portal.services import ServiceError
from projects import services as project_services
from projects.amendments import services as amendment_services
from projects.amendments.models import Amendment
from projects.models import Call, Response
from tests.factories import make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory, ResponseFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="Row locks need PostgreSQL."),
]

PDF = b"%PDF-1.4\n" + b"x" * 100
HOLD = 1.0  # seconds the first transaction keeps the call locked


def _pdf():
    return SimpleUploadedFile("fil.pdf", PDF, content_type="application/pdf")


def _run(*targets):
    """Run each target in its own thread (its own connection); return what each returned or raised."""
    results: list = [None] * len(targets)

    def wrap(index, target):
        from django.db import connections

        try:
            results[index] = target()
        except Exception as error:  # noqa: BLE001 - returned to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _slow_attach(monkeypatch, module, started: threading.Event):
    """Storing files in `module` signals `started`, then takes HOLD seconds (with the call row locked)."""
    real = module.attach_files

    def slow(**kwargs):
        started.set()
        time.sleep(HOLD)
        return real(**kwargs)

    monkeypatch.setattr(module, "attach_files", slow)


def test_a_shortening_amendment_cannot_pass_a_first_response_saved_at_the_same_time(monkeypatch):
    buyer, company = make_buyer(), make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    before = call.closes_at
    started = threading.Event()
    _slow_attach(monkeypatch, project_services, started)

    def respond():
        return project_services.save_response(
            call=call,
            organisation=organisation_of(company),
            by=company,
            summary="Först",
            trl=5,
            attachments=[(_pdf(), "fil.pdf", "application/pdf")],
        )

    def shorten():
        assert started.wait(timeout=10)
        return amendment_services.amend_call(
            call=call, by=buyer, text="Kortare tid.", closes_at=timezone.now() + timedelta(days=2)
        )

    response, amendment = _run(respond, shorten)

    assert isinstance(response, Response), response
    assert isinstance(amendment, ServiceError), amendment
    assert amendment.field == "closes_at"
    assert Call.objects.get(pk=call.pk).closes_at == before
    assert not Amendment.objects.exists()


def test_a_response_waiting_on_a_shortening_amendment_sees_the_new_deadline(monkeypatch):
    buyer, company = make_buyer(), make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    earlier = timezone.now() + timedelta(days=2)
    started = threading.Event()
    _slow_attach(monkeypatch, amendment_services, started)

    def shorten():
        return amendment_services.amend_call(
            call=call,
            by=buyer,
            text="Kortare tid.",
            closes_at=earlier,
            attachments=[(_pdf(), "fil.pdf", "application/pdf")],
        )

    def respond():
        assert started.wait(timeout=10)
        return project_services.save_response(
            call=call, organisation=organisation_of(company), by=company, summary="Efter", trl=5
        )

    amendment, response = _run(shorten, respond)

    assert isinstance(amendment, Amendment), amendment
    assert isinstance(response, Response), response
    assert Call.objects.get(pk=call.pk).closes_at == earlier
    # The response waited for the amendment: it was written after it, under the new deadline.
    assert Response.objects.get(pk=response.pk).created_at >= Call.objects.get(pk=call.pk).updated_at


def test_an_extension_and_a_submission_near_the_deadline_both_end_consistent(monkeypatch):
    buyer, company = make_buyer(), make_company_user()
    call = CallFactory(
        need=NeedFactory(organisation=organisation_of(buyer)), closes_at=timezone.now() + timedelta(seconds=HOLD * 4)
    )
    draft = ResponseFactory(call=call, organisation=organisation_of(company), status=Response.Status.DRAFT)
    later = call.closes_at + timedelta(days=1)
    started = threading.Event()
    _slow_attach(monkeypatch, amendment_services, started)

    def extend():
        return amendment_services.amend_call(
            call=call,
            by=buyer,
            text="En dag till.",
            closes_at=later,
            attachments=[(_pdf(), "fil.pdf", "application/pdf")],
        )

    def submit():
        assert started.wait(timeout=10)
        return project_services.transition_response(response=draft, to=Response.Status.SUBMITTED, by=company)

    amendment, submitted = _run(extend, submit)

    assert isinstance(amendment, Amendment), amendment
    assert isinstance(submitted, Response), submitted
    call.refresh_from_db()
    assert call.closes_at == later
    draft.refresh_from_db()
    assert draft.status == Response.Status.SUBMITTED
    # The submission waited on the call row for the amendment (it did not read the call beside it).
    assert draft.submitted_at >= call.updated_at
    assert draft.submitted_at < call.closes_at
