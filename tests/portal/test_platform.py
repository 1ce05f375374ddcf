"""Deployment settings, health endpoints, language choice, demo data and translations."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from portal.models import Membership, Organisation, User
from tests.factories import make_buyer
from tests.portal import polib_free_po as po_reader

ROOT = Path(django_settings.BASE_DIR)


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": "a-real-production-secret-key-with-enough-length-and-variety-8f3k2j5h",
        "ALLOWED_HOSTS": "portal.example.se",
        "EMAIL_HOST": "smtp.example.se",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path):
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_models_and_migrations_are_in_step_without_any_configuration(tmp_path):
    """`manage.py makemigrations --check` runs bare (no SECRET_KEY, DEBUG off) and finds nothing to write."""
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_healthz_answers(client):
    response = client.get(reverse("portal:healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_when_database_answers(client):
    response = client.get(reverse("portal:readyz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


@pytest.mark.django_db
def test_readyz_reports_unreachable_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("portal:readyz"))
    assert response.status_code == 503
    assert response.json()["reasons"] == ["redis: unreachable"]


@pytest.mark.django_db
def test_readyz_reports_broken_database(client):
    with mock.patch("portal.views.pages.connection.cursor", side_effect=RuntimeError("down")):
        response = client.get(reverse("portal:readyz"))
    assert response.status_code == 503
    assert response.json()["reasons"] == ["database: unreachable"]
    assert "down" not in response.content.decode()  # details stay in the log


def _readyz_connections(url):
    """The connections the probe's pool has opened (idle and in use)."""
    from portal.views.pages import _redis_client

    pool = _redis_client(url).connection_pool
    return list(pool._available_connections) + list(pool._in_use_connections)


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_readyz_keeps_one_redis_connection_between_probes(client, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    for _ in range(5):
        assert client.get(reverse("portal:readyz")).status_code == 200
    [connection] = _readyz_connections(settings.REDIS_URL)  # one connection, kept, not one per probe
    assert connection.socket_timeout == connection.socket_connect_timeout == 0.5


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_readyz_recovers_when_redis_comes_back(client, settings):
    """Redis goes away (the kept connection is cut and no new one can be opened), then comes back."""
    import redis

    from portal.views.pages import _redis_client

    settings.REDIS_URL = os.environ["REDIS_URL"]
    url = settings.REDIS_URL
    assert client.get(reverse("portal:readyz")).status_code == 200
    kept_id = _redis_client(url).client_id()
    # Redis closes the kept connection (as a restart does) ...
    with redis.Redis.from_url(url) as admin:
        admin.client_kill_filter(_id=kept_id)
    refused = redis.exceptions.ConnectionError("Connection refused")
    # ... and refuses new ones while it is down.
    with mock.patch("redis.connection.Connection._connect", side_effect=refused):
        for _ in range(2):
            response = client.get(reverse("portal:readyz"))
            assert response.status_code == 503
            assert response.json()["reasons"] == ["redis: unreachable"]
    # Back: the next probe opens a new connection through the same pool and answers ready.
    response = client.get(reverse("portal:readyz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert _redis_client(url).client_id() != kept_id
    assert len(_readyz_connections(url)) == 1


@pytest.mark.django_db
def test_language_switch_is_remembered_for_mails(client):
    user = make_buyer()
    client.force_login(user)
    response = client.post(reverse("portal:set_language"), {"language": "en", "next": "/dashboard/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    assert "Dashboard" in client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_creates_the_documented_accounts(client):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    verified = Organisation.objects.filter(status=Organisation.Status.VERIFIED).order_by("pk")
    stamps = list(verified.values_list("pk", "verified_by__email", "verified_at"))
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert (User.objects.count(), Organisation.objects.count(), Membership.objects.count()) == counts
    assert set(verified.values_list("name", flat=True)) >= {"Demo kommun", "Demo region"}
    # Verified as in the portal: by the demo admin, at a time, and a second run leaves both alone.
    assert all(by == "admin@demo.test" and at is not None for _pk, by, at in stamps)
    assert list(verified.values_list("pk", "verified_by__email", "verified_at")) == stamps
    assert not Organisation.objects.filter(status=Organisation.Status.PENDING, verified_at__isnull=False).exists()
    assert Organisation.objects.get(name="Demo kommun").is_verified
    assert Organisation.objects.filter(status=Organisation.Status.PENDING, kind="public_body").exists()
    assert User.objects.get(email="admin@demo.test").groups.filter(name="portal_admins").exists()
    assert User.objects.get(email="handlaggare@demo.test").groups.filter(name="handlers").exists()
    for email in ["kommun@demo.test", "region@demo.test", "foretag@demo.test", "startup@demo.test"]:
        assert client.login(email=email, password="demo-portal-2026"), email


def test_swedish_catalogues_are_complete():
    """Every app's Swedish .po has a translation for every string, none fuzzy."""
    problems = []
    for po_file in sorted(ROOT.glob("*/locale/sv/LC_MESSAGES/django.po")):
        for entry in po_reader.entries(po_file):
            if entry.obsolete:
                continue
            if entry.fuzzy or not entry.translated:
                problems.append(f"{po_file.relative_to(ROOT)}: {entry.msgid[:60]!r}")
    assert not problems, "Untranslated Swedish strings:\n" + "\n".join(problems)


@pytest.mark.django_db  # the public-page cache reads when the next call or webinar changes by the clock
def test_swedish_is_the_default_even_for_english_browsers(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="sv">' in response.content.decode()
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_no_string_is_translated_two_ways_in_different_apps():
    """All catalogues are merged at run time, so one msgid (in one context) must have one Swedish text."""
    seen: dict[tuple, dict[str, str]] = {}
    for po_file in sorted(ROOT.glob("*/locale/sv/LC_MESSAGES/django.po")):
        for entry in po_reader.entries(po_file):
            if entry.obsolete or not entry.translated:
                continue
            seen.setdefault((entry.msgctxt, entry.msgid), {})[po_file.parts[-5]] = "|".join(entry.msgstrs)
    clashes = {key: texts for key, texts in seen.items() if len(set(texts.values())) > 1}
    assert not clashes, f"Use a translation context (pgettext / {{% translate ... context %}}): {clashes}"


def _compose_healthcheck_code() -> str:
    import json
    import re

    compose = (ROOT / "docker-compose.yml").read_text()
    command = json.loads(re.search(r'test: (\["CMD", "python".*\])', compose).group(1))
    return command[command.index("-c") + 1]


@pytest.mark.django_db
def test_compose_web_healthcheck_passes_with_production_allowed_hosts(client, settings, monkeypatch):
    """The healthcheck calls 127.0.0.1 inside the container; ALLOWED_HOSTS holds only the public name."""
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    settings.ALLOWED_HOSTS = ["portal.example.se"]
    monkeypatch.setenv("ALLOWED_HOSTS", "portal.example.se")
    answers = []

    def urlopen(request, timeout=None):
        if isinstance(request, str):
            request = urllib.request.Request(request)
        url = urlsplit(request.full_url)
        host = request.get_header("Host") or url.netloc
        response = client.get(url.path, HTTP_HOST=host)
        answers.append(response.status_code)
        if response.status_code >= 400:
            raise urllib.error.HTTPError(request.full_url, response.status_code, "failed", {}, None)
        return response

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    exec(_compose_healthcheck_code(), {})  # noqa: S102 - the compose file's own check, run against the test client
    assert answers == [200]


def test_docker_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git"):
        assert entry in ignored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "sv",
            [
                "Personuppgifter som sparas i portalen",
                "Anmälningar till webbinarier: namn, e-post, organisation",
                "90 dagar efter webbinariet; sedan tas namn, e-post och organisation bort",
                "Länken fungerar i 14 dagar",
                "Tills du loggar ut, högst 3 dagar",
                "Misslyckade inloggningsförsök",
                "Filer du valt i ett formulär som inte kunde sparas än",
                "Tills formuläret sparas, högst 24 timmar",
            ],
        ),
        (
            "en",
            [
                "Personal data kept in the portal",
                "Webinar registrations: name, email, organisation",
                "90 days after the webinar; then name, email and organisation are removed",
                "The link works for 14 days",
                "Until you log out, at most 3 days",
                "Failed sign-in attempts",
                "Files you chose on a form that could not be saved yet",
                "Until the form is saved, at most 24 hours",
            ],
        ),
    ],
)
def test_privacy_page_lists_data_why_and_the_configured_retention(client, settings, language, texts):
    settings.WEBINARS_REGISTRATION_RETENTION_DAYS = 90
    settings.SESSION_COOKIE_AGE = 3 * 24 * 60 * 60
    client.cookies["django_language"] = language
    content = client.get(reverse("portal:privacy")).content.decode()
    for text in texts:
        assert text in content, text
    headers = ["Uppgifter", "Varför", "Hur länge"] if language == "sv" else ["Data", "Why", "How long"]
    for header in headers:
        assert f'<th scope="col">{header}</th>' in content
    assert content.count("<tr>") >= 10


@pytest.mark.django_db
def test_privacy_page_says_one_day_not_one_days(client, settings):
    settings.WEBINARS_REGISTRATION_RETENTION_DAYS = 1
    content = client.get(reverse("portal:privacy")).content.decode()
    assert "1 dag efter webbinariet" in content
