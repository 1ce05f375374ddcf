"""A response is never written after its call closed, even when the request waited on a lock (PostgreSQL)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.services import InvalidTransition
from projects import services
from projects.models import Response

from .factories import CallFactory, ResponseFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no row locks; the deadline race needs PostgreSQL."
    ),
]


def _call_closing_in(seconds: float):
    return CallFactory(closes_at=timezone.now() + timedelta(seconds=seconds))


def test_an_edit_waiting_on_the_lock_past_the_deadline_is_refused(company_user, company_org):
    call = _call_closing_in(1.5)
    response = ResponseFactory(call=call, organisation=company_org, status=Response.Status.DRAFT, summary="Före")
    locked = threading.Event()
    outcome: dict = {}

    def other_tab_holds_the_lock():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                Response.objects.select_for_update().get(pk=response.pk)
                locked.set()
                # Hold the row until the call has closed.
                while timezone.now() < call.closes_at + timedelta(seconds=0.3):
                    time.sleep(0.05)
        finally:
            thread_connection.close()

    def late_edit():
        from django.db import connection as thread_connection

        try:
            locked.wait(timeout=10)
            services.save_response(
                call=call, organisation=company_org, by=company_user, summary="Efter stängning", trl=6
            )
            outcome["result"] = "saved"
        except InvalidTransition as error:
            outcome["result"] = error
        finally:
            thread_connection.close()

    holder = threading.Thread(target=other_tab_holds_the_lock)
    editor = threading.Thread(target=late_edit)
    holder.start()
    editor.start()
    holder.join(timeout=30)
    editor.join(timeout=30)

    assert isinstance(outcome["result"], InvalidTransition), outcome
    assert str(outcome["result"].message) == "Förfrågan har stängt; svaren kan inte längre ändras."
    response.refresh_from_db()
    assert response.summary == "Före"
    assert response.updated_at < call.closes_at


def test_an_edit_whose_attachments_outlast_the_deadline_is_rolled_back(company_user, company_org, monkeypatch):
    call = _call_closing_in(0.6)
    response = ResponseFactory(call=call, organisation=company_org, status=Response.Status.DRAFT, summary="Före")

    def slow_attach(**kwargs):  # a large attachment being stored
        time.sleep(1.0)

    monkeypatch.setattr(services, "attach_files", slow_attach)
    with pytest.raises(InvalidTransition):
        services.save_response(
            call=call, organisation=company_org, by=company_user, summary="Efter", trl=6, attachments=["file"]
        )

    response.refresh_from_db()
    assert response.summary == "Före"
    assert response.updated_at < call.closes_at


def test_an_edit_before_the_deadline_is_kept(company_user, company_org):
    call = _call_closing_in(30)
    response = ResponseFactory(call=call, organisation=company_org, status=Response.Status.DRAFT, summary="Före")

    services.save_response(call=call, organisation=company_org, by=company_user, summary="I tid", trl=6)

    response.refresh_from_db()
    assert response.summary == "I tid"
