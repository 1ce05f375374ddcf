import threading

import pytest
from django.db import connection

from projects.decision_support.models import DecisionDocument
from projects.decision_support.services import order_decision_document
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, organisation_of


@pytest.mark.django_db(transaction=True)
def test_simultaneous_orders_for_an_unchanged_need_make_one_document(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises writers anyway).")
    monkeypatch.setattr("portal.documents.queue_render", lambda **kwargs: None)  # only the rows matter here
    buyer = make_buyer()
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=1)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def order():
        from django.db import connections

        try:
            barrier.wait()
            results.append(order_decision_document(need=need, by=buyer, language="sv"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=order) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert DecisionDocument.objects.filter(need=need).count() == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
