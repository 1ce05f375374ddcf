"""Two requests with the same form at the same moment, each in its own database transaction (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal import services as portal_services
from portal.models import Invitation, SubmissionToken
from portal.submission import FIELD, new_token
from projects import services as project_services
from projects.cpv import load_divisions
from projects.models import Need
from tests.factories import make_buyer, organisation_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="The unique index race needs PostgreSQL."),
]

NEED = {"title": "Solceller", "summary": "Kort", "category": "energi", "cpv": "09000000", "stage": "behov"}


def post_together(user, url, payloads):
    """POST each payload from its own client and thread, all released at the same moment."""
    barrier = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)

    def worker(index, data):
        from django.db import connection as thread_connection

        client = Client()
        client.force_login(user)
        try:
            barrier.wait()
            results[index] = client.post(url, data)
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(i, data)) for i, data in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def slowed(monkeypatch, module, name):
    """Both requests pass the "already sent?" check before either commits: the unique index must decide."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(module, name, slow)


def test_two_simultaneous_posts_with_the_same_token_create_one_need(monkeypatch):
    load_divisions()
    slowed(monkeypatch, project_services, "create_need")
    buyer = make_buyer()
    token = new_token()
    first, second = post_together(buyer, reverse("projects:need_create"), [{**NEED, FIELD: token}] * 2)
    need = Need.objects.get()
    detail = reverse("projects:need_detail", args=[need.pk])
    assert [first.status_code, second.status_code] == [302, 302]
    assert first["Location"] == second["Location"] == detail
    assert SubmissionToken.objects.get(token=token).url == detail


def test_two_simultaneous_posts_with_different_tokens_create_two_needs(monkeypatch):
    load_divisions()
    slowed(monkeypatch, project_services, "create_need")
    buyer = make_buyer()
    payloads = [{**NEED, FIELD: new_token()}, {**NEED, FIELD: new_token()}]
    results = post_together(buyer, reverse("projects:need_create"), payloads)
    assert [r.status_code for r in results] == [302, 302]
    assert Need.objects.count() == 2


def test_two_tabs_inviting_the_same_address_at_once_make_one_invitation(monkeypatch):
    slowed(monkeypatch, portal_services, "write_audit")
    owner = make_buyer()
    organisation = organisation_of(owner)
    payloads = [{"email": "kollega@example.org", "role": "member", FIELD: new_token()} for _ in range(2)]
    results = post_together(owner, reverse("portal:organisation_invite", args=[organisation.pk]), payloads)
    assert sorted(r.status_code for r in results) == [200, 302]
    assert Invitation.objects.filter(organisation=organisation).count() == 1
