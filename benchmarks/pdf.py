"""Benchmark: render the decision-support PDF for a need with 3 calls and 50 responses.

Run with `make bench-pdf` (or `python -m benchmarks.pdf [runs]`). Uses a throwaway SQLite database and file
storage in a temporary directory, so it never touches your data. Prints each run and the median; exits with
status 1 when the median is above the 2-second target.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0


def main(runs: int = 7) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(workdir)
    os.environ["PRIVATE_FILES_ROOT"] = str(workdir / "private")
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789abcdef")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

    import django

    django.setup()

    from django.core.management import call_command

    from portal.documents import DocumentStatus, render_document
    from projects.decision_support.models import DECISION_SUPPORT_KIND, DecisionDocument
    from tests.documents_data import build_need_with_dialogue

    call_command("migrate", verbosity=0)
    need = build_need_with_dialogue(calls=3, responses=50)
    print(f"Need with {need.calls.count()} calls and {sum(c.responses.count() for c in need.calls.all())} responses")

    def render_once(version: int) -> float:
        document = DecisionDocument.objects.create(need=need, version=version, language="sv")
        started = time.perf_counter()
        document = render_document(kind=DECISION_SUPPORT_KIND, document_id=document.pk)
        elapsed = time.perf_counter() - started
        assert document.status == DocumentStatus.READY
        return elapsed

    cold = render_once(1)
    print(f"first run (loads fonts and templates): {cold:.3f} s")
    timings = []
    for run in range(runs):
        elapsed = render_once(run + 2)
        timings.append(elapsed)
        print(f"run {run + 1}: {elapsed:.3f} s")
    median = statistics.median(timings)
    size = DecisionDocument.objects.order_by("-version").first().size
    print(f"median of {runs} runs: {median:.3f} s (target < {TARGET_SECONDS:.0f} s), PDF size {size / 1024:.0f} KiB")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 7))
