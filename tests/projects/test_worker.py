"""Match alerts through a real Celery worker and Redis (as in production), not in-process."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from projects.models import CallAlert
from tests.factories import make_company_user, make_member, organisation_of

from .factories import CallFactory, NeedFactory, profile

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="a real worker needs a broker: set REDIS_URL")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process must share the test database")
def test_a_real_worker_mails_matching_companies_once_per_call(transactional_db, tmp_path):
    company = make_company_user()
    colleague = make_member(organisation=organisation_of(company), role="member")
    profile(organisation_of(company), categories=["energi"])
    call = CallFactory(need=NeedFactory(category="energi"))
    queue = f"projects-test-{uuid.uuid4().hex[:8]}"  # our own queue: no other worker on the broker takes the task
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "worker-test-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "TESTING": "1",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "portal", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            lines.append(line)
            if "ready." in line or not line:
                break
        assert any("ready." in line for line in lines), "".join(lines)

        from projects.tasks import send_call_alerts

        first = send_call_alerts.apply_async(kwargs={"call_id": call.pk}, queue=queue)
        second = send_call_alerts.apply_async(kwargs={"call_id": call.pk}, queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and CallAlert.objects.filter(call=call).count() < 2:
            time.sleep(0.5)
        time.sleep(2)  # give the second task time to (not) mail anyone again
        alerted = set(CallAlert.objects.filter(call=call).values_list("user_id", flat=True))
        assert alerted == {company.pk, colleague.pk}, "".join(lines)
        assert first.id != second.id
    finally:
        worker.terminate()
        worker.wait(timeout=30)
