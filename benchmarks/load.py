"""Benchmark: the portal under load, as in production (`make bench`).

Against the PostgreSQL and Redis of DATABASE_URL and REDIS_URL (the Makefile points them at a database of
its own, `portal_bench`): seeds scale 1 once (`manage.py seed_bench`, reused when present), collects the
static files, starts gunicorn with the production settings and the worker count the README recommends for
two cores, and drives each page with wrk at 16 concurrent connections. `/healthz` is measured in the same
run as the ceiling of the stack. Then it times 100 catalogue searches in-process, on PostgreSQL and on a fresh
SQLite file seeded at a tenth of the scale (`python -m benchmarks.load --search-only` times them on the database
of DATABASE_URL alone), and renders the decision-support PDF (benchmarks/pdf.py).

Prints one table: requests/s, p50, p95 and each page's requests/s as a share of the trivial view's, with
the target of each row. Not a test: nothing fails on timing, and CI does not run it.
"""

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
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONNECTIONS = 16
# The SQLite search measurement seeds its own, smaller world (a tenth of scale 1: 2 000 needs).
SQLITE_SCALE = 1.0  # the same volume as the PostgreSQL run (20 000 needs); seeding takes about 40 s
DURATION = os.environ.get("BENCH_DURATION", "10s")
WORKERS = os.environ.get("BENCH_WORKERS", "2")
PICKER_QUERIES = ["sol", "solceller", "byggarbete", "software", "09331200", "ventilation", "livsmedel", "vård"]
SEARCH_TERMS = ["solcell", "energilager", "sensorer", "hemtjänst", "vätgas", "återbruk", "biogas", "belysning"]

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


@dataclass
class Page:
    name: str
    paths: list[str]
    account: str | None = None  # None: a visitor
    kind: str = "public"  # public, signed-in or trivial


@dataclass
class Result:
    page: Page
    rps: float
    p50: float
    p95: float
    errors: int


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


def _sessions(accounts: list[str]) -> dict[str, str]:
    """A signed-in session per account, made the way Django's login makes one (with the MFA already passed)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import SessionBase
    from django.utils.module_loading import import_string

    from portal.models import User

    store_class: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    cookies = {}
    for email in accounts:
        user = User.objects.get(email=email)
        session = store_class()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies[email] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    return cookies


def _pages() -> list[Page]:
    from benchmarks.seed import BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER
    from projects.models import Need
    from webinars.models import Webinar

    need = Need.objects.filter(visibility=Need.Visibility.PUBLISHED, calls__isnull=False).order_by("pk").first()
    webinar = Webinar.objects.filter(status=Webinar.Status.PUBLISHED).order_by("-starts_at").first()
    queue = queue_paths()
    threads, application_pages = thread_paths()
    return [
        Page("/healthz (trivial view)", ["/healthz"], kind="trivial"),
        Page("home", ["/"]),
        Page("needs catalogue, page 1", ["/needs/"]),
        Page("catalogue search (Swedish)", [f"/needs/?q={term}" for term in SEARCH_TERMS]),
        Page("need page", [f"/needs/{need.pk}/"]),
        Page("open calls", ["/calls/"]),
        Page("webinar page", [f"/webinars/{webinar.pk}/"]),
        Page("buyer's dashboard", ["/dashboard/"], BENCH_BUYER, "signed-in"),
        Page("company's dashboard", ["/dashboard/"], BENCH_COMPANY, "signed-in"),
        Page("handler queue", queue[:1], BENCH_HANDLER, "signed-in"),
        Page("handler queue, tabs and search", queue[1:], BENCH_HANDLER, "signed-in"),
        Page("message thread (handler)", threads, BENCH_HANDLER, "signed-in"),
        Page("application page (handler)", application_pages, BENCH_HANDLER, "signed-in"),
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
    """Each path answers 200 for its account before it is measured (no redirect to a login page)."""
    for path in page.paths:
        request = urllib.request.Request(base + urllib.request.quote(path, safe="/?=&"))
        if cookie:
            request.add_header("Cookie", cookie)
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=30) as response:
            if response.status != 200:
                raise SystemExit(f"{page.name}: {path} answered {response.status}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wrk(base: str, page: Page, cookie: str | None, script: Path) -> Result:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    env = {**os.environ, "BENCH_PATHS": " ".join(urllib.request.quote(p, safe="/?=&") for p in page.paths)}
    # A short warm-up fills caches and connection pools, then the measured run.
    subprocess.run([*command[:3], "-d2s", *command[4:], base], env=env, check=True, capture_output=True)
    output = subprocess.run([*command, base], env=env, check=True, capture_output=True, text=True).stdout
    match = re.search(r"^BENCH (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", output, re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk printed no result for {page.name}:\n{output}")
    requests, duration_us, p50, p95, errors = match.groups()
    return Result(page, int(requests) / (int(duration_us) / 1e6), float(p50), float(p95), int(errors))


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


def _target(result: Result, trivial: float) -> str:
    share = result.rps / trivial
    if result.page.kind == "public":
        ok = share >= 0.5 and result.p95 < 100
        return ("meets" if ok else "MISSES") + " (≥ 50 %, p95 < 100 ms)"
    if result.page.kind == "signed-in":
        ok = share >= 0.1 and result.p95 < 150
        return ("meets" if ok else "MISSES") + " (≥ 10 %, p95 < 150 ms)"
    return "ceiling"


def main() -> int:
    for tool in ("wrk",):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed (Debian: apt-get install {tool}).")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("Set DATABASE_URL to PostgreSQL and REDIS_URL to Redis (the Makefile does).")
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
    }
    env.pop("TESTING", None)
    os.environ.update(env)
    print("Migrating and seeding (scale 1, reused when present) ...", flush=True)
    _manage("migrate", "--noinput", "-v0", env=env)
    print(_manage("seed_bench", "--scale", "1", env=env), flush=True)
    _manage("compilemessages", "--ignore=.venv", "-v0", env=env)
    _manage("collectstatic", "--noinput", "-v0", env=env)

    _setup_django()
    from django.core.cache import cache

    from benchmarks.seed import BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER

    cache.clear()
    cookies = _sessions([BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER])
    pages = _pages()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = (workdir / "gunicorn.log").open("w")
    server = subprocess.Popen(
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
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    results = []
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        print(f"gunicorn with {WORKERS} workers on {base}; wrk, 1 thread, {CONNECTIONS} connections, {DURATION}\n")
        for page in pages:
            cookie = cookies.get(page.account) if page.account else None
            _check(base, page, cookie)
            results.append(_wrk(base, page, cookie, script))
            print(f"  measured {page.name}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server_log.close()
        print(f"gunicorn's log: {workdir / 'gunicorn.log'}")

    trivial = results[0].rps
    print()
    print(f"{'page':<30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'of trivial':>10} {'errors':>6}  target")
    for result in results:
        print(
            f"{result.page.name:<30} {result.rps:>8.0f} {result.p50:>8.1f} {result.p95:>8.1f} "
            f"{result.rps / trivial:>9.0%} {result.errors:>6}  {_target(result, trivial)}"
        )
    for path, times in _queue_times():
        print(f"Handler page {path} in-process (no page cache): {_queue_summary(times)}")
    print(f"\n100 catalogue searches on PostgreSQL (selector, no page cache): {_search_summary(_search_times())}")
    print(f"100 catalogue searches on SQLite, scale {SQLITE_SCALE} (FTS5): {_sqlite_search_times()}")
    from projects.models import CpvCode

    print(f"100 CPV picker look-ups over {CpvCode.objects.count()} codes: {_search_summary(_picker_times())}")
    print(f"Interest-profile alerts (benchmarks/alerts.py): {_alert_matching()} (target < 2 s)")
    print(f"Decision-support PDF, 3 calls and 50 responses (benchmarks/pdf.py): median {_pdf_median()} (target < 2 s)")
    return 0


def search_only() -> int:
    """`python -m benchmarks.load --search-only`: time the searches on the database of DATABASE_URL as it is."""
    _setup_django()
    print(_search_summary(_search_times()))
    return 0


if __name__ == "__main__":
    if "--queue-only" in sys.argv[1:]:
        sys.exit(queue_only())
    sys.exit(search_only() if "--search-only" in sys.argv[1:] else main())
