"""The pure parts of `make bench` (benchmarks/load.py, benchmarks/mixed.py): targets, groups, scales and the form
reading of the mixed run's writer. The benchmark itself is not a test."""

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from benchmarks.load import (
    CATALOGUE,
    MEMBER,
    READYZ,
    Target,
    _drain,
    evaluate,
    parse_scales,
    scale_database_url,
    scale_verdict,
    selected_groups,
    time_ratio,
)
from benchmarks.mixed import Writes, form_fields, replace_fields


def test_a_row_meets_its_target_only_with_both_the_share_and_the_p95():
    assert evaluate(160, 120.0, 1000, CATALOGUE) == "meets (≥ 15 %, p95 < 150 ms)"
    assert evaluate(140, 120.0, 1000, CATALOGUE) == "MISSES (≥ 15 %, p95 < 150 ms)"
    assert evaluate(300, 150.0, 1000, CATALOGUE).startswith("MISSES")
    assert evaluate(250, 99.0, 1000, MEMBER) == "meets (≥ 25 %, p95 < 100 ms)"
    assert evaluate(500, 900.0, 1000, READYZ) == "meets (≥ 50 %)"
    assert evaluate(1000, 10.0, 1000, None) == "ceiling"
    assert Target(p95_ms=50).describe() == "p95 < 50 ms"


def test_bench_only_selects_groups_in_their_order_and_refuses_unknown_ones():
    assert (
        selected_groups("")
        == selected_groups(None)
        == ["public", "signed-in", "company", "uncached", "mixed", "in-process"]
    )
    assert selected_groups("mixed, uncached") == ["uncached", "mixed"]
    with pytest.raises(ValueError, match="cached"):
        selected_groups("uncached,cached")


def test_scales_and_their_databases():
    assert parse_scales(None) == [1.0]
    assert parse_scales("1,5") == [1.0, 5.0]
    with pytest.raises(ValueError):
        parse_scales("1,0")
    url = "postgres://postgres@127.0.0.1:5432/portal_bench"
    assert scale_database_url(url, 1.0, {}) == url
    assert scale_database_url(url, 5.0, {}) == "postgres://postgres@127.0.0.1:5432/portal_bench_scale5"
    assert scale_database_url(url, 0.5, {}) == "postgres://postgres@127.0.0.1:5432/portal_bench_scale0_5"
    own = "postgres://postgres@127.0.0.1:5432/portal_bench_h5"
    assert scale_database_url(url, 5.0, {"BENCH_DATABASE_URL_5": own}) == own


def test_scale_ratio_and_verdict():
    # 20 % of /healthz at scale 1, 16 % at scale 5: each request takes 1.25 times as long.
    assert time_ratio(0.20, 0.16) == pytest.approx(1.25)
    assert time_ratio(0.2, 0.0) == float("inf")
    assert scale_verdict(1.25, 12, 12) == "MISSES (≤ 1.2×), queries constant"
    assert scale_verdict(1.1, 12, 14) == "meets (≤ 1.2×), queries GROW"
    assert scale_verdict(1.1, "2/10", "2/11") == "meets (≤ 1.2×), queries GROW"
    assert scale_verdict(1.1, "12/13", "11/12") == "meets (≤ 1.2×), fewer queries"
    assert scale_verdict(1.1, "3/4", "2/5") == "meets (≤ 1.2×), queries GROW"
    assert scale_verdict(1.0, None, 3) == "meets (≤ 1.2×)"


PAGE = """
<form action="/i18n/setlang/" method="post"><input type="hidden" name="csrfmiddlewaretoken" value="x">
<select name="language"><option value="sv" selected>Svenska</option><option value="en">English</option></select></form>
<form method="post" enctype="multipart/form-data">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="hidden" name="submission_token" value="once">
  <input type="text" name="summary" value="Förra &amp; nya">
  <input type="number" name="trl">
  <input type="email" name="email" value="a@b.se" disabled>
  <input type="checkbox" name="consent">
  <input type="checkbox" name="news" checked>
  <input type="file" name="files">
  <textarea name="description">Rad ett
rad två</textarea>
  <select name="kind"><option value="">---</option><option value="rfi">RFI</option></select>
  <button type="submit" name="submit" value="1">Skicka</button>
</form>
"""


def test_the_writer_sends_the_form_as_a_browser_would():
    fields = form_fields(PAGE, "summary")
    assert fields == [
        ("csrfmiddlewaretoken", "tok"),
        ("submission_token", "once"),
        ("summary", "Förra & nya"),
        ("trl", ""),
        ("news", "on"),
        ("description", "Rad ett\nrad två"),
        ("kind", ""),
    ]
    assert form_fields(PAGE, "language") == [("csrfmiddlewaretoken", "x"), ("language", "sv")]
    with pytest.raises(LookupError):
        form_fields(PAGE, "nothing")
    changed = replace_fields(fields, {"trl": "6", "consent": "on"})
    assert ("trl", "6") in changed and changed[-1] == ("consent", "on") and len(changed) == len(fields) + 1


def test_failed_writes_are_listed_in_the_summary():
    writes = Writes(done={"response saves": 3, "webinar registrations": 2}, seconds=5.2)
    assert writes.summary() == "5 writes in 5 s (3 response saves, 2 webinar registrations); 0 failed"
    writes.failed = [f"registration #{n}: POST answered 429" for n in range(7)]
    summary = writes.summary()
    assert "7 failed" in summary and "registration #0: POST answered 429" in summary and "and 2 more" in summary


def test_a_row_waits_until_every_server_has_worked_off_the_last_rows_requests():
    answered = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow":
                time.sleep(0.5)
            answered.append((self.server.server_port, self.path))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    servers = [HTTPServer(("127.0.0.1", 0), Handler) for _ in range(2)]  # one request at a time, as a busy worker
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bases = [f"http://127.0.0.1:{server.server_port}" for server in servers]
        left_behind = threading.Thread(target=lambda: urllib.request.urlopen(bases[1] + "/slow").read())
        left_behind.start()
        time.sleep(0.1)
        started = time.monotonic()
        _drain(bases)
        assert time.monotonic() - started >= 0.3  # the other server's queued request was answered first
        assert answered[-2:] == [(servers[1].server_port, "/slow"), (servers[1].server_port, "/healthz")]
        assert (servers[0].server_port, "/healthz") in answered
        left_behind.join()
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
