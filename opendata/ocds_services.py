"""Writes of the OCDS part of the open data: storing a new release when a need's public facts changed.

A release is a snapshot that never changes once stored. `sync_releases` builds the current release of every
published need (or of the needs given) and stores a new one only where its content differs from the need's latest
stored release: the first one of a process tagged `planning`, every later one `planningUpdate`. It runs from
beat every five minutes (`opendata/schedule.py`), so a call that opens or closes by the clock, a new call, an
amendment, a published answer or an edited need is published within minutes; `manage.py ocds_sync` runs it at once.
"""

import json
from datetime import timedelta

from django.db import transaction

from portal.clock import database_now

from . import ocds, ocds_selectors
from .models import Release

BATCH = 500


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
