"""deploy/nginx.conf run for real in front of gunicorn: TLS, the redirect, the body limit and the client address.

Needs nginx (on PATH or NGINX_PATH) and openssl, and PostgreSQL for the server (as in test_security_headers).
The configuration is used as committed, with only the addresses changed: free local ports instead of 80, 443
and `web:8000`, a fresh self-signed certificate instead of the mounted one.
"""

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.portal.test_security_headers import _free_ports, server  # noqa: F401 (the gunicorn fixture)

ROOT = Path(django_settings.BASE_DIR)
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or ""


@pytest.fixture
def proxy(server, tmp_path):  # noqa: F811
    if not NGINX or not shutil.which("openssl"):
        pytest.skip("nginx and openssl are needed to run deploy/nginx.conf")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", certs / "privkey.pem", "-out", certs / "fullchain.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    http_port, https_port, health_port = _free_ports(3)
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    for committed, local in [
        ("listen 80 ", f"listen 127.0.0.1:{http_port} "),
        ("listen 443 ", f"listen 127.0.0.1:{https_port} "),
        ("listen 127.0.0.1:8081", f"listen 127.0.0.1:{health_port}"),
        ("web:8000", f"127.0.0.1:{server.port}"),
        ("/etc/nginx/certs", str(certs)),
        ("/var/log/nginx/access.log", str(tmp_path / "access.log")),
    ]:
        assert committed in config
        config = config.replace(committed, local)
    (tmp_path / "portal.conf").write_text(config)
    (tmp_path / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n"
        + "".join(f" {kind}_temp_path {tmp_path}/{kind};\n" for kind in TEMP_PATHS)
        + f" include {tmp_path}/portal.conf;\n}}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", https_port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("nginx did not start:\n" + process.communicate()[1])
            time.sleep(0.1)
    yield {
        "http": http_port,
        "https": https_port,
        "health": health_port,
        "server": server,
        "log": tmp_path / "access.log",
    }
    process.terminate()
    process.wait(timeout=10)


def _request(port, method, path, *, tls=True, headers=None, body=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.body = response.read().decode()
        return response
    finally:
        conn.close()


def test_plain_http_is_redirected_to_https(proxy):
    response = _request(proxy["http"], "GET", "/accounts/login/?next=/dashboard/", tls=False)
    assert response.status == 301
    assert response.getheader("Location") == "https://127.0.0.1/accounts/login/?next=/dashboard/"


def test_the_portal_answers_over_tls_as_https_with_its_headers(proxy):
    response = _request(proxy["https"], "GET", "/accounts/login/")
    assert response.status == 200  # no redirect loop: the portal sees X-Forwarded-Proto: https
    assert "max-age=31536000" in response.getheader("Strict-Transport-Security")
    assert "camera=()" in response.getheader("Permissions-Policy")
    assert response.getheader("Server") == "nginx"  # no version


def test_a_body_over_the_limit_gets_the_portals_413_page_from_the_proxy(proxy):
    body = b"x" * (django_settings.MAX_REQUEST_BODY_SIZE + 1)
    response = _request(
        proxy["https"],
        "POST",
        "/accounts/login/",
        headers={"Content-Type": "application/octet-stream", "Cookie": "django_language=en"},
        body=body,
    )
    assert response.status == 413
    assert "larger than the portal accepts" in response.body


def test_the_health_check_answers(proxy):
    assert _request(proxy["health"], "GET", "/health", tls=False).status == 200


def test_the_access_log_keeps_paths_without_their_query_strings(proxy):
    """A private calendar feed's address carries its secret in `?token=`; a search carries what a person looked for."""
    _request(proxy["https"], "GET", "/oppna-data/kalender/privat.ics?token=the-feeds-secret-123")
    _request(proxy["http"], "GET", "/needs/?q=a-persons-search", tls=False)
    expected = ["GET /oppna-data/kalender/privat.ics HTTP/1.1", "GET /needs/ HTTP/1.1"]
    deadline = time.monotonic() + 5
    log = proxy["log"].read_text()
    while not all(line in log for line in expected) and time.monotonic() < deadline:
        time.sleep(0.05)  # nginx writes a request's line once the response has gone out
        log = proxy["log"].read_text()
    assert all(line in log for line in expected), log
    assert "the-feeds-secret-123" not in log and "a-persons-search" not in log
