"""Structured logs: one JSON line per request with its id and user, no secrets, tracebacks as JSON."""

import io
import json
import logging

import pytest
from django.urls import path, reverse

from portal.logs import JsonFormatter, TextFormatter, redact, request_id_from
from tests.factories import UserFactory


def _boom(request):
    raise RuntimeError("the view broke")


# Used as ROOT_URLCONF by the exception test only.
urlpatterns = [path("boom/", _boom)]


@pytest.fixture
def log_lines():
    """The JSON lines the root logger writes while the test runs (as the stdout handler would)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    lines.raw = stream.getvalue
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


def _request_lines(lines):
    return [line for line in lines if line["logger"] == "portal.request"]


@pytest.mark.django_db
def test_a_request_logs_one_json_line_with_the_id_sent_back_in_the_header(client, log_lines):
    response = client.get(reverse("portal:privacy") + "?token=very-secret-value")

    [line] = _request_lines(log_lines())
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["method"] == "GET"
    assert line["path"] == reverse("portal:privacy")
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] is None
    assert {"time", "level", "logger", "message"} <= line.keys()
    assert "very-secret-value" not in log_lines.raw()


@pytest.mark.django_db
def test_a_request_log_line_names_the_signed_in_user(client, log_lines):
    user = UserFactory()
    client.force_login(user)

    response = client.get(reverse("portal:dashboard"))

    assert response.status_code == 200
    [line] = _request_lines(log_lines())
    assert line["user_id"] == user.pk
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_a_forged_one_replaced(client, log_lines):
    kept = client.get(reverse("portal:healthz"), headers={"X-Request-ID": "proxy-id-1234abcd"})
    forged = client.get(reverse("portal:healthz"), headers={"X-Request-ID": 'x" injected\nlevel=ERROR'})

    assert kept["X-Request-ID"] == "proxy-id-1234abcd"
    assert forged["X-Request-ID"] != 'x" injected\nlevel=ERROR' and len(forged["X-Request-ID"]) == 32
    assert [line["request_id"] for line in _request_lines(log_lines())] == [
        "proxy-id-1234abcd",
        forged["X-Request-ID"],
    ]


@pytest.mark.django_db
def test_django_s_not_found_warning_names_the_request_too(client, log_lines):
    response = client.get("/no-such-page/?code=4711")

    assert response.status_code == 404
    [warning] = [line for line in log_lines() if line["logger"] == "django.request"]
    assert warning["level"] == "WARNING"
    assert warning["request_id"] == response["X-Request-ID"]
    assert warning["path"] == "/no-such-page/"
    assert "4711" not in log_lines.raw()


@pytest.mark.parametrize("header", [None, "", "short", "a" * 129, "has space 12345", "<script>alert(1)</script>"])
def test_request_id_from_refuses_anything_but_a_plain_token(header):
    request_id = request_id_from(header)
    assert request_id != header and len(request_id) == 32


@pytest.mark.django_db
def test_a_login_post_never_puts_the_password_in_any_log_line(client, log_lines):
    UserFactory(email="inloggad@example.org")
    secret = "test-password-123"
    wrong = "Wrong-Passw0rd-xyz"

    client.post(reverse("account_login"), {"login": "inloggad@example.org", "password": wrong})
    response = client.post(reverse("account_login"), {"login": "inloggad@example.org", "password": secret})

    assert response.status_code == 302
    raw = log_lines.raw()
    assert len(_request_lines(log_lines())) == 2
    assert secret not in raw and wrong not in raw
    assert client.cookies["sessionid"].value not in raw


@pytest.mark.django_db
@pytest.mark.urls("tests.portal.test_logs")
def test_an_exception_logs_its_traceback_as_json(client, log_lines):
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    lines = log_lines()
    [error] = [line for line in lines if line.get("exception")]
    assert error["level"] == "ERROR"
    assert error["logger"] == "django.request"
    assert "Traceback (most recent call last)" in error["exception"]
    assert "RuntimeError: the view broke" in error["exception"]
    assert error["request_id"] == response["X-Request-ID"]
    assert error["path"] == "/boom/"
    [request_line] = _request_lines(lines)
    assert request_line["status"] == 500


def test_a_celery_task_logs_json_lines_naming_the_task(log_lines):
    from portal.celery import app

    @app.task(name="tests.log_something")
    def log_something():
        logging.getLogger("portal.tasks").warning("task ran")

    log_something.apply(task_id="task-id-1234")

    [line] = [line for line in log_lines() if line["message"] == "task ran"]
    assert line["task_id"] == "task-id-1234"
    assert line["task_name"] == "tests.log_something"
    assert line["level"] == "WARNING" and line["request_id"] is None


def test_redact_blanks_secret_values_but_keeps_the_rest():
    text = "GET /accounts/password/reset/key/?token=abc123&page=2&api_key=k-9 password=hunter2 code=4711"
    assert redact(text) == (
        "GET /accounts/password/reset/key/?token=[redacted]&page=2&api_key=[redacted] "
        "password=[redacted] code=[redacted]"
    )


def test_text_format_is_one_readable_line_with_the_request_id():
    record = logging.LogRecord("portal.x", logging.WARNING, __file__, 1, "sent %s", ("mail",), None)
    record.request_id = "abcdef1234567890"
    line = TextFormatter().format(record)
    assert line.endswith("WARNING portal.x [abcdef123456] sent mail")
    assert "\n" not in line
