import threading

import pytest
from django.db import connection

from portal.audit import AuditAction
from portal.models import AuditEntry, Mail
from portal.services import InvalidTransition
from projects import services
from projects.models import Question
from tests.factories import make_buyer, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory


@pytest.mark.django_db(transaction=True)
def test_two_buyers_publishing_the_same_answer_at_once_publish_it_once():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises writers anyway).")
    buyer = make_buyer()
    colleague = make_buyer(organisation=organisation_of(buyer))
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    question = QuestionFactory(call=call, answered=True)
    barrier = threading.Barrier(2)
    published, refused = [], []

    def publish(user):
        from django.db import connections

        try:
            barrier.wait()
            published.append(services.publish_answers(call=call, questions=[question], by=user))
        except InvalidTransition as error:
            refused.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(user,)) for user in (buyer, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert (len(published), len(refused)) == (1, 1)
    assert Question.objects.get(pk=question.pk).is_published
    assert AuditEntry.objects.filter(action=AuditAction.QUESTION_PUBLISHED).count() == 1
    assert Mail.objects.filter(template="projects/mail/question_answered").count() == 1
