"""Benchmark: match a newly opened call against 2 000 interest profiles (the work of `send_call_alerts`).

Run with `python -m benchmarks.alerts [profiles]`. Uses a throwaway SQLite database in a temporary directory, so it
never touches your data. Prints the median of 5 runs of `profiles_matching(call)`; exits with status 1 when it is
above the 2-second target. `alert_matching_seconds` is the measurement, for other benchmark runners.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0
WORDS = ["solceller", "laddstolpe", "vindkraft", "hemtjänst", "belysning", "batteri", "vätgas", "ventilation"]


def alert_matching_seconds(profiles: int = 2000, runs: int = 5) -> list[float]:
    """Seconds of each run of matching one open call against `profiles` company profiles (Django must be set up)."""
    from projects import search_text
    from projects.models import Call, InterestProfile
    from projects.selectors import profiles_matching
    from tests.factories import OrganisationFactory
    from tests.projects.factories import CallFactory, NeedFactory

    if InterestProfile.objects.count() < profiles:
        for index in range(profiles):
            organisation = OrganisationFactory(kind="company")
            keywords = ", ".join(f"{WORDS[(index + k) % len(WORDS)]}{index}" for k in range(3))
            InterestProfile.objects.create(organisation=organisation, keywords=keywords, categories=[], themes=[])
    need = NeedFactory(title="Laddning", summary="Laddning för bilar", problem="Vi saknar laddplatser. " * 50)
    call = CallFactory(need=need, title="RFI: solcellsdrivna laddstolpar med energilager", description="Text. " * 200)
    call = Call.objects.select_related("need").prefetch_related("need__cpv_codes").get(pk=call.pk)
    times = []
    for _ in range(runs):
        search_text.keyword_terms.cache_clear()  # the first run in a fresh worker: no cached profile terms
        started = time.perf_counter()
        profiles_matching(call)
        times.append(time.perf_counter() - started)
    return times


def main(profiles: int = 2000) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(workdir)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789abcdef")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

    import django

    django.setup()

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    times = alert_matching_seconds(profiles)
    for index, seconds in enumerate(times, 1):
        print(f"run {index}: {seconds:.3f} s")
    median = statistics.median(times)
    print(f"matching a call against {profiles} profiles, median of {len(times)} runs: {median:.3f} s")
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
