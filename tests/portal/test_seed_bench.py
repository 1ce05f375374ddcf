"""`manage.py seed_bench`: the benchmark's data, at a small scale."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from projects.models import Call, Need, Response
from webinars.models import Registration

pytestmark = pytest.mark.django_db


def test_seed_bench_fills_every_part_in_proportion_and_only_once(tmp_path):
    cpv_file = tmp_path / "cpv.json"
    cpv_file.write_text(json.dumps({"45000000-7": "Construction work", "09331200-0": "Solar modules"}))
    out = StringIO()
    call_command("seed_bench", "--scale", "0.01", "--cpv", str(cpv_file), stdout=out)
    assert Need.objects.count() == 200 and Need.objects.filter(visibility="published").count() == 100
    assert Call.objects.count() == 20
    # 40 000 responses at scale 1; this small world has only 20 companies to answer each open or closed call.
    answerable = Call.objects.filter(status__in=["open", "closed"]).count()
    assert Response.objects.count() == min(400, answerable * 20)
    assert Registration.objects.count() == 300
    report = out.getvalue()
    assert "needs" in report and "Done in" in report

    again = StringIO()
    call_command("seed_bench", "--scale", "0.01", "--cpv", str(cpv_file), stdout=again)
    assert "already there" in again.getvalue()
    assert Need.objects.count() == 200


def test_seeded_accounts_sign_in_to_their_pages(client, tmp_path):
    from benchmarks.seed import BENCH_BUYER, BENCH_COMPANY, BENCH_HANDLER
    from portal.models import User

    cpv_file = tmp_path / "cpv.json"
    cpv_file.write_text(json.dumps({"45000000-7": "Construction work"}))
    call_command("seed_bench", "--scale", "0.01", "--cpv", str(cpv_file), stdout=StringIO())
    for email, path in [
        (BENCH_BUYER, "/dashboard/"),
        (BENCH_COMPANY, "/dashboard/"),
        (BENCH_HANDLER, "/checks/review/"),
    ]:
        client.force_login(User.objects.get(email=email))
        assert client.get(path).status_code == 200, email


def test_seeded_needs_and_calls_are_searchable(tmp_path):
    from projects import selectors
    from projects.analysis import index_text

    cpv_file = tmp_path / "cpv.json"
    cpv_file.write_text(json.dumps({"45000000-7": "Construction work"}))
    call_command("seed_bench", "--scale", "0.01", "--cpv", str(cpv_file), stdout=StringIO())
    need = selectors.published_needs().order_by("pk").first()
    found = selectors.filter_needs(selectors.published_needs(), {"q": need.title})
    assert need in found
    assert need.search_title == index_text(need.title)
    call = selectors.public_calls().order_by("pk").first()
    assert call in selectors.filter_calls(selectors.public_calls(), {"q": call.title, "state": "all"})
