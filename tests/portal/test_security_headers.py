"""Security headers and cookies as a browser gets them: gunicorn with production settings, over real HTTP.

The server runs in a subprocess (DEBUG off, HTTPS=1 behind a proxy that says X-Forwarded-Proto: https)
against the test database, so what is asserted here is what the WSGI stack really sends.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.factories import UserFactory, make_portal_admin

ROOT = Path(django_settings.BASE_DIR)
HTTPS_PROXY = {"X-Forwarded-Proto": "https"}


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the server process needs a database it can share with the test (PostgreSQL, as in CI)")
    auth = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_ports(count: int) -> list[int]:
    """`count` free ports, all different: held open together while they are chosen (one at a time, the system may
    hand out the same port twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Server:
    def __init__(self, port: int, process: subprocess.Popen):
        self.port, self.process = port, process

    def request(self, method: str, path: str, *, headers=None, body: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            response.body = response.read().decode()
            return response
        finally:
            conn.close()


@pytest.fixture
def server(transactional_db, tmp_path):
    port = _free_port()
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "HTTPS": "1",
        "SECRET_KEY": "a-real-production-secret-key-with-enough-length-and-variety-8f3k2j5h",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "0",
        # Static files straight from the source folders (no collectstatic), hashes as in the test run.
        "TESTING": "1",
        "PASSWORD_HASHERS": ",".join(django_settings.PASSWORD_HASHERS),
        "VAR_DIR": str(tmp_path),
        "LOG_FORMAT": "json",
    }
    stdout = open(tmp_path / "stdout.log", "w+")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
    running = Server(port, process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if running.request("GET", "/healthz").status == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("gunicorn did not start:\n" + process.communicate()[1])
        time.sleep(0.2)
    running.raw_log = (tmp_path / "stdout.log").read_text
    running.log = lambda: [json.loads(line) for line in running.raw_log().splitlines()]
    yield running
    process.terminate()
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
    stdout.close()


def _policy(response) -> dict[str, list[str]]:
    header = response.getheader("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    policy = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def _set_cookies(response) -> dict[str, str]:
    """name -> the whole Set-Cookie header (its attributes included)."""
    return {SimpleCookie(h).popitem()[0]: h for h in response.headers.get_all("Set-Cookie") or []}


def test_pages_carry_the_security_headers_and_a_strict_policy(server):
    response = server.request("GET", "/accounts/login/", headers=HTTPS_PROXY)

    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{32}", response.getheader("X-Request-ID"))
    features = dict(item.strip().split("=", 1) for item in response.getheader("Permissions-Policy").split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture", "fullscreen"):
        assert features[feature] == "()", feature
    policy = _policy(response)
    assert "unsafe-inline" not in response.getheader("Content-Security-Policy")
    assert "unsafe-eval" not in response.getheader("Content-Security-Policy")
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["font-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    # The page itself has nothing the policy would block.
    assert "<script>" not in response.body and " style=" not in response.body and " onclick=" not in response.body


def test_plain_http_is_redirected_to_https(server):
    response = server.request("GET", "/accounts/login/")
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{server.port}/accounts/login/"


def test_session_and_csrf_cookies_are_secure_and_http_only(server):
    UserFactory(email="kaka@example.org")
    login_page = server.request("GET", "/accounts/login/", headers=HTTPS_PROXY)
    csrf_header = _set_cookies(login_page)["csrftoken"]
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.body).group(1)
    csrf_cookie = SimpleCookie(csrf_header)["csrftoken"].value

    response = server.request(
        "POST",
        "/accounts/login/",
        headers={
            **HTTPS_PROXY,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Origin": f"https://127.0.0.1:{server.port}",
        },
        body=f"csrfmiddlewaretoken={csrf_token}&login=kaka%40example.org&password=test-password-123",
    )

    assert response.status == 302, response.body[:500]
    session_header = _set_cookies(response)["sessionid"]
    for header in (csrf_header, session_header):
        attributes = {a.strip().split("=")[0].lower() for a in header.split(";")[1:]}
        assert {"secure", "httponly"} <= attributes, header
        assert "samesite=lax" in header.lower(), header


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/django-admin/", "/django-admin/portal/auditentry/", "/django-admin/projects/need/add/"]
)
def test_the_django_admin_has_nothing_inline_the_policy_would_block(client, path):
    client.force_login(make_portal_admin(is_superuser=True))  # add pages are a superuser's only

    response = client.get(path)

    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    body = response.content.decode()
    assert "<style" not in body and " style=" not in body
    assert not re.search(r"\son[a-z]+=", body)
    for tag in re.findall(r"<script[^>]*>", body):
        assert " src=" in tag or 'type="application/json"' in tag, tag


def test_the_server_logs_one_json_line_per_request_with_its_id(server):
    response = server.request("GET", "/accounts/login/?next=/dashboard/&token=s3cr3t", headers=HTTPS_PROXY)
    request_id = response.getheader("X-Request-ID")

    deadline = time.monotonic() + 5
    while not [line for line in server.log() if line.get("request_id") == request_id]:
        assert time.monotonic() < deadline, "no log line for the request"
        time.sleep(0.1)
    [line] = [line for line in server.log() if line.get("request_id") == request_id]
    assert line["logger"] == "portal.request"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/accounts/login/", 200)
    assert "s3cr3t" not in server.raw_log()


def test_static_files_carry_the_permissions_policy_too(server):
    response = server.request("GET", "/static/css/portal.css", headers=HTTPS_PROXY)
    assert response.status == 200
    assert "camera=()" in response.getheader("Permissions-Policy")


def test_a_body_over_the_limit_is_refused_before_it_is_sent(server):
    """Only the headers go out: the 413 comes back without the server waiting for (or reading) 200 MB."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/accounts/login/")
        for name, value in {
            **HTTPS_PROXY,
            "Content-Type": "multipart/form-data; boundary=xyz",
            "Content-Length": str(200 * 1024 * 1024),
        }.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read().decode()
    finally:
        conn.close()
    assert response.status == 413
    assert "det du skickade är större än portalen tar emot" in body
    assert "camera=()" in response.getheader("Permissions-Policy")


def test_a_chunked_body_is_refused_with_411(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/accounts/login/")
        conn.putheader("X-Forwarded-Proto", "https")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        conn.send(b"5\r\nlogin\r\n")
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status == 411
