"""`python -m benchmarks.rendered [path-part ...]`: the dashboards and the handler queue rendered in-process, without
the per-user page cache, on the database of DATABASE_URL (seed it first: `manage.py seed_bench --scale 1`).

Production-like settings (DEBUG off, no TESTING; run `manage.py collectstatic` into VAR_DIR first), the bench
accounts signed in through Django's test client. Per page: median and p95 of BENCH_RUNS requests (30) after one
warm-up (so stored fragments are used), the time inside SQL and inside template rendering (medians), and the
queries of a request. BENCH_PROFILE=cumulative (or tottime) adds a cProfile of 10 more requests.
"""

import os
import statistics
import sys
import time


def main() -> int:
    os.environ.update({"DEBUG": "0", "HTTPS": "0", "PUBLIC_PAGE_CACHE": "0", "REQUIRE_STAFF_MFA": "0"})
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.pop("TESTING", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db import connection
    from django.template.response import SimpleTemplateResponse
    from django.test import Client
    from django.test.utils import override_settings

    from benchmarks.load import queue_paths
    from benchmarks.seed import BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER
    from portal.models import User

    runs = int(os.environ.get("BENCH_RUNS", "30"))
    spent = {"sql": 0.0, "queries": 0, "render": 0.0}

    def timed_execute(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["sql"] += time.perf_counter() - started
            spent["queries"] += 1

    original_render = SimpleTemplateResponse.render

    def timed_render(self):
        started = time.perf_counter()
        try:
            return original_render(self)
        finally:
            spent["render"] += time.perf_counter() - started

    SimpleTemplateResponse.render = timed_render
    pages = [
        ("buyer's dashboard", BENCH_BUYER, "/dashboard/"),
        ("company's dashboard", BENCH_COMPANY, "/dashboard/"),
        ("handler's dashboard", BENCH_HANDLER, "/dashboard/"),
        *(("handler queue", BENCH_HANDLER, path) for path in queue_paths()),
    ]
    wanted = sys.argv[1:]
    clients = {}
    print(f"{'page':<20} {'path':<42} {'median':>7} {'p95':>7} {'SQL':>6} {'render':>7} queries (ms)")
    with override_settings(PUBLIC_PAGE_CACHE=False, REQUIRE_STAFF_MFA=False):
        for name, email, path in pages:
            if wanted and not any(part in path or part in name for part in wanted):
                continue
            if email not in clients:
                clients[email] = Client()
                clients[email].force_login(User.objects.get(email=email))
            client = clients[email]
            if client.get(path).status_code != 200:
                raise SystemExit(f"{path} did not answer 200 for {email}")
            totals, sql, render, queries = [], [], [], []
            with connection.execute_wrapper(timed_execute):
                for _ in range(runs):
                    spent.update(sql=0.0, queries=0, render=0.0)
                    started = time.perf_counter()
                    client.get(path)
                    totals.append((time.perf_counter() - started) * 1000)
                    sql.append(spent["sql"] * 1000)
                    render.append(spent["render"] * 1000)
                    queries.append(spent["queries"])
            p95 = statistics.quantiles(totals, n=20)[18]
            print(
                f"{name:<20} {path:<42} {statistics.median(totals):>7.1f} {p95:>7.1f} {statistics.median(sql):>6.1f} "
                f"{statistics.median(render):>7.1f} {statistics.median(queries):.0f}",
                flush=True,
            )
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profile = cProfile.Profile()
                profile.enable()
                for _ in range(10):
                    client.get(path)
                profile.disable()
                pstats.Stats(profile).sort_stats(os.environ["BENCH_PROFILE"]).print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
