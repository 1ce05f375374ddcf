"""Writes of the OCDS part of the open data: storing a new release when a need's public facts changed.

A release is a snapshot that never changes once stored. `sync_releases` builds the current release of every
published need (or of the needs given) and stores a new one only where its content differs from the need's latest
stored release: the first one of a process tagged `planning`, every later one `planningUpdate`.

Beat runs `sync_changed_releases` every five minutes (`opendata/schedule.py`): it rebuilds only the needs whose
public facts may have changed since its previous run, so its cost follows the changes, not the number of needs.
First a check that costs no database query: the page-cache generation of the rows a release is built from
(families `needs` and `organisations`, portal/cache.py; every write changes it, a bulk `update()` too). If it is
unchanged, only the calls the clock opened or closed since are read (one query). Otherwise one query finds the
needs with a row written since the previous run (`ocds_selectors.needs_changed_since`). Beat also runs the full
`sync_releases` nightly, as a safety net (a deleted row, a change outside the generations); `manage.py ocds_sync`
runs the full sync at once, `--changed` the periodic one.
"""

import json
from datetime import timedelta

from django.db import connection, transaction

from portal import cache as page_cache
from portal.clock import database_now

from . import ocds, ocds_selectors
from .models import Release, SyncState

BATCH = 500
# The rows a release is built from belong to these page families (projects' needs, calls, files of calls,
# amendments, questions, assessments, CPV codes; portal's organisations).
SOURCE_FAMILIES = ("needs", "organisations")
PERIODIC = "ocds-periodic"
# Past this many transactions since the previous run, its horizon is too old to compare (PostgreSQL's
# transaction ids wrap at 2^32, `age()` is exact within 2^31): the run is a full sync.
MAX_HORIZON_AGE = 2**30


def sync_changed_releases() -> int:
    """`sync_releases` for the needs whose public facts may have changed since the previous run (the first run, or
    one after a very long pause, syncs every need); returns how many releases were stored.

    With nothing written and no call opened or closed by the clock it makes three small queries and writes
    nothing. Safe with writes running meanwhile: the generation is read before the database's position, the next
    run starts from the position this run started at (not where it ended), and while another transaction is
    writing the generation is not kept, so the next run queries again rather than trusting it.
    """
    if connection.vendor != "postgresql":
        # What changed is read from PostgreSQL's row versions; another database (a developer's SQLite) syncs all.
        return sync_releases()
    token = page_cache.fragment_version(*SOURCE_FAMILIES)
    now, horizon, busy = ocds_selectors.database_position()
    state = SyncState.objects.filter(name=PERIODIC).first()
    if state is None or horizon - state.horizon > MAX_HORIZON_AGE:
        stored = sync_releases()
    else:
        unchanged = token == state.token
        need_ids = ocds_selectors.needs_changed_since(
            horizon=None if unchanged else state.horizon, at=state.at, now=now
        )
        if unchanged and not need_ids:
            return 0
        stored = sync_releases(need_ids=need_ids) if need_ids else 0
    SyncState.objects.update_or_create(
        name=PERIODIC, defaults={"horizon": horizon, "at": now, "token": "" if busy else token}
    )
    return stored


def sync_releases(*, need_ids: list[int] | None = None) -> int:
    """Store a new release for each published need (of `need_ids`, when given) whose public content changed since
    its latest release; returns how many were stored.

    Idempotent: a second run stores nothing. Two runs at once store each release once (the need's release numbers
    are unique: the loser's rows are skipped, and its next run finds nothing new). Side effects: `Release` rows, and
    with them the cached open-data pages are stale (their page family `ocds`).
    """
    queryset = ocds_selectors.published_needs_for_ocds()
    if need_ids is not None:
        queryset = queryset.filter(pk__in=need_ids)
    stored = 0
    last = 0
    while True:
        needs = list(queryset.filter(pk__gt=last)[:BATCH])
        if not needs:
            return stored
        last = needs[-1].pk
        stored += _sync_batch(needs)


def sync_need_releases(*, need) -> int:
    """`sync_releases` for one need (nothing for a need that is not published)."""
    return sync_releases(need_ids=[need.pk])


def _sync_batch(needs) -> int:
    now = database_now()
    built = ocds.build_releases(needs, now=now)
    latest = ocds_selectors.latest_releases([need.pk for need in needs])
    rows = []
    for need in needs:
        content = built[need.pk]
        content_digest = ocds.digest(content)
        previous = latest.get(need.pk)
        if previous is not None and previous.digest == content_digest:
            continue
        sequence = previous.sequence + 1 if previous is not None else 1
        # Dates are published to the second: a later release is always dated later, so that it sorts later.
        date = now.replace(microsecond=0)
        if previous is not None and date <= previous.date:
            date = previous.date.replace(microsecond=0) + timedelta(seconds=1)
        tag = ocds.TAG_UPDATE if previous is not None and previous.ocid == content["ocid"] else ocds.TAG_FIRST
        release_id = f"{content['ocid']}-{sequence}"
        release = {"ocid": content["ocid"], "id": release_id, "date": ocds.iso(date), "tag": [tag], **content}
        rows.append(
            Release(
                need=need,
                ocid=content["ocid"],
                sequence=sequence,
                release_id=release_id,
                date=date,
                tag=tag,
                digest=content_digest,
                json=json.dumps(release, ensure_ascii=False, separators=(",", ":")),
            )
        )
    if rows:
        with transaction.atomic():
            Release.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
