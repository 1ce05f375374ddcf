"""The production entry points start as real processes: gunicorn serves, Celery beat starts."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path) -> dict:
    return {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "process-test-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'proc.sqlite3'}",
        "TESTING": "1",
    }


def test_gunicorn_serves_health_endpoints(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = response.read()
                    break
            except OSError:
                time.sleep(0.2)
        assert body == b'{"status": "ok"}'
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="Celery beat needs a broker: set REDIS_URL")
def test_celery_beat_starts_with_the_merged_schedule(tmp_path):
    env = {**_env(tmp_path), "REDIS_URL": os.environ["REDIS_URL"]}
    # Output goes to a file, not a pipe: a pipe nobody reads any more can block beat's logging on shutdown.
    log_path = tmp_path / "beat.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel=DEBUG", f"--schedule={tmp_path / 'beat'}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    expected = ["projects.tasks.update_call_states", "webinars.tasks.send_webinar_reminders"]
    try:
        deadline = time.monotonic() + 30
        output = ""
        while time.monotonic() < deadline and process.poll() is None:
            output = log_path.read_text()
            if "beat: Starting" in output and all(name in output for name in expected):
                break
            time.sleep(0.2)
        assert "beat: Starting" in output, output
        # At DEBUG, beat lists its schedule: the periodic jobs of every app are in it.
        for name in expected:
            assert name in output, output
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
