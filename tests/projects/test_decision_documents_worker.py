"""The decision-support PDF rendered by a real Celery worker (a subprocess) through Redis.

The worker is started against the test database (PostgreSQL; an in-memory SQLite test database cannot be
shared with another process) and a queue of its own, so parallel test runs on one Redis do not steal each
other's tasks.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from portal.celery import app as celery_app
from portal.documents import DocumentStatus
from projects.decision_support.models import DecisionDocument
from tests.documents_data import build_need_with_dialogue
from tests.factories import make_buyer, organisation_of

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue(settings):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: a real Celery worker needs Redis (CI sets it).")
    if connection.vendor != "postgresql":
        pytest.skip("The worker must share the test database, which needs PostgreSQL (DATABASE_URL).")
    queue = f"test-documents-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PRIVATE_FILES_ROOT": str(settings.PRIVATE_FILES_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log_path = Path(settings.PRIVATE_FILES_ROOT).parent / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield {"process": process, "log": log_path}
    finally:
        celery_app.conf.task_default_queue = previous
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        with celery_app.connection_for_write() as conn:  # drop the queue we made
            conn.default_channel.queue_delete(queue)


def wait_for(predicate, *, timeout: float, worker) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker["process"].poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError("Timed out waiting for the worker. Its log:\n" + worker["log"].read_text()[-4000:])


def test_worker_renders_the_ordered_document(client, worker_queue):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert celery_app.conf.task_always_eager is False
    buyer = make_buyer()
    need = build_need_with_dialogue(organisation=organisation_of(buyer), calls=1, responses=3)
    client.force_login(buyer)

    response = client.post(reverse("documents:order", args=[need.pk]), {"language": "en"})

    assert response.status_code == 302
    document = DecisionDocument.objects.get(need=need)
    wait_for(
        lambda: DecisionDocument.objects.get(pk=document.pk).status in (DocumentStatus.READY, DocumentStatus.FAILED),
        timeout=90,
        worker=worker_queue,
    )
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY, document.error
    assert document.attempts == 1
    reader = PdfReader(document.file.open("rb"))
    assert reader.metadata.title == need.title
    assert need.title in reader.pages[0].extract_text()
