"""Several nodes of the portal on one machine, without Docker (`make cluster`, `make cluster-test`).

`cluster.py run` starts two gunicorn web nodes (ports 8131 and 8132), two Celery workers (w1@%h, w2@%h)
and beat, all with production settings (DEBUG off, plain HTTP) and sharing one PostgreSQL database
(CLUSTER_DATABASE_URL, created if missing, migrated), one Redis database (CLUSTER_REDIS_URL) and one file
storage (var/cluster/private). It waits until /readyz answers on both ports, then runs in the foreground
until Ctrl-C and stops every child it started.

`cluster.py test` starts the same cluster on two free ports (staff two-factor off, so the handler can sign
in with a password), seeds its own data with names unique to the run (the database is reused) and checks
over real HTTP that:
  1. a session made on one node is valid on the other (requests alternate between the nodes);
  2. 50 decision-support documents ordered at once are each rendered exactly once, by both workers together;
  3. 20 concurrent approvals in one call (20 proposals of one handler, confirmed at once by another with the
     right to decide) never grant more than the call's budget; every answer is a redirect, never a server error.
It prints PASS or FAIL for each with what it measured, exits 1 if any failed, and always stops the cluster.
Logs: var/cluster/*.log (truncated at every start). Do not run it while `make cluster` uses the same
database and Redis: the other cluster's workers would take some of the tasks.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var" / "cluster"
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DEFAULT_PORTS = (8131, 8132)
WORKERS = ("w1", "w2")
# A fixed key, so that sessions survive a restart of the local cluster; it is not a production secret.
DEFAULT_SECRET_KEY = "cluster-secret-key-local-only-0123456789abcdefghijklmnopqrstuvwxyz"
RENDER_LINE = re.compile(r"Rendering document (?P<kind>\S+) #(?P<id>\d+), attempt (?P<attempt>\d+)\.")
PASSWORD = "cluster-password-0123"
DOCUMENTS = 50
APPROVALS = 20
AMOUNT = 100_000
BUDGET = 550_000  # room for 5 of the 20 approvals of AMOUNT, with 50 000 SEK left over


# --- pure helpers (tests/test_cluster_script.py) ----------------------------------------------------------------


def parse_ports(value: str) -> tuple[int, int]:
    """'8131,8132' -> (8131, 8132); two different ports between 1024 and 65535."""
    try:
        ports = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: give two port numbers, e.g. 8131,8132") from None
    if len(ports) != 2 or ports[0] == ports[1] or not all(1024 <= port <= 65535 for port in ports):
        raise argparse.ArgumentTypeError(f"{value!r}: give two different port numbers between 1024 and 65535")
    return ports  # type: ignore[return-value]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", choices=("run", "test"), default="run")
    parser.add_argument(
        "--ports",
        type=parse_ports,
        default=None,
        help="the web nodes' ports (run: 8131,8132; test: two free ports)",
    )
    parser.add_argument("--concurrency", type=int, choices=(1, 2), default=1, help="processes per Celery worker")
    return parser.parse_args(argv)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: closed connections do not count
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int = 2) -> tuple[int, ...]:
    """Ports the system has just handed out as free (bound together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return tuple(sock.getsockname()[1] for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()


def choose_ports(mode: str, requested: tuple[int, int] | None) -> tuple[int, int]:
    """The ports asked for, else 8131/8132 for `run` and free ports for `test` (which must not collide)."""
    if requested is not None:
        return requested
    if mode == "test":
        return free_ports(2)  # type: ignore[return-value]
    return DEFAULT_PORTS


def maintenance_url(database_url: str) -> tuple[str, str]:
    """The URL of the server's `postgres` database (to create ours from) and our database's name."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "postgis") or not name:
        raise ValueError(f"{database_url!r} is not a PostgreSQL URL with a database name")
    return urlunsplit(("postgresql", parts.netloc, "/postgres", parts.query, "")), name


def cluster_env(
    base: dict[str, str], *, database_url: str, redis_url: str, var_dir: Path, site_url: str, mode: str
) -> dict[str, str]:
    """The environment every node gets: production settings over plain HTTP, shared database, Redis and files."""
    env = {key: value for key, value in base.items() if key not in ("TESTING", "DEBUG", "CELERY_TASK_ALWAYS_EAGER")}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": base.get("SECRET_KEY") or DEFAULT_SECRET_KEY,
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "VAR_DIR": str(var_dir),
            "PRIVATE_FILES_ROOT": str(var_dir / "private"),
            "SITE_URL": site_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    # The nodes share the directory above, whatever the shell says about a bucket.
    for name in ("S3_BUCKET", "AWS_STORAGE_BUCKET_NAME"):
        env.pop(name, None)
    if mode == "test":
        env["REQUIRE_STAFF_MFA"] = "0"  # the handler signs in with a password only
    return env


def render_counts(log_text: str, kind: str) -> Counter:
    """How often each document id of `kind` was started ("Rendering document" lines) in one worker's log."""
    return Counter(int(match["id"]) for match in RENDER_LINE.finditer(log_text) if match["kind"] == kind)


# --- processes --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self, env: dict[str, str]) -> None:
        handle = self.log.open("w")
        # A session of its own: Ctrl-C reaches only this script, which then stops each child in order.
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 20) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn and Celery shut down gracefully on TERM
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"  {self.name} did not stop in {timeout:.0f} s; killing it", flush=True)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever is left of its own process group
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def build_nodes(ports: tuple[int, int], concurrency: int, var_dir: Path) -> list[Node]:
    nodes = []
    for number, port in enumerate(ports, start=1):
        nodes.append(
            Node(
                f"web{number}",
                [
                    str(BIN / "gunicorn"),
                    "portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "10",
                    "--access-logfile",
                    str(var_dir / f"web{number}-access.log"),
                ],
                var_dir / f"web{number}.log",
            )
        )
    for worker in WORKERS:
        nodes.append(
            Node(
                worker,
                [
                    str(BIN / "celery"),
                    "-A",
                    "portal",
                    "worker",
                    "-n",
                    f"{worker}@%h",
                    "--concurrency",
                    str(concurrency),
                    "--loglevel",
                    "INFO",
                ],
                var_dir / f"{worker}.log",
            )
        )
    nodes.append(
        Node(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "portal",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(var_dir / "celerybeat-schedule"),
            ],
            var_dir / "beat.log",
        )
    )
    return nodes


def ensure_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    admin_url, name = maintenance_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.", flush=True)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def wait_until_up(nodes: list[Node], ports: tuple[int, int], timeout: float = 90) -> None:
    """Until /readyz answers 200 on both ports and both workers have logged that they are ready."""
    deadline = time.monotonic() + timeout
    pending_ports = set(ports)
    pending_workers = {node for node in nodes if node.name in WORKERS}
    while pending_ports or pending_workers:
        for node in nodes:
            if not node.alive():
                raise RuntimeError(f"{node.name} exited (code {node.process.returncode}):\n{node.tail()}")
        for port in list(pending_ports):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/readyz", headers={"Host": "127.0.0.1"})
                if connection.getresponse().status == 200:
                    pending_ports.discard(port)
            except OSError:
                pass
        for node in list(pending_workers):
            if re.search(rf"\b{node.name}@\S+ ready\.", node.log.read_text(errors="replace")):
                pending_workers.discard(node)
        if time.monotonic() > deadline:
            waiting = [f":{port}/readyz" for port in sorted(pending_ports)] + [n.name for n in pending_workers]
            raise RuntimeError(f"The cluster did not come up in {timeout:.0f} s; waiting for {', '.join(waiting)}")
        time.sleep(0.3)


def raise_interrupt(signum, frame):
    raise KeyboardInterrupt


# --- an HTTP client ---------------------------------------------------------------------------------------------


@dataclass
class Response:
    port: int
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Client:
    """Like a browser: one cookie jar for the host whatever the port (cookies do not depend on ports), no redirects
    followed, a form's CSRF token taken from the csrftoken cookie."""

    cookies: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, method: str, port: int, path: str, data: dict | None = None) -> Response:
        with self.lock:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if data is not None:
            with self.lock:
                data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=90)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        with self.lock:
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return Response(port, response.status, response.headers, text)

    def get(self, port: int, path: str) -> Response:
        return self.request("GET", port, path)

    def post(self, port: int, path: str, data: dict) -> Response:
        return self.request("POST", port, path, data)

    def sign_in(self, port: int, email: str) -> Response:
        self.get(port, "/accounts/login/")
        return self.post(port, "/accounts/login/", {"login": email, "password": PASSWORD})


def run_together(functions: list) -> list:
    """Run the callables in threads released at the same moment; their results or the exceptions they raised."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as error:  # noqa: BLE001 - the check reports what each thread got
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# --- the checks -------------------------------------------------------------------------------------------------


def seed(tag: str) -> dict:
    """A buyer with 50 needs, a handler, and an open call of BUDGET SEK with 20 applications in review.

    Made directly with the ORM (the state the checks start from, as the tests' factories do); every name,
    e-mail address and number carries `tag`, so the runs do not collide in the reused database.
    """
    import datetime

    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from checks.models import Application, BudgetLine, ExpertiseLine, GrantCall, Track
    from checks.rules import DECIDERS_GROUP
    from checks.services import propose_decision
    from portal.models import Membership, Organisation, User
    from portal.orgnr import luhn_ok
    from portal.rules import HANDLERS_GROUP
    from projects.models import Need

    def user(email: str, language: str) -> User:
        person = User.objects.create_user(email=email, password=PASSWORD, first_name="Kluster", language=language)
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
        return person

    def org_number() -> str:
        while True:
            body = f"2120{secrets.randbelow(100_000):05d}"
            digits = next(body + str(c) for c in range(10) if luhn_ok(body + str(c)))
            number = f"{digits[:6]}-{digits[6:]}"
            if not Organisation.objects.filter(org_number=number).exists():
                return number

    today = timezone.localdate()
    with transaction.atomic():
        organisation = Organisation.objects.create(
            kind=Organisation.Kind.PUBLIC_BODY,
            name=f"Klusterkommunen {tag}",
            org_number=org_number(),
            status=Organisation.Status.VERIFIED,
        )
        buyer = user(f"cluster-buyer-{tag}@example.org", "sv")
        Membership.objects.create(user=buyer, organisation=organisation, role=Membership.Role.OWNER)
        needs = Need.objects.bulk_create(
            Need(
                organisation=organisation,
                author=buyer,
                title=f"Behov {number} ({tag})",
                summary="Ett behov för klustertestet.",
                problem="Problembeskrivning.",
            )
            for number in range(1, DOCUMENTS + 1)
        )
        handler = user(f"cluster-handler-{tag}@example.org", "sv")
        handler.groups.add(Group.objects.get_or_create(name=HANDLERS_GROUP)[0])
        # Four eyes: `handler` proposes (föredragande), `decider` decides (beslutsfattare).
        decider = user(f"cluster-decider-{tag}@example.org", "sv")
        decider.groups.add(Group.objects.get_or_create(name=HANDLERS_GROUP)[0])
        decider.groups.add(Group.objects.get_or_create(name=DECIDERS_GROUP)[0])
        call = GrantCall.objects.create(
            name=f"Klusterutlysning {tag}",
            reference_number=f"CLUSTER-{tag}",
            description="Checkar för klustertestet.",
            opens_on=today - datetime.timedelta(days=10),
            closes_on=today + datetime.timedelta(days=10),
            total_budget=BUDGET,
            status=GrantCall.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        track = Track.objects.create(call=call, name="Beslutsunderlag", cap_one=200_000, position=0)
        applications, proposals = [], []
        for number in range(1, APPROVALS + 1):
            application = Application.objects.create(
                call=call,
                track=track,
                organisation=organisation,
                contact=buyer,
                created_by=buyer,
                title=f"Ansökan {number}",
                purpose="Syfte.",
                background="Bakgrund.",
                expected_results="Resultat.",
                requested_amount=AMOUNT,
                period_start=today + datetime.timedelta(days=30),
                period_end=today + datetime.timedelta(days=120),
                state=Application.State.IN_REVIEW,
                reference=f"C{tag}-{number:02d}",
                submitted_at=timezone.now(),
            )
            ExpertiseLine.objects.create(
                application=application, provider="Konsult AB", competence="Expert", fee=AMOUNT
            )
            BudgetLine.objects.create(
                application=application, kind=BudgetLine.Kind.EXPERTISE, description="Arvode", amount=AMOUNT
            )
            applications.append(application.pk)
            proposals.append(
                propose_decision(
                    application=application,
                    by=handler,
                    outcome="approved",
                    granted_amount=AMOUNT,
                    reasoning="Beviljas i klustertestet.",
                ).pk
            )
    return {
        "buyer": buyer.email,
        "handler": handler.email,
        "decider": decider.email,
        "proposals": proposals,
        "needs": [need.pk for need in needs],
        "call": call.pk,
        "applications": applications,
    }


@dataclass
class Check:
    title: str
    passed: bool = True
    facts: list[str] = field(default_factory=list)

    def expect(self, condition: bool, fact: str) -> None:
        self.facts.append(fact if condition else f"NOT {fact}")
        self.passed = self.passed and bool(condition)


def access_log_count(path: Path, needle: str) -> int:
    try:
        return sum(needle in line for line in path.read_text(errors="replace").splitlines())
    except FileNotFoundError:
        return 0


def check_sessions(ports, data) -> Check:
    check = Check("A session made on one node is valid on the other; requests alternate between the nodes")
    client = Client()
    login = client.sign_in(ports[0], data["buyer"])
    check.expect(
        login.status == 302 and "/dashboard/" in login.location and "sessionid" in client.cookies,
        f"signed in on :{ports[0]} (POST /accounts/login/ -> {login.status} {login.location})",
    )
    statuses = Counter()
    for index in range(6):
        port = ports[index % 2]
        response = client.get(port, "/dashboard/")
        ok = response.status == 200 and data["buyer"] in response.text
        statuses[(port, ok)] += 1
    for port in ports:
        check.expect(statuses[(port, True)] == 3, f"dashboard 200 with the user's e-mail on :{port} 3 of 3 times")
    # gunicorn writes an access line after the response has gone out: give the last one a moment to land.
    deadline = time.monotonic() + 5
    while True:
        web_counts = [access_log_count(VAR_DIR / f"web{n}-access.log", "GET /dashboard/") for n in (1, 2)]
        if all(count >= 3 for count in web_counts) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    check.expect(
        all(count >= 3 for count in web_counts),
        f"access logs: web1 served {web_counts[0]}, web2 {web_counts[1]} dashboard requests",
    )
    anonymous = Client().get(ports[1], "/dashboard/")
    check.expect(
        anonymous.status == 302 and "/accounts/login/" in anonymous.location,
        f"without the cookie :{ports[1]} sends to login ({anonymous.status})",
    )
    return check


def check_documents(ports, data, timeout: float = 90) -> Check:
    from django.conf import settings

    from projects.decision_support.models import DECISION_SUPPORT_KIND, DecisionDocument

    check = Check(f"{DOCUMENTS} decision-support documents ordered at once are each rendered exactly once")
    client = Client()
    client.sign_in(ports[0], data["buyer"])
    started = time.monotonic()
    results = run_together(
        [
            partial(client.post, ports[index % 2], f"/needs/{need}/documents/order/", {"language": "sv"})
            for index, need in enumerate(data["needs"])
        ]
    )
    ordered = [r for r in results if isinstance(r, Response) and r.status == 302]
    per_port = Counter(r.port for r in ordered)
    check.expect(
        len(ordered) == DOCUMENTS,
        f"{len(ordered)} of {DOCUMENTS} orders answered 302 (:{ports[0]} {per_port[ports[0]]}, "
        f":{ports[1]} {per_port[ports[1]]}); others: {[getattr(r, 'status', r) for r in results if r not in ordered]}",
    )
    documents = DecisionDocument.objects.filter(need_id__in=data["needs"])
    pending = documents.count()
    while time.monotonic() - started < timeout:
        pending = documents.filter(status__in=["queued", "rendering"]).count()
        if pending == 0:
            break
        time.sleep(1)
    elapsed = time.monotonic() - started
    rows = list(documents.order_by("pk"))
    check.expect(
        len(rows) == DOCUMENTS and {row.need_id for row in rows} == set(data["needs"]),
        f"{len(rows)} documents, one per need",
    )
    ready = [row for row in rows if row.status == "ready"]
    check.expect(len(ready) == DOCUMENTS, f"{len(ready)} ready after {elapsed:.1f} s ({pending} still pending)")
    root = Path(settings.PRIVATE_FILES_ROOT)
    one_file = [
        row
        for row in ready
        if row.file and (root / row.file.name).is_file() and len(list((root / row.file.name).parent.iterdir())) == 1
    ]
    check.expect(len(one_file) == len(ready), f"{len(one_file)} of them have exactly one stored file")
    once = [row for row in rows if row.attempts == 1]
    check.expect(len(once) == len(rows), f"{len(once)} were started once (attempts = 1)")
    ids = {row.pk for row in rows}
    per_worker = {}
    for worker in WORKERS:
        counts = render_counts((VAR_DIR / f"{worker}.log").read_text(errors="replace"), DECISION_SUPPORT_KIND)
        per_worker[worker] = Counter({pk: n for pk, n in counts.items() if pk in ids})
    total = per_worker[WORKERS[0]] + per_worker[WORKERS[1]]
    check.expect(
        all(per_worker[w].total() > 0 for w in WORKERS),
        "renders per worker log: " + ", ".join(f"{w} {per_worker[w].total()}" for w in WORKERS),
    )
    twice = sorted(pk for pk in ids if total[pk] != 1)
    check.expect(not twice, f"every document rendered exactly once across the workers (not once: {twice})")
    return check


def check_budget(ports, data) -> Check:
    from checks.models import Application, Decision

    check = Check(f"{APPROVALS} concurrent approvals in one call never exceed its budget of {BUDGET} SEK")
    client = Client()
    login = client.sign_in(ports[0], data["decider"])
    check.expect(login.status == 302, f"decider signed in ({login.status})")
    # The handler proposed all 20 (seed); the decider confirms them at once on both nodes. A refusal (the budget
    # is spent) is a redirect back with the message, like an approval: the stored decisions tell them apart.
    results = run_together(
        [
            partial(client.post, ports[index % 2], f"/checks/review/{pk}/decide/", {"proposal": str(proposal)})
            for index, (pk, proposal) in enumerate(zip(data["applications"], data["proposals"], strict=True))
        ]
    )
    statuses = Counter(getattr(result, "status", type(result).__name__) for result in results)
    check.expect(
        statuses == Counter({302: APPROVALS}),
        f"answers: {dict(statuses)} (302 for each; split :{ports[0]} "
        f"{sum(1 for r in results if getattr(r, 'port', None) == ports[0])}, :{ports[1]} "
        f"{sum(1 for r in results if getattr(r, 'port', None) == ports[1])})",
    )
    decisions = Decision.objects.filter(application__call_id=data["call"], outcome="approved")
    granted = sum(decisions.values_list("granted_amount", flat=True))
    check.expect(granted <= BUDGET, f"granted {granted} SEK of {BUDGET} SEK")
    check.expect(
        decisions.count() == BUDGET // AMOUNT,
        f"{decisions.count()} approved decisions stored (budget allows {BUDGET // AMOUNT})",
    )
    states = Counter(Application.objects.filter(call_id=data["call"]).values_list("state", flat=True))
    check.expect(
        states == Counter({"approved": BUDGET // AMOUNT, "in_review": APPROVALS - BUDGET // AMOUNT}),
        f"applications: {dict(states)}",
    )
    return check


def run_checks(ports: tuple[int, int]) -> int:
    import django

    django.setup()
    tag = secrets.token_hex(3)
    print(f"Seeding the run's data (tag {tag}) ...", flush=True)
    data = seed(tag)
    checks = []
    for number, function in enumerate((check_sessions, check_documents, check_budget), start=1):
        try:
            check = function(ports, data)
        except Exception as error:  # noqa: BLE001 - a check that crashed is a failed check, and the next still runs
            check = Check(function.__name__, passed=False, facts=[f"crashed: {type(error).__name__}: {error}"])
        checks.append(check)
        print(f"{'PASS' if check.passed else 'FAIL'} {number}. {check.title}", flush=True)
        for fact in check.facts:
            print(f"       {fact}", flush=True)
    passed = sum(check.passed for check in checks)
    print(f"cluster-test: {passed} of {len(checks)} checks passed", flush=True)
    return 0 if passed == len(checks) else 1


# --- main -------------------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    ports = choose_ports(args.mode, args.ports)
    for port in ports:
        if not port_is_free(port):
            print(f"Port {port} is in use; choose others with --ports A,B.", file=sys.stderr)
            return 2
    database_url = os.environ.get("CLUSTER_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("CLUSTER_REDIS_URL") or DEFAULT_REDIS_URL
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "private").mkdir(exist_ok=True)
    env = cluster_env(
        dict(os.environ),
        database_url=database_url,
        redis_url=redis_url,
        var_dir=VAR_DIR,
        site_url=f"http://127.0.0.1:{ports[0]}",
        mode=args.mode,
    )
    # Also SIGINT: a shell that starts us in the background ignores it, and Python then would too.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_interrupt)
    nodes = build_nodes(ports, args.concurrency, VAR_DIR)
    for access_log in VAR_DIR.glob("*-access.log"):
        access_log.unlink()  # gunicorn appends; the checks count this run's requests
    started = time.monotonic()
    try:
        ensure_database(database_url)
        print(f"Migrating {maintenance_url(database_url)[1]} and collecting static files ...", flush=True)
        manage("migrate", "--noinput", "-v0", env=env)
        manage("collectstatic", "--noinput", "-v0", env=env)
        for node in nodes:
            node.start(env)
        wait_until_up(nodes, ports)
        print(
            f"Cluster up in {time.monotonic() - started:.0f} s: web http://127.0.0.1:{ports[0]}/ and "
            f"http://127.0.0.1:{ports[1]}/, workers {' and '.join(WORKERS)} (concurrency {args.concurrency}), beat; "
            f"logs in {VAR_DIR.relative_to(ROOT)}/",
            flush=True,
        )
        if args.mode == "test":
            os.environ.update(env)
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
            sys.path.insert(0, str(ROOT))
            return run_checks(ports)
        print("Press Ctrl-C to stop.", flush=True)
        while True:
            for node in nodes:
                if not node.alive():
                    print(f"{node.name} exited (code {node.process.returncode}):\n{node.tail()}", file=sys.stderr)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0 if args.mode == "run" else 130
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"cluster: {error}", file=sys.stderr)
        return 1
    finally:
        for node in reversed(nodes):
            node.stop()
        print(f"Stopped {len(nodes)} processes.", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
