"""Benchmark: the portal under load, as in production (`make bench`).

Against the PostgreSQL and Redis of DATABASE_URL and REDIS_URL (the Makefile points them at a database of
its own, `portal_bench`): for each scale of BENCH_SCALES (default 1) it seeds that scale once in a database of
its own (`manage.py seed_bench --scale N`, reused when present; scale 1 in DATABASE_URL, scale N in
BENCH_DATABASE_URL_<N> or DATABASE_URL's database with `_scale<N>` appended), collects the static files, starts
two gunicorns with the production settings and the worker count the README recommends for two cores (one as
deployed, one with PUBLIC_PAGE_CACHE=0) and drives each page with wrk at 16 concurrent connections:

- `public`: the anonymous public pages (from the page cache) and `/readyz`;
- `signed-in`: the dashboards, the handler queue and the handler's pages, as deployed (member page cache on);
- `company`: the catalogue, search, need, call and open-calls pages as the signed-in bench company (never
  page-cached);
- `uncached`: the same public pages, the dashboards and the handler queue on the PUBLIC_PAGE_CACHE=0 server;
- `mixed`: the anonymous public pages again while a background client saves a response or registers for a
  webinar about once a second through the real forms (benchmarks/mixed.py);
- `in-process`: the handler pages and the catalogue search timed in-process; at the first scale also the search
  on SQLite (a fresh file seeded at scale 1), the CPV picker, the interest-profile alerts and the PDF.

`/healthz` is measured in every run as the ceiling of the stack. BENCH_ONLY=uncached,mixed (a comma-separated list
of the groups above) measures only those. Every page is also rendered once in-process without the page cache to
count its database queries at each scale. With two scales or more, a last table compares each page's time to
its time at the first scale.

Prints one table per scale: requests/s, p50, p95, each page's requests/s as a share of `/healthz`, its queries and
the target of its row. Not a test: nothing fails on timing, and CI does not run it.
"""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONNECTIONS = 16
# The SQLite search measurement seeds its own world in a fresh file.
SQLITE_SCALE = 1.0  # the same volume as the PostgreSQL run at scale 1 (20 000 needs); seeding takes about 40 s
DURATION = os.environ.get("BENCH_DURATION", "10s")
WARM_UP = os.environ.get("BENCH_WARM_UP", "2s")
WORKERS = os.environ.get("BENCH_WORKERS", "2")
# wrk's own default (2 s) would count the slowest uncached pages as errors instead of measuring them.
WRK_TIMEOUT = "10s"
PICKER_QUERIES = ["sol", "solceller", "byggarbete", "software", "09331200", "ventilation", "livsmedel", "vård"]
SEARCH_TERMS = ["solcell", "energilager", "sensorer", "hemtjänst", "vätgas", "återbruk", "biogas", "belysning"]
GROUPS = ("public", "signed-in", "company", "uncached", "mixed", "in-process")
# The writes of the mixed run are real registrations from one address: the bench servers allow as many per hour.
REGISTRATIONS_PER_HOUR = "1000000"
SCALE_TARGET = 1.2  # at scale 5, every page within 1.2 times its scale-1 time

# A wrk script that reports p50 and p95 (wrk's own --latency stops at 50/75/90/99) and the error counts.
WRK_SCRIPT = """
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS"), "[^ ]+") do table.insert(paths, path) end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH %d %d %.3f %.3f %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, errors))
end
"""


@dataclass(frozen=True)
class Target:
    """A row's target: at least `share` of `/healthz`'s requests/s in the same run, p95 under `p95_ms`."""

    share: float | None = None
    p95_ms: float | None = None

    def describe(self) -> str:
        parts = []
        if self.share is not None:
            parts.append(f"≥ {self.share:.0%}".replace("%", " %"))
        if self.p95_ms is not None:
            parts.append(f"p95 < {self.p95_ms:g} ms")
        return ", ".join(parts)


CEILING = None  # `/healthz`: the ceiling, no target
# The targets of issue 20 ("Fast without the page cache"); see docs/performance.md.
PUBLIC = Target(0.5, 100)  # anonymous public pages from the page cache
READYZ = Target(0.5)
MIXED = Target(0.5)  # anonymous public pages while the writer writes
MEMBER = Target(0.25, 100)  # dashboards and the handler queue, cached or not
SIGNED_IN = Target(0.10, 150)  # the handler's other pages (tabs and search, thread, application)
CATALOGUE = Target(0.15, 150)  # uncached or signed-in
SEARCH = Target(0.12, 150)
DETAIL = Target(0.20, 150)  # need and call pages
OPEN_CALLS = Target(0.15, 150)
# Issue 19 (open data): the OCDS package of everything and the read API's first page answer under 100 ms at p95;
# the calendar feed has no target of its own (measured to see what a feed costs).
OPEN_DATA = Target(None, 100)
MEASURED_ONLY = Target()  # a row without a target


def evaluate(rps: float, p95: float, ceiling: float, target: Target | None) -> str:
    """ "meets" or "MISSES" with the target, for a row that made `rps` requests/s with a p95 of `p95` ms while
    `/healthz` made `ceiling`; "ceiling" for the row without a target."""
    if target is None:
        return "ceiling"
    if target.share is None and target.p95_ms is None:
        return "no target"
    ok = (target.share is None or rps >= target.share * ceiling) and (target.p95_ms is None or p95 < target.p95_ms)
    return f"{'meets' if ok else 'MISSES'} ({target.describe()})"


def selected_groups(value: str | None) -> list[str]:
    """The groups of BENCH_ONLY (comma-separated, in the order of GROUPS); all of them when it is empty."""
    if not value or not value.strip():
        return list(GROUPS)
    wanted = {name.strip() for name in value.split(",") if name.strip()}
    unknown = wanted - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown group(s) {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    return [group for group in GROUPS if group in wanted]


def parse_scales(value: str | None) -> list[float]:
    """The scales of BENCH_SCALES ("1,5"), in the order given; [1.0] when it is empty."""
    scales = [float(part) for part in (value or "1").split(",") if part.strip()]
    if not scales or any(scale <= 0 for scale in scales):
        raise ValueError(f"BENCH_SCALES must list scales above 0, not {value!r}")
    return scales


def scale_database_url(url: str, scale: float, environ: dict) -> str:
    """The database of one scale: DATABASE_URL for scale 1, BENCH_DATABASE_URL_<N> when set, else DATABASE_URL
    with `_scale<N>` appended to the database name (`portal_bench_scale5`)."""
    label = f"{scale:g}".replace(".", "_")
    if environ.get(f"BENCH_DATABASE_URL_{label}"):
        return environ[f"BENCH_DATABASE_URL_{label}"]
    if scale == 1:
        return url
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"{parts.path}_scale{label}"))


def time_ratio(share_base: float, share_scaled: float) -> float:
    """How many times longer a page takes at a larger scale than at the base scale, from its share of `/healthz` in
    each run (so that a machine busier in one run than in the other does not count)."""
    return share_base / share_scaled if share_scaled else float("inf")


def scale_verdict(ratio: float, queries_base: int | str | None, queries_scaled: int | str | None) -> str:
    """The scale target of a row: its time within SCALE_TARGET times, and the same number of queries."""
    parts = [f"{'meets' if ratio <= SCALE_TARGET else 'MISSES'} (≤ {SCALE_TARGET:g}×)"]
    if queries_base is not None and queries_scaled is not None:
        if queries_base == queries_scaled:
            parts.append("queries constant")
        elif all(scaled <= base for base, scaled in zip(_counts(queries_base), _counts(queries_scaled), strict=False)):
            # Another object of the same kind at the other scale, in another state (an application without a
            # decision shows one thing fewer): fewer queries, not more.
            parts.append("fewer queries")
        else:
            parts.append("queries GROW")
    return ", ".join(parts)


def _counts(queries: int | str) -> list[int]:
    """A row's queries as numbers: 12, or "12/13" (warm/cold)."""
    return [int(part) for part in str(queries).split("/") if part.isdigit()]


@dataclass
class Page:
    name: str
    paths: list[str]
    account: str | None = None  # None: a visitor
    target: Target | None = PUBLIC
    group: str = "public"
    server: str = "cached"  # cached: as deployed; uncached: the PUBLIC_PAGE_CACHE=0 server

    @property
    def label(self) -> str:
        suffix = {"company": " [company]", "uncached": " [uncached]", "mixed": " [mixed]"}.get(self.group, "")
        return self.name + suffix


@dataclass
class Result:
    page: Page
    rps: float
    p50: float
    p95: float
    errors: int
    queries: str | None = None  # warm/cold, see _query_counts
    requests: int = 0
    note: str = ""  # why the row was not measured


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(*args: str, env: dict) -> str:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _session(email: str) -> str:
    """A signed-in session of the account, made the way Django's login makes one (with the MFA already passed)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    from portal.models import User

    store_class: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    user = User.objects.get(email=email)
    session = store_class()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _sessions(accounts: list[str]) -> dict[str, str]:
    return {email: _session(email) for email in accounts}


@dataclass
class World:
    """The objects of the seeded world that the rows and the writer use."""

    need: int
    call: int
    webinar: int
    response_call: int
    registration_webinars: list[int] = field(default_factory=list)


def _world() -> World:
    from django.utils import timezone

    from benchmarks.mixed import RESPONSE_PREFIX
    from benchmarks.seed import BENCH_COMPANY
    from portal.models import Organisation
    from projects import selectors
    from projects.models import Need, Response
    from webinars.models import Webinar

    need = Need.objects.filter(visibility=Need.Visibility.PUBLISHED, calls__isnull=False).order_by("pk").first()
    open_calls = selectors.public_calls().filter(selectors.open_calls_q())
    call = open_calls.order_by("pk").first()
    webinar = Webinar.objects.filter(status=Webinar.Status.PUBLISHED).order_by("-starts_at").first()
    # The writer answers the open call that closes last (it stays open through the run), not the measured one.
    company = Organisation.objects.get(memberships__user__email=BENCH_COMPANY)
    mine = Response.objects.filter(organisation=company)
    earlier = mine.filter(summary__startswith=RESPONSE_PREFIX, call__in=open_calls).order_by("-call__closes_at")
    if earlier.exists():
        response_call = earlier.first().call_id
    else:
        unanswered = open_calls.exclude(pk=call.pk).exclude(pk__in=mine.values("call_id"))
        response_call = unanswered.order_by("-closes_at", "pk").first().pk
    upcoming = Webinar.objects.filter(
        status=Webinar.Status.PUBLISHED, starts_at__gt=timezone.now() + timezone.timedelta(days=1)
    ).order_by("starts_at", "pk")
    return World(
        need=need.pk,
        call=call.pk,
        webinar=webinar.pk,
        response_call=response_call,
        registration_webinars=list(upcoming.values_list("pk", flat=True)[:5]),
    )


# Issue 19: the OCDS release package of everything (its first page), from the page cache and without it.
OCDS_EVERYTHING = ("OCDS releases, everything", ["/oppna-data/ocds/releases.json"])
OCDS_SERVERS = (("public", "cached"), ("uncached", "uncached"))


def _pages(world: World) -> list[Page]:
    """Every row of the table, in the order measured, grouped."""
    from benchmarks.seed import BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER

    queue = queue_paths()
    threads, application_pages = thread_paths()
    catalogue = ("needs catalogue, page 1", ["/needs/"], CATALOGUE)
    search = ("catalogue search (Swedish)", [f"/needs/?q={term}" for term in SEARCH_TERMS], SEARCH)
    need = ("need page", [f"/needs/{world.need}/"], DETAIL)
    call = ("call page", [f"/calls/{world.call}/"], DETAIL)
    calls = ("open calls", ["/calls/"], OPEN_CALLS)
    home = ("home", ["/"], PUBLIC)
    webinar = ("webinar page", [f"/webinars/{world.webinar}/"], PUBLIC)
    anonymous = [home, catalogue, search, need, call, calls, webinar]
    rendered = [catalogue, search, need, call, calls]
    dashboards = [
        ("buyer's dashboard", ["/dashboard/"], BENCH_BUYER),
        ("company's dashboard", ["/dashboard/"], BENCH_COMPANY),
        ("handler queue", queue[:1], BENCH_HANDLER),
    ]
    return [
        Page("/readyz", ["/readyz"], target=READYZ),
        Page(
            "API needs, page 1", ["/api/v1/needs/"], target=OPEN_DATA
        ),  # the read API's first page (issue 19), p95 < 100 ms
        *(Page(name, paths) for name, paths, _target in anonymous),
        *(Page(name, paths, account, MEMBER, "signed-in") for name, paths, account in dashboards),
        Page("handler queue, tabs and search", queue[1:], BENCH_HANDLER, SIGNED_IN, "signed-in"),
        Page("message thread (handler)", threads, BENCH_HANDLER, SIGNED_IN, "signed-in"),
        Page("application page (handler)", application_pages, BENCH_HANDLER, SIGNED_IN, "signed-in"),
        *(Page(name, paths, BENCH_COMPANY, target, "company") for name, paths, target in rendered),
        *(Page(name, paths, None, target, "uncached", "uncached") for name, paths, target in rendered),
        *(Page(name, paths, account, MEMBER, "uncached", "uncached") for name, paths, account in dashboards),
        *(Page(name, paths, None, MIXED, "mixed") for name, paths, _target in anonymous),
        # The public calendar feed (issue 19): from the page cache, and made at every request.
        Page("calendar feed", ["/oppna-data/kalender.ics"], target=MEASURED_ONLY),
        Page("calendar feed", ["/oppna-data/kalender.ics"], None, MEASURED_ONLY, "uncached", "uncached"),
        *(Page(*OCDS_EVERYTHING, None, OPEN_DATA, group, server) for group, server in OCDS_SERVERS),  # issue 19
    ]


# The handler queue's search and sort, beside every tab (`queue_paths`), measured by wrk above and in-process below
# (`--queue-only`).
QUEUE_EXTRA = ["?view=all&sort=waiting", "?view=all&q=sensorer", "?view=all&q=IC-2026-00"]
THREADS = 4  # message threads of as many applications (seeded on every tenth submitted application)


def queue_paths() -> list[str]:
    """The queue as it opens, then every tab of checks.selectors.QUEUE_VIEWS (a new tab is measured without a
    change here), then the sort by days waiting and the search."""
    from django.urls import reverse

    from checks.selectors import QUEUE_VIEWS

    base = reverse("checks:queue")
    return [base, *(f"{base}?view={view}" for view in QUEUE_VIEWS), *(base + extra for extra in QUEUE_EXTRA)]


def thread_paths() -> tuple[list[str], list[str]]:
    """The handler's thread page and application page of the first THREADS applications with a seeded thread."""
    from django.urls import reverse

    from checks.messages.models import Message

    pks = list(
        Message.objects.exclude(application__state="draft")
        .order_by("application_id")
        .values_list("application_id", flat=True)
        .distinct()[:THREADS]
    )
    return (
        [reverse("checks:messages", args=[pk]) for pk in pks],
        [reverse("checks:review_detail", args=[pk]) for pk in pks],
    )


def _queue_times(runs: int = 20) -> list[tuple[str, list[float]]]:
    """Milliseconds to render each queue path, then the thread and application pages, for the bench handler
    in-process (view, selector, template; no page cache), `runs` times each after one warm-up."""
    from django.test import Client
    from django.test.utils import override_settings

    from benchmarks.seed import BENCH_HANDLER
    from portal.models import User

    client = Client()
    client.force_login(User.objects.get(email=BENCH_HANDLER))
    results = []
    with override_settings(ALLOWED_HOSTS=["*"], PUBLIC_PAGE_CACHE=False, REQUIRE_STAFF_MFA=False):
        threads, application_pages = thread_paths()
        for path in [*queue_paths(), *threads[:1], *application_pages[:1]]:
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            results.append((path, times))
    return results


def queue_only() -> int:
    """`python -m benchmarks.load --queue-only`: time the queue's tabs on the database of DATABASE_URL as it is
    (seed it first: `manage.py seed_bench --scale 1`)."""
    _setup_django()
    from checks.models import Application

    print(
        f"Handler queue over {Application.objects.count()} applications, a thread and an application page, "
        "in-process, no page cache:"
    )
    for path, times in _queue_times():
        print(f"  {path:<45} {_queue_summary(times)}")
    return 0


def _check(base: str, page: Page, cookie: str | None) -> None:
    """Each path answers 200 for its account before it is measured (no redirect to a login page). The first
    answer also waits until the server has worked off the requests the previous row left queued."""
    for path in page.paths:
        request = urllib.request.Request(base + urllib.request.quote(path, safe="/?=&"))
        if cookie:
            request.add_header("Cookie", cookie)
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=300) as response:
            if response.status != 200:
                raise SystemExit(f"{page.name}: {path} answered {response.status}")


def _drain(bases: list[str]) -> None:
    """Wait until every server has worked off what an earlier row left queued: a row measured on one server must not
    share the cores with the other server still rendering the last row's requests (at scale 5 the uncached calendar
    feed left sixteen requests of ten seconds and more behind it, and the cached OCDS row after it measured them).
    A request to `/healthz` is answered after the requests queued before it."""
    for base in bases:
        with urllib.request.urlopen(base + "/healthz", timeout=300) as response:
            response.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wrk(base: str, page: Page, cookie: str | None, script: Path) -> Result:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "-s", str(script), "--timeout", WRK_TIMEOUT]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    env = {**os.environ, "BENCH_PATHS": " ".join(urllib.request.quote(p, safe="/?=&") for p in page.paths)}
    # A short warm-up fills caches and connection pools, then the measured run.
    subprocess.run([*command[:3], f"-d{WARM_UP}", *command[4:], base], env=env, check=True, capture_output=True)
    output = subprocess.run([*command, base], env=env, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no result for {page.label}:\n{output}")
    requests, duration_us, p50, p95, errors = match.groups()
    rps = int(requests) / (int(duration_us) / 1e6)
    return Result(page, rps, float(p50), float(p95), int(errors), requests=int(requests))


def _search_times(runs: int = 100) -> list[float]:
    """Milliseconds of catalogue searches as the view runs them (page 1 and the count), without the page cache."""
    from projects import selectors

    times = []
    for index in range(runs):
        term = SEARCH_TERMS[index % len(SEARCH_TERMS)]
        started = time.perf_counter()
        queryset = selectors.filter_needs(selectors.published_needs(), {"q": term})
        queryset.count()
        list(queryset[:20])
        times.append((time.perf_counter() - started) * 1000)
    return times


def _sqlite_search_times(scale: float = SQLITE_SCALE) -> str:
    """The same 100 searches on SQLite (FTS5): a fresh SQLite file seeded at `scale`, in a child process."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}", "VAR_DIR": str(workdir)}
    _manage("migrate", "--noinput", "-v0", env=env)
    _manage("seed_bench", "--scale", str(scale), env=env)
    output = subprocess.run(
        [PYTHON, "-m", "benchmarks.load", "--search-only"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shutil.rmtree(workdir, ignore_errors=True)
    return output.strip()


def _picker_times(runs: int = 100) -> list[float]:
    """Milliseconds of CPV picker look-ups (projects.cpv.search_codes, as the view runs them) over the full list."""
    from projects.cpv import search_codes

    times = []
    for index in range(runs):
        started = time.perf_counter()
        list(search_codes(PICKER_QUERIES[index % len(PICKER_QUERIES)]))
        times.append((time.perf_counter() - started) * 1000)
    return times


def _alert_matching() -> str:
    """`benchmarks/alerts.py`: one newly opened call against 2 000 profiles (its own throwaway SQLite database)."""
    output = subprocess.run(
        [PYTHON, "-m", "benchmarks.alerts", "2000"], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy()
    ).stdout
    return output.strip().splitlines()[-1] if output.strip() else "no result"


def _search_summary(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (target p95 < 50 ms)"


def _queue_summary(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1]
    return f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (signed-in target p95 < 150 ms)"


def _pdf_median() -> str:
    output = subprocess.run(
        [PYTHON, "-m", "benchmarks.pdf", "5"], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy()
    ).stdout
    match = re.search(r"median of \d+ runs: ([\d.]+) s", output)
    return f"{match.group(1)} s" if match else output.strip().splitlines()[-1]


def _query_counts(pages: list[Page]) -> dict[tuple[str, str | None], str]:
    """The database queries of each page rendered in-process without the page cache, as the row's account (the
    most over the row's paths), as "warm/cold": warm is a render after one render of each path (what a request
    makes while the caches the page uses are filled), cold a render with a dummy cache (everything queried)."""
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from portal.models import User

    def most_queries(page: Page) -> int:
        client = Client()
        if page.account:
            client.force_login(User.objects.get(email=page.account))
        most = 0
        for path in page.paths:
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{page.name}: {path} answered {response.status_code} in-process")
            most = max(most, len(queries.captured_queries))
        return most

    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    counts: dict[tuple[str, str | None], str] = {}
    logging.disable(logging.WARNING)  # the request log of every in-process render
    try:
        with override_settings(ALLOWED_HOSTS=["*"], PUBLIC_PAGE_CACHE=False, REQUIRE_STAFF_MFA=False):
            for page in pages:
                key = (page.name, page.account)
                if key in counts:
                    continue
                warm = most_queries(page)
                with override_settings(CACHES=dummy):
                    cold = most_queries(page)
                counts[key] = f"{warm}/{cold}"
    finally:
        logging.disable(logging.NOTSET)
    return counts


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` when it is not there (each scale has its own)."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _start_server(port: int, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "portal.wsgi:application",
            "--workers",
            WORKERS,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        # One JSON line per request, as in production, but into a file rather than the terminal.
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_until_up(base: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn on {base} did not answer /healthz")


SECTIONS = {
    "public": "Anonymous visitors, public pages from the page cache (as deployed)",
    "signed-in": "Signed in, as deployed (member page cache on)",
    "company": "Signed in as the bench company (signed-in visitors are never page-cached)",
    "uncached": "The PUBLIC_PAGE_CACHE=0 server (nothing page-cached)",
    "mixed": "Mixed run: anonymous pages while a background client writes about once a second",
}


def _print_table(ceiling: Result, results: list[Result], writes) -> None:
    print()
    print(
        f"{'page':<34} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'of /healthz':>11} {'errors':>6} {'queries':>9}  "
        "target"
    )
    rows = [("", ceiling)] + [(result.page.group, result) for result in results]
    last_mixed = next((result for result in reversed(results) if result.page.group == "mixed"), None)
    section = None
    for group, result in rows:
        if group and group != section:
            section = group
            print(f"-- {SECTIONS[group]}")
        queries = result.queries or ""
        p50, p95 = (f"{result.p50:.1f}", f"{result.p95:.1f}") if result.requests else ("-", "-")
        print(
            f"{result.page.name:<34} {result.rps:>7.0f} {p50:>7} {p95:>7} "
            f"{result.rps / ceiling.rps:>10.0%} {result.errors:>6} {queries:>9}  "
            f"{result.note or evaluate(result.rps, result.p95, ceiling.rps, result.page.target)}"
        )
        if result is last_mixed:
            print(f"   writes during the mixed run: {writes.summary() if writes else 'none'}")


def run_scale() -> int:
    """One scale (`--scale-run`, started by `main` with DATABASE_URL pointing at that scale's database)."""
    started = time.monotonic()
    scale = float(os.environ["BENCH_RUN_SCALE"])
    first = os.environ.get("BENCH_FIRST_SCALE") == "1"
    groups = selected_groups(os.environ.get("BENCH_ONLY"))
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",  # no TLS proxy in front of gunicorn here; everything else as in production
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "600"),
        "VAR_DIR": str(workdir),
        "REQUIRE_STAFF_MFA": "1",
        "WEBINARS_REGISTRATIONS_PER_HOUR": REGISTRATIONS_PER_HOUR,
        "OPEN_DATA_API_REQUESTS_PER_MINUTE": "100000000",  # wrk drives the read API from one address
    }
    env.pop("TESTING", None)
    os.environ.update(env)
    database = urllib.parse.urlsplit(env["DATABASE_URL"]).path.lstrip("/")
    print(f"\n==== Scale {scale:g}, database {database} ====", flush=True)
    print(f"Migrating and seeding (scale {scale:g}, reused when present) ...", flush=True)
    _ensure_database(env["DATABASE_URL"])
    _manage("migrate", "--noinput", "-v0", env=env)
    seeding = time.monotonic()
    print(_manage("seed_bench", "--scale", f"{scale:g}", env=env), flush=True)
    print(f"(seed_bench took {time.monotonic() - seeding:.1f} s)", flush=True)
    # Translations before the OCDS releases: their texts are in each need's language (issue 19).
    _manage("compilemessages", "--ignore=.venv", "-v0", env=env)
    print(_manage("ocds_sync", env=env), flush=True)  # issue 19: the OCDS releases of the seeded needs
    _manage("collectstatic", "--noinput", "-v0", env=env)

    _setup_django()
    from django.core.cache import cache

    from benchmarks.mixed import Writer
    from benchmarks.seed import BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER
    from projects.models import Need

    expected = max(1, round(20000 * scale))
    if Need.objects.count() != expected:
        raise SystemExit(
            f"The database {database} holds {Need.objects.count()} needs, not the {expected} of scale {scale:g}: "
            "drop it or give this scale another database (BENCH_DATABASE_URL_<N>)."
        )
    cache.clear()
    cookies = _sessions([BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER])
    world = _world()
    pages = [page for page in _pages(world) if page.group in groups]

    ports = [int(os.environ["BENCH_PORT"]), int(os.environ["BENCH_PORT"]) + 1] if os.environ.get("BENCH_PORT") else []
    ports = ports or [_free_port(), _free_port()]
    bases = {"cached": f"http://127.0.0.1:{ports[0]}", "uncached": f"http://127.0.0.1:{ports[1]}"}
    logs = {name: (workdir / f"gunicorn-{name}.log").open("w") for name in bases}
    servers = {"cached": _start_server(ports[0], env, logs["cached"])}
    if "uncached" in groups:
        servers["uncached"] = _start_server(ports[1], {**env, "PUBLIC_PAGE_CACHE": "0"}, logs["uncached"])
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    results: list[Result] = []
    writer = None
    writes = None
    try:
        for name in servers:
            _wait_until_up(bases[name])
        print(
            f"gunicorn with {WORKERS} workers on {bases['cached']}"
            + (f" and, with PUBLIC_PAGE_CACHE=0, on {bases['uncached']}" if "uncached" in servers else "")
            + f"; wrk, 1 thread, {CONNECTIONS} connections, {WARM_UP} warm-up, {DURATION} measured\n",
            flush=True,
        )
        ceiling = _wrk(bases["cached"], Page("/healthz (trivial view)", ["/healthz"], target=CEILING), None, script)
        print(f"  measured /healthz: {ceiling.rps:.0f} req/s", flush=True)
        for page in pages:
            cookie = cookies.get(page.account) if page.account else None
            base = bases[page.server]
            try:
                _drain([bases[name] for name in servers])
                _check(base, page, cookie)
            except OSError as error:  # a page too slow to answer at all: the row says so, the run goes on
                results.append(Result(page, 0.0, 0.0, 0.0, 0, note=f"not measured: {error}"))
                print(f"  {page.label}: not measured ({error})", flush=True)
                continue
            if page.group == "mixed" and writer is None:
                company = _session(BENCH_COMPANY)  # a session of its own: its messages stay out of the measured rows
                writer = Writer(bases["cached"], company, world.response_call, world.registration_webinars)
                writer.start()
            results.append(_wrk(base, page, cookie, script))
            print(f"  measured {page.label}", flush=True)
    finally:
        if writer is not None:
            writes = writer.stop()
        for server in servers.values():
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        for log in logs.values():
            log.close()
        print(f"gunicorn's logs: {workdir}/gunicorn-*.log")

    counts = _query_counts([page for page in pages if page.paths != ["/readyz"]])
    for result in results:
        result.queries = counts.get((result.page.name, result.page.account))
    _print_table(ceiling, results, writes)
    print(f"(queries: the page rendered once in-process without the page cache, as the row's account; scale {scale:g})")

    if "in-process" in groups:
        print()
        for path, times in _queue_times():
            print(f"Handler page {path} in-process (no page cache): {_queue_summary(times)}")
        print(f"\n100 catalogue searches on PostgreSQL (selector, no page cache): {_search_summary(_search_times())}")
        if first:
            print(f"100 catalogue searches on SQLite, scale {SQLITE_SCALE:g} (FTS5): {_sqlite_search_times()}")
            from projects.models import CpvCode

            print(f"100 CPV picker look-ups over {CpvCode.objects.count()} codes: {_search_summary(_picker_times())}")
            print(f"Interest-profile alerts (benchmarks/alerts.py): {_alert_matching()} (target < 2 s)")
            print(
                "Decision-support PDF, 3 calls and 50 responses (benchmarks/pdf.py): "
                f"median {_pdf_median()} (target < 2 s)"
            )

    record = {
        "scale": scale,
        "ceiling": ceiling.rps,
        "rows": {
            result.page.label: {
                "rps": result.rps,
                "p50": result.p50,
                "p95": result.p95,
                "share": result.rps / ceiling.rps,
                "queries": result.queries,
                "requests": result.requests,
            }
            for result in results
        },
        "writes": None if writes is None else {"done": writes.done, "failed": writes.failed},
    }
    if os.environ.get("BENCH_RESULT_FILE"):
        Path(os.environ["BENCH_RESULT_FILE"]).write_text(json.dumps(record))
    print(f"\nScale {scale:g} took {time.monotonic() - started:.0f} s.", flush=True)
    return 0


def _print_scales(records: list[dict]) -> None:
    """Each page's time at every later scale against the first, with its queries at each."""
    base = records[0]
    for record in records[1:]:
        name = f"scale {record['scale']:g} / scale {base['scale']:g}"
        print(f"\n{name}: time per request relative to /healthz of the same run, and queries per page")
        print(
            f"{'page':<45} {'share ' + format(base['scale'], 'g'):>9} {'share ' + format(record['scale'], 'g'):>9} "
            f"{'time ×':>7} {'queries (warm/cold)':>21}  target"
        )
        for label, row in base["rows"].items():
            other = record["rows"].get(label)
            if other is None:
                continue
            if not row.get("requests") or not other.get("requests"):
                print(f"{label:<45} {row['share']:>9.1%} {other['share']:>9.1%}  no request finished at one scale")
                continue
            ratio = time_ratio(row["share"], other["share"])
            queries = (
                "" if row["queries"] is None or other["queries"] is None else f"{row['queries']}→{other['queries']}"
            )
            print(
                f"{label:<45} {row['share']:>9.1%} {other['share']:>9.1%} {ratio:>6.2f}× {queries:>21}  "
                f"{scale_verdict(ratio, row['queries'], other['queries'])}"
            )


def main() -> int:
    started = time.monotonic()
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian: apt-get install {tool}).")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL to PostgreSQL and REDIS_URL to Redis (the Makefile does).")
    try:
        scales = parse_scales(os.environ.get("BENCH_SCALES"))
        groups = selected_groups(os.environ.get("BENCH_ONLY"))
    except ValueError as error:
        raise SystemExit(str(error)) from None
    print(f"Scales {', '.join(f'{scale:g}' for scale in scales)}; groups {', '.join(groups)}", flush=True)
    records = []
    for index, scale in enumerate(scales):
        result_file = Path(tempfile.mkstemp(prefix="bench-result-", suffix=".json")[1])
        env = {
            **os.environ,
            "DATABASE_URL": scale_database_url(os.environ["DATABASE_URL"], scale, os.environ),
            "BENCH_RUN_SCALE": f"{scale:g}",
            "BENCH_FIRST_SCALE": "1" if index == 0 else "0",
            "BENCH_RESULT_FILE": str(result_file),
        }
        subprocess.run([PYTHON, "-m", "benchmarks.load", "--scale-run"], cwd=ROOT, env=env, check=True)
        records.append(json.loads(result_file.read_text()))
        result_file.unlink()
    if len(records) > 1:
        _print_scales(records)
    with open("/proc/loadavg") as loadavg:
        load = loadavg.read().split()[:3]
    print(f"\nThe benchmark took {time.monotonic() - started:.0f} s in all (load average now {' '.join(load)}).")
    return 0


def search_only() -> int:
    """`python -m benchmarks.load --search-only`: time the searches on the database of DATABASE_URL as it is."""
    _setup_django()
    print(_search_summary(_search_times()))
    return 0


if __name__ == "__main__":
    if "--queue-only" in sys.argv[1:]:
        sys.exit(queue_only())
    if "--scale-run" in sys.argv[1:]:
        sys.exit(run_scale())
    sys.exit(search_only() if "--search-only" in sys.argv[1:] else main())
