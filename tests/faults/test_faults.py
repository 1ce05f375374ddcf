"""Faults against real processes: Redis stopped, a worker SIGKILLed mid-render, PostgreSQL restarted."""

import time

from .conftest import Browser, django, status_of, wait_until

STATE = """
import json
from portal.audit import AuditAction
from portal.models import AuditEntry, OutboxMessage
from projects.decision_support.models import DecisionDocument
documents = DecisionDocument.objects.filter(need_id={need})
print(json.dumps({{
    "documents": [
        {{"status": d.status, "attempts": d.attempts, "file": d.file.name}} for d in documents
    ],
    "ready_audits": AuditEntry.objects.filter(
        action=AuditAction.DOCUMENT_READY, object_id__in=[str(d.pk) for d in documents]
    ).count(),
    "unsent": list(OutboxMessage.objects.filter(sent_at__isnull=True).values("task", "kwargs", "last_error")),
}}))
"""

FRIENDLY_SV = "Portalen är tillfälligt otillgänglig"
FRIENDLY_EN = "The portal is temporarily unavailable"


def state_of(env, need: int) -> dict:
    return django(env, STATE.format(need=need))


def wait_for_ready(env, need: int, timeout: float = 90) -> dict:
    def ready():
        state = state_of(env, need)
        return state if [d["status"] for d in state["documents"]] == ["ready"] else None

    return wait_until(ready, timeout=timeout, interval=1, what="the document to be ready")


def pdf_files(workdir) -> list:
    return sorted((workdir / "private").rglob("*.pdf")) if (workdir / "private").exists() else []


def test_redis_down_the_portal_keeps_working_and_the_job_runs_once_redis_is_back(
    env, redis, processes, buyer_with_need
):
    _, base = processes.gunicorn()
    browser = Browser(base)
    need = buyer_with_need["need"]

    redis.stop()
    try:
        assert status_of(f"{base}/") == 200
        assert status_of(f"{base}/needs/") == 200
        status, body, _ = browser.get("/readyz")
        assert status == 503 and "redis: unreachable" in body

        browser.sign_in(buyer_with_need["email"], buyer_with_need["password"])
        status, body, _ = browser.get("/dashboard/")
        assert status == 200 and buyer_with_need["email"] in body  # the session outlives Redis

        started = time.monotonic()
        status, body, headers = browser.post(buyer_with_need["order"], {"language": "en"})
        assert status == 302, body[:2000]
        assert time.monotonic() - started < 10  # publishing to the missing broker fails fast

        state = state_of(env, need)
        assert [d["status"] for d in state["documents"]] == ["queued"]
        [pending] = state["unsent"]
        assert pending["task"] == "portal.tasks.render_document_task"
        assert pending["last_error"]  # the failed attempt at commit is recorded
    finally:
        if not redis.running():
            redis.start()

    assert status_of(f"{base}/readyz") == 200
    processes.worker("worker-after-outage")  # a worker starting relays the outbox

    state = wait_for_ready(env, need)
    assert state["unsent"] == []
    assert state["ready_audits"] == 1


def test_a_worker_killed_mid_render_is_replaced_and_the_document_is_ready_exactly_once(
    env, processes, buyer_with_need, workdir
):
    _, base = processes.gunicorn()
    need = buyer_with_need["need"]
    files_before = pdf_files(workdir)
    slow = processes.worker("slow-worker", app="tests.faults.slow_worker", extra_env={"FAULT_RENDER_DELAY": "60"})
    browser = Browser(base)
    browser.sign_in(buyer_with_need["email"], buyer_with_need["password"])

    status, body, _ = browser.post(buyer_with_need["order"], {"language": "en"})
    assert status == 302, body[:2000]
    wait_until(lambda: "Rendering slowly" in slow.output(), timeout=60, what="the slow worker to start rendering")
    slow.kill()
    assert [d["status"] for d in state_of(env, need)["documents"]] == ["rendering"]

    # The killed worker never acknowledged the message: after the visibility timeout another worker gets it.
    processes.worker("replacement-worker")
    state = wait_for_ready(env, need)

    [document] = state["documents"]
    assert document["attempts"] == 2
    assert state["ready_audits"] == 1
    new_files = [path for path in pdf_files(workdir) if path not in files_before]
    assert len(new_files) == 1 and str(new_files[0]).endswith(document["file"])


def test_postgres_restart_gives_the_friendly_503_and_the_same_gunicorn_recovers(
    env, postgres, processes, buyer_with_need
):
    gunicorn, base = processes.gunicorn()
    browser = Browser(base)
    browser.sign_in(buyer_with_need["email"], buyer_with_need["password"])
    assert browser.get("/dashboard/")[0] == 200

    postgres.stop()
    try:
        for _ in range(3):  # every request during the outage, not only the first on a stale connection
            status, body, headers = browser.get("/dashboard/")
            assert status == 503
            assert FRIENDLY_SV in body and FRIENDLY_EN in body
            assert headers.get("Retry-After") == "30"
        status, body, _ = Browser(base).get("/readyz")  # a probe without a session reaches the view
        assert status == 503 and "database: unreachable" in body
    finally:
        if not postgres.running():
            postgres.start()

    wait_until(lambda: browser.get("/dashboard/")[0] == 200, timeout=20, what="the portal to recover")
    assert buyer_with_need["email"] in browser.get("/dashboard/")[1]  # still signed in
    assert gunicorn.alive()
    assert gunicorn.output().count("Booting worker") == 1  # the same worker process, never restarted


def test_jobs_lost_with_redis_data_are_queued_again_by_the_sweep_and_each_document_is_rendered_once(
    env, redis, processes, buyer_with_need, workdir
):
    import subprocess
    import sys

    from .conftest import ROOT

    _, base = processes.gunicorn()
    browser = Browser(base)
    browser.sign_in(buyer_with_need["email"], buyer_with_need["password"])
    need = buyer_with_need["need"]
    files_before = pdf_files(workdir)
    for language in ("en", "sv"):  # two documents (another language is a new order)
        status, body, _ = browser.post(buyer_with_need["order"], {"language": language})
        assert status == 302, body[:2000]
    state = state_of(env, need)
    assert [d["status"] for d in state["documents"]] == ["queued", "queued"]
    assert state["unsent"] == []  # the outbox handed both jobs to Redis: as far as it knows, they are sent

    redis.stop()  # no worker has taken the jobs; Redis keeps nothing on disk (no RDB, no AOF)
    redis.start()  # back, empty: the jobs are gone

    processes.worker("worker-after-data-loss")
    time.sleep(5)
    state = state_of(env, need)
    assert [(d["status"], d["attempts"]) for d in state["documents"]] == [("queued", 0), ("queued", 0)]

    # What beat runs every five minutes, with the timeout shortened so that the test need not wait for it.
    subprocess.run([sys.executable, "manage.py", "sweep_jobs", "--older-than", "0"], cwd=ROOT, env=env, check=True)

    def all_ready():
        current = state_of(env, need)
        return current if [d["status"] for d in current["documents"]] == ["ready", "ready"] else None

    state = wait_until(all_ready, timeout=90, interval=1, what="both documents to be ready")
    assert [d["attempts"] for d in state["documents"]] == [1, 1]  # each rendered once
    assert state["ready_audits"] == 2
    new_files = [path for path in pdf_files(workdir) if path not in files_before]
    assert len(new_files) == 2
    assert state["unsent"] == []
