"""Fault tests: real PostgreSQL, Redis, gunicorn and Celery processes, with services stopped and killed.

Run with `make fault-test` (not part of `make test`). Each run starts its OWN PostgreSQL cluster (initdb into a
temporary directory, on a free port) and its OWN redis-server on port 6390, so the machine's services are never
touched. Every fixture stops what it started, and a test that stops a service starts it again in `finally`.
"""

import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from glob import glob
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", "6390"))
VISIBILITY_TIMEOUT = 4


def free_port(preferred: int | None = None) -> int:
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port")


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    """A throwaway PostgreSQL cluster. As root it runs as the `postgres` user (initdb refuses root)."""

    def __init__(self, workdir: Path):
        binaries = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
        self.bin = Path(binaries[-1]).parent
        self.dir = workdir / "pgdata"
        self.log = workdir / "postgres.log"
        self.port = free_port(5499)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(workdir, user="postgres")
        self._run(
            "initdb",
            "-D",
            str(self.dir),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, cwd="/tmp")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.dir), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.dir / "postmaster.pid").exists()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal_faults"


class Redis:
    def __init__(self, workdir: Path):
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if port_open(REDIS_PORT):
            raise RuntimeError(f"port {REDIS_PORT} is taken: another redis-server? (set FAULT_REDIS_PORT)")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.workdir), "--logfile", str(self.workdir / "redis.log")],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(REDIS_PORT), timeout=10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{REDIS_PORT}/0"


@pytest.fixture(scope="session")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres(workdir):
    pg = Postgres(workdir)
    pg.start()
    try:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "-c", "CREATE DATABASE portal_faults"],
            check=True,
            capture_output=True,
        )
        yield pg
    finally:
        if pg.running():
            pg.stop()


@pytest.fixture(scope="session")
def redis(workdir):
    server = Redis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def env(workdir, postgres, redis):
    """The environment of every process: production settings against the test's own services."""
    values = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis.url,
        "SECRET_KEY": "fault-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "HTTPS": "0",
        "TESTING": "1",  # static files from the finders: no collectstatic needed
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "VAR_DIR": str(workdir / "var"),
        "PRIVATE_FILES_ROOT": str(workdir / "private"),
        "REQUIRE_STAFF_MFA": "0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=values, check=True)
    return values


def django(env: dict, code: str):
    """Run `code` in a Django shell of the portal (against the test's services); returns what it prints as JSON."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise AssertionError(f"manage.py shell failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Process:
    """A child process with its own process group and a log file (read by the tests)."""

    def __init__(self, name: str, args: list[str], env: dict, workdir: Path):
        self.log = Path(tempfile.mkstemp(prefix=f"{name}-", suffix=".log", dir=workdir)[1])  # one per process
        self.handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the process and every child (a worker dying without any chance to clean up)."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()


@pytest.fixture
def processes(env, workdir):
    """Start gunicorn / Celery workers; all are stopped after the test."""
    started: list[Process] = []

    class Starter:
        def gunicorn(self) -> tuple[Process, str]:
            port = free_port()
            process = Process(
                "gunicorn",
                [str(BIN / "gunicorn"), "portal.wsgi:application", "--workers", "1", "--threads", "4"]
                + ["--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "2"],
                env,
                workdir,
            )
            started.append(process)
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda: status_of(f"{base}/healthz") == 200, timeout=30, what="gunicorn")
            return process, base

        def worker(self, name: str, app: str = "portal", extra_env: dict | None = None) -> Process:
            process = Process(
                name,
                [str(BIN / "celery"), "-A", app, "worker", "--loglevel=INFO", "--concurrency=1"]
                + ["--hostname", f"{name}@faults", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                {**env, **(extra_env or {})},
                workdir,
            )
            started.append(process)
            wait_until(lambda: "ready." in process.output(), timeout=60, what=f"{name} to start")
            return process

    yield Starter()
    for process in reversed(started):
        process.stop()


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class Browser:
    """Cookies, CSRF and no redirect following: enough to sign in and post forms without JavaScript."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        body = None
        headers = {}
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.cookie("csrftoken"), **data}).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base + path}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, data: dict):
        return self.request(path, data)

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def sign_in(self, email: str, password: str) -> None:
        status, _, _ = self.get("/accounts/login/")
        assert status == 200
        status, body, headers = self.post("/accounts/login/", {"login": email, "password": password})
        assert status == 302, body[:2000]


SEED = """
import itertools
import json
from django.urls import reverse
from portal.models import Organisation
from tests import factories
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, organisation_of
# Each shell starts the factories' organisation numbers afresh: go on after those already made.
factories._org_numbers = itertools.count(Organisation.objects.count() + 1)
buyer = make_buyer(email="{email}")
need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=2)
print(json.dumps({{"need": need.pk, "order": reverse("documents:order", args=[need.pk])}}))
"""

PASSWORD = "test-password-123"  # tests.factories.UserFactory's


@pytest.fixture
def buyer_with_need(env, request):
    email = f"{request.node.name[:40].replace('_', '-')}@example.org"
    data = django(env, SEED.format(email=email))
    return {"email": email, "password": PASSWORD, **data}
