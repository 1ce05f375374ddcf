import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from portal.models import Organisation

pytestmark = pytest.mark.django_db

FRIENDLY_SV = "Portalen är tillfälligt otillgänglig"
FRIENDLY_EN = "The portal is temporarily unavailable"


def _database_down(*args, **kwargs):
    raise OperationalError('connection to server at "127.0.0.1", port 5499 failed: Connection refused')


def test_a_view_losing_the_database_answers_a_friendly_503(monkeypatch, uncached_pages):
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", _database_down)

    response = Client(raise_request_exception=False).get(reverse("projects:need_list"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert FRIENDLY_SV in body and FRIENDLY_EN in body


def test_a_middleware_losing_the_database_answers_a_friendly_503(monkeypatch):
    # The session is read by middleware (before any view); Django turns such errors into 500s on its own.
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore._get_session_from_db", _database_down)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32

    response = client.get(reverse("portal:home"))

    assert response.status_code == 503
    assert FRIENDLY_SV in response.content.decode()


def test_other_errors_still_give_the_500_page(monkeypatch, uncached_pages):
    def bug(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", bug)

    response = Client(raise_request_exception=False).get(reverse("projects:need_list"))

    assert response.status_code == 500
    assert FRIENDLY_SV not in response.content.decode()


def test_the_503_page_renders_without_the_database(django_assert_num_queries):
    from portal.middleware import database_unavailable_response

    with django_assert_num_queries(0):
        response = database_unavailable_response()

    assert response.status_code == 503 and FRIENDLY_EN in response.content.decode()


def test_pages_answer_normally_with_the_database_up():
    Organisation.objects.count()
    assert Client().get(reverse("projects:need_list")).status_code == 200
