"""The needs catalogue and its search rendered without the page cache, in-process (issue 20).

    DATABASE_URL=… REDIS_URL=… python -m benchmarks.catalogue [--runs 50] [--profile] [--no-fragments]

On the database of DATABASE_URL as seeded by `manage.py seed_bench`, with the production settings (DEBUG off,
the cached template loader; `PUBLIC_PAGE_CACHE` off), for a visitor and for the bench company: per path the
median and p95 of the whole request through Django's test client, and for one more request the time spent in
SQL (and the number of queries) and in rendering the template. `--profile` prints the top of a cProfile of 20
requests of each kind. `--no-fragments` clears the fragment cache before every request (the cost of a page whose
fragment is stale). Not a test: nothing fails on timing.
"""

import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager

PATHS = [
    "/needs/",
    "/needs/?page=3",
    "/needs/?q=solcell",
    "/needs/?q=energilager&sort=newest",
    "/needs/?category=service&calls=open",
    "/needs/?cpv_division=45&stage=need",
]


def _setup():
    os.environ.update(
        {
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "testserver",
            "PUBLIC_PAGE_CACHE": "0",
            "REQUIRE_STAFF_MFA": "1",
            "DB_CONN_MAX_AGE": "600",
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="catalogue-bench-"))
    os.environ.pop("TESTING", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("portal.request").setLevel(logging.WARNING)  # one line per request: not what is measured
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", "-v0")
    from django.core.cache import cache

    cache.clear()  # nothing kept from another database that used the same Redis (a test run)


@contextmanager
def _sql_timer(totals: dict):
    from django.db import connection

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            totals["sql"] += time.perf_counter() - started
            totals["queries"] += 1

    with connection.execute_wrapper(wrapper):
        yield


@contextmanager
def _render_timer(totals: dict):
    """Time spent in the top-level template's render (the page's template and what it includes)."""
    from django.template.backends.django import Template

    original = Template.render

    def render(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            totals["render"] += time.perf_counter() - started

    Template.render = render
    try:
        yield
    finally:
        Template.render = original


def _clients():
    from django.test import Client

    from benchmarks.seed import BENCH_COMPANY
    from portal.models import User

    company = Client()
    company.force_login(User.objects.get(email=BENCH_COMPANY))
    return [("visitor", Client()), ("company", company)]


def main() -> int:
    _setup()
    from django.core.cache import caches

    from projects.models import Need

    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 50
    clear = "--no-fragments" in sys.argv
    fragments = caches["default"]
    published = Need.objects.filter(visibility="published").count()
    print(f"{published} published needs; {runs} runs per path after a warm-up; page cache off")
    print(f"{'who':<8} {'path':<40} {'median':>7} {'p95':>7} {'sql ms':>7} {'queries':>7} {'render':>7}")
    for who, client in _clients():
        for path in PATHS:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            times = []
            for _ in range(runs):
                if clear:
                    fragments.clear()
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            totals = {"sql": 0.0, "queries": 0, "render": 0.0}
            if clear:
                fragments.clear()
            with _sql_timer(totals), _render_timer(totals):
                client.get(path)
            times.sort()
            print(
                f"{who:<8} {path:<40} {statistics.median(times):7.1f} {times[int(len(times) * 0.95) - 1]:7.1f} "
                f"{totals['sql'] * 1000:7.1f} {totals['queries']:7d} {totals['render'] * 1000:7.1f}"
            )
        if "--profile" in sys.argv:
            for path in (PATHS[0], PATHS[2]):
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(20):
                    if clear:
                        fragments.clear()
                    client.get(path)
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(45)
                print(f"\n--- cProfile, {who}, {path}, 20 requests ---")
                print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
