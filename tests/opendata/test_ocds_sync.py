"""The periodic OCDS sync (issue 19): it reads only what changed since its previous run, whatever the number of
needs, and misses no change (a save, a bulk `update()`, a new file or amendment, a call closing by the clock)."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opendata import ocds_selectors, ocds_services
from opendata.models import Release, SyncState
from opendata.schedule import BEAT_SCHEDULE
from opendata.tasks import sync_all_ocds_releases, sync_ocds_releases
from portal.files import attach_bytes
from projects.amendments import services as amendment_services
from projects.models import Call, Need
from tests.factories import make_buyer, organisation_of
from tests.projects.factories import CallFactory, NeedFactory

from .ocds_world import PDF, rich_need

pytestmark = pytest.mark.django_db


def _latest(need) -> dict:
    return json.loads(Release.objects.filter(need=need).order_by("sequence").last().json)


def _synced(*needs) -> None:
    """The periodic sync has run once (its first run syncs everything) and has nothing more to do."""
    ocds_services.sync_changed_releases()
    assert ocds_services.sync_changed_releases() == 0
    assert all(Release.objects.filter(need=need).exists() for need in needs)


@pytest.mark.parametrize("needs", [1, 8])
def test_periodic_sync_with_nothing_changed_makes_a_few_queries_and_stores_nothing(needs):
    for _ in range(needs):
        rich_need()
    _synced()
    releases = Release.objects.count()
    state = SyncState.objects.get()

    with CaptureQueriesContext(connection) as queries:
        stored = ocds_services.sync_changed_releases()

    assert stored == 0
    # the database's position, the previous run's state, the calls the clock passed: nothing written (the fourth,
    # inside the test's transaction only, drops the copy of the activity table read before)
    assert len(queries) == 4 and "pg_stat_clear_snapshot" in queries[0]["sql"]
    assert not any(query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for query in queries)
    assert Release.objects.count() == releases
    assert SyncState.objects.get().at == state.at


def test_periodic_sync_picks_up_a_saved_call_and_need():
    need = NeedFactory()
    call = CallFactory(need=need, title="Förfrågan")
    _synced(need)

    call.title = "Förfrågan om information"
    call.save()
    assert ocds_services.sync_changed_releases() == 1
    assert _latest(need)["tender"]["documents"][0]["title"] == "Förfrågan om information"

    need.title = "Fossilfria arbetsmaskiner"
    need.save()
    assert ocds_services.sync_changed_releases() == 1
    assert _latest(need)["tender"]["title"] == "Fossilfria arbetsmaskiner"
    assert ocds_services.sync_changed_releases() == 0


def test_periodic_sync_picks_up_a_bulk_update():
    need = NeedFactory()
    call = CallFactory(need=need)
    _synced(need)

    Call.objects.filter(pk=call.pk).update(title="Ändrad utan signal")  # no post_save, no updated_at
    assert ocds_services.sync_changed_releases() == 1
    assert _latest(need)["tender"]["documents"][0]["title"] == "Ändrad utan signal"

    Need.objects.filter(pk=need.pk).update(estimated_value=123_000)
    assert ocds_services.sync_changed_releases() == 1
    assert _latest(need)["tender"]["value"] == {"amount": 123_000, "currency": "SEK"}


def test_periodic_sync_picks_up_a_new_file_and_an_amendment():
    buyer = make_buyer()
    need = NeedFactory(organisation=organisation_of(buyer))
    call = CallFactory(need=need)
    _synced(need)

    attach_bytes(owner=call, content=PDF, filename="bilaga.pdf")
    assert ocds_services.sync_changed_releases() == 1
    assert [d["title"] for d in _latest(need)["tender"]["documents"]][1:] == ["bilaga.pdf"]

    amendment_services.amend_call(
        call=call,
        by=buyer,
        text="En ny bilaga.",
        attachments=[(SimpleUploadedFile("tillagg.pdf", PDF), "tillagg.pdf", "application/pdf")],
    )
    assert ocds_services.sync_changed_releases() == 1
    release = _latest(need)
    assert [amendment["description"] for amendment in release["tender"]["amendments"]] == ["En ny bilaga."]
    assert "tillagg.pdf" in [document["title"] for document in release["tender"]["documents"]]


def test_periodic_sync_picks_up_a_renamed_organisation():
    need = NeedFactory()
    _synced(need)

    type(need.organisation).objects.filter(pk=need.organisation_id).update(name="Nya kommunen")
    assert ocds_services.sync_changed_releases() == 1
    assert _latest(need)["buyer"]["name"] == "Nya kommunen"


def test_periodic_sync_picks_up_a_call_closing_by_the_clock(monkeypatch):
    need = NeedFactory()
    CallFactory(need=need, closes_at=timezone.now() + timedelta(hours=1))
    other = NeedFactory()
    CallFactory(need=other, closes_at=timezone.now() + timedelta(days=5))
    _synced(need, other)

    # Two hours on, with nothing written: only the clock closed the call.
    real = ocds_selectors.database_position
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(ocds_selectors, "database_position", lambda: (later, *real()[1:]))
    monkeypatch.setattr(ocds_services, "database_now", lambda: later)
    assert ocds_selectors.needs_changed_since(horizon=None, at=SyncState.objects.get().at, now=later) == [need.pk]
    assert ocds_services.sync_changed_releases() == 1

    closes = next(m for m in _latest(need)["tender"]["milestones"] if m["code"] == "callCloses")
    assert closes["status"] == "met"
    assert Release.objects.filter(need=other).count() == 1


@pytest.mark.django_db(transaction=True)
def test_periodic_sync_reads_only_the_needs_written_since_its_previous_run():
    needs = NeedFactory.create_batch(3)
    changed = CallFactory(need=needs[1])
    _synced(*needs)
    state = SyncState.objects.get()
    assert ocds_selectors.needs_changed_since(horizon=state.horizon, at=state.at, now=state.at) == []

    Call.objects.filter(pk=changed.pk).update(title="Ändrad")

    now, _horizon, _busy = ocds_selectors.database_position()
    assert ocds_selectors.needs_changed_since(horizon=state.horizon, at=state.at, now=now) == [needs[1].pk]
    assert ocds_services.sync_changed_releases() == 1
    assert [Release.objects.filter(need=need).count() for need in needs] == [1, 2, 1]


@pytest.mark.django_db(transaction=True)
def test_a_write_during_a_periodic_run_is_read_by_a_later_run(monkeypatch):
    first, second = NeedFactory.create_batch(2)
    _synced(first, second)
    real_position, real_changed = ocds_selectors.database_position, ocds_selectors.needs_changed_since

    def position_after_a_write():  # a write after the run read the generation, before its position
        Need.objects.filter(pk=first.pk).update(title="Skrivet före läget")
        return real_position()

    def changed_then_a_write(**kwargs):  # a write after the run read what changed, before it stored anything
        need_ids = real_changed(**kwargs)
        Need.objects.filter(pk=second.pk).update(title="Skrivet under körningen")
        return need_ids

    monkeypatch.setattr(ocds_selectors, "database_position", position_after_a_write)
    ocds_services.sync_changed_releases()
    monkeypatch.setattr(ocds_selectors, "database_position", real_position)
    monkeypatch.setattr(ocds_selectors, "needs_changed_since", changed_then_a_write)
    ocds_services.sync_changed_releases()
    monkeypatch.setattr(ocds_selectors, "needs_changed_since", real_changed)
    ocds_services.sync_changed_releases()

    assert _latest(first)["tender"]["title"] == "Skrivet före läget"
    assert _latest(second)["tender"]["title"] == "Skrivet under körningen"
    assert ocds_services.sync_changed_releases() == 0


def test_the_first_periodic_run_and_the_full_sync_sync_every_need():
    needs = NeedFactory.create_batch(3)
    assert ocds_services.sync_changed_releases() == 3
    assert SyncState.objects.count() == 1

    Release.objects.all().delete()  # e.g. lost: the nightly full sync rebuilds what the periodic run cannot see
    assert ocds_services.sync_changed_releases() == 0
    assert sync_all_ocds_releases() == 3
    assert all(Release.objects.filter(need=need).exists() for need in needs)


def test_beat_runs_the_periodic_sync_every_five_minutes_and_the_full_sync_nightly():
    periodic = BEAT_SCHEDULE["opendata-sync-ocds-releases"]
    nightly = BEAT_SCHEDULE["opendata-sync-all-ocds-releases"]

    assert periodic["task"] == sync_ocds_releases.name and periodic["schedule"] == 300
    assert nightly["task"] == sync_all_ocds_releases.name
    assert nightly["schedule"].hour == {3} and nightly["schedule"].minute == {40}


def test_ocds_sync_command_syncs_everything_or_only_what_changed(capsys):
    NeedFactory.create_batch(2)

    call_command("ocds_sync", "--changed")
    assert capsys.readouterr().out.strip() == "2 OCDS release(s) stored."
    call_command("ocds_sync", "--changed")
    assert capsys.readouterr().out.strip() == "0 OCDS release(s) stored."
    Release.objects.all().delete()
    call_command("ocds_sync", "--all")
    assert capsys.readouterr().out.strip() == "2 OCDS release(s) stored."
