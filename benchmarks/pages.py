"""In-process times of the public detail pages rendered without the page cache (issue 20).

`python -m benchmarks.pages [runs]` on the database of DATABASE_URL as `manage.py seed_bench` left it: the home page,
a need page, a call page, open calls and a webinar page, as a visitor and as the bench company (signed in, never
page-cached), each `runs` times (50 unless given) after a warm-up, with the settings `make bench` uses (DEBUG off).
With `--rendered`, every fragment is made stale before each request (the cost of the first request after a write).
Prints per page the median and p95 in milliseconds (wall clock), the mean CPU milliseconds of this process per
request (what the page costs a web worker, apart from waiting for the database), the number of queries and the
milliseconds spent in them; `/healthz` first, as the floor.

`--profile PATH [company]` prints a pyinstrument profile of 50 renders of that path instead (pyinstrument must be
importable). `--wrk URL` drives the same pages of a running server (gunicorn started with PUBLIC_PAGE_CACHE=0 and the
settings `make bench` uses) with wrk as `make bench` does, as a visitor and as the bench company, after `/healthz`,
and prints requests/s, p50, p95 and the share of `/healthz`. Not a test: nothing fails on timing.
"""

import os
import statistics
import sys
import time

RUNS = 50


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DEBUG"] = "0"
    os.environ.pop("TESTING", None)
    import django

    django.setup()


def paths() -> list[tuple[str, str]]:
    """The pages measured: (name, path) for the seeded data."""
    from django.urls import reverse

    from projects.models import Call, Need
    from webinars.models import Webinar

    need = Need.objects.filter(visibility=Need.Visibility.PUBLISHED, calls__isnull=False).order_by("pk").first()
    call = (
        Call.objects.filter(published_at__isnull=False, need__visibility=Need.Visibility.PUBLISHED)
        .order_by("pk")
        .first()
    )
    webinar = Webinar.objects.filter(status=Webinar.Status.PUBLISHED).order_by("-starts_at").first()
    return [
        ("/healthz", "/healthz"),
        ("home", reverse("portal:home")),
        ("need page", reverse("projects:need_detail", args=[need.pk])),
        ("call page", reverse("projects:call_detail", args=[call.pk])),
        ("open calls", reverse("projects:call_list")),
        ("webinar page", reverse("webinars:detail", args=[webinar.pk])),
    ]


class _QueryTimer:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def _clients():
    from django.test import Client

    from benchmarks.seed import BENCH_COMPANY
    from portal.models import User

    company = Client()
    company.force_login(User.objects.get(email=BENCH_COMPANY))
    return [("visitor", Client()), ("company", company)]


def measure(runs: int = RUNS, rendered: bool = False) -> int:
    """`rendered`: every fragment stale before each request (what the first request after a write costs)."""
    from django.db import connection
    from django.test.utils import override_settings

    from portal.cache import invalidate_public_pages

    with override_settings(ALLOWED_HOSTS=["*"], PUBLIC_PAGE_CACHE=False):
        print(f"{'page':<14} {'as':<8} {'median':>8} {'p95':>8} {'CPU ms':>8} {'queries':>8} {'SQL ms':>8}")
        for name, path in paths():
            for who, client in _clients():
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code} to the {who}")
                times, timer = [], _QueryTimer()
                cpu = time.process_time()
                for _ in range(runs):
                    if rendered:
                        invalidate_public_pages()
                    started = time.perf_counter()
                    with connection.execute_wrapper(timer):
                        client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                cpu = (time.process_time() - cpu) * 1000 / runs
                p95 = statistics.quantiles(times, n=20)[-1]
                print(
                    f"{name:<14} {who:<8} {statistics.median(times):8.1f} {p95:8.1f} {cpu:8.1f} "
                    f"{timer.count / runs:8.0f} {timer.seconds * 1000 / runs:8.1f}"
                )
    return 0


def profile(path: str, who: str = "visitor") -> int:
    from django.test.utils import override_settings
    from pyinstrument import Profiler

    client = dict(_clients())[who]
    with override_settings(ALLOWED_HOSTS=["*"], PUBLIC_PAGE_CACHE=False):
        client.get(path)
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(RUNS):
                client.get(path)
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    return 0


def drive(base: str) -> int:
    """wrk against `base` (benchmarks/load.py's runner: 16 connections, a 2 s warm-up, BENCH_DURATION measured)."""
    import tempfile
    from pathlib import Path

    from benchmarks.load import WRK_SCRIPT, Page, _check, _sessions, _wrk
    from benchmarks.seed import BENCH_COMPANY

    cookie = _sessions([BENCH_COMPANY])[BENCH_COMPANY]
    script = Path(tempfile.mkdtemp(prefix="bench-pages-")) / "report.lua"
    script.write_text(WRK_SCRIPT)
    trivial = None
    print(f"{'page':<14} {'as':<8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} {'of /healthz':>12}")
    for name, path in paths():
        for who, account_cookie in [("visitor", None), ("company", cookie)]:
            if name == "/healthz" and who == "company":
                continue
            page = Page(name, [path])
            _check(base, page, account_cookie)
            result = _wrk(base, page, account_cookie, script)
            trivial = trivial or result.rps
            print(
                f"{name:<14} {who:<8} {result.rps:8.0f} {result.p50:8.1f} {result.p95:8.1f} {result.errors:7d} "
                f"{result.rps / trivial:11.0%}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    _setup()
    args = sys.argv[1:]
    if args and args[0] == "--wrk":
        sys.exit(drive(args[1]))
    if args and args[0] == "--profile":
        sys.exit(profile(args[1], args[2] if len(args) > 2 else "visitor"))
    rendered = "--rendered" in args
    args = [arg for arg in args if arg != "--rendered"]
    sys.exit(measure(int(args[0]) if args else RUNS, rendered=rendered))
