"""Reads of the OCDS part of the open data: the public facts a release is built from, and the stored releases.

Only what the public pages show: published needs (`projects.selectors.published_needs`), their published calls
(`projects.selectors.public_calls`) with the calls' files, amendments and published questions, and the current
market-gap assessment (of which `ocds.py` takes only the published parts). A need that is not published has no
releases to anyone: "missing" and "not published" are the same "not found".
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet

from portal.models import Attachment, Organisation
from projects import selectors as project_selectors
from projects.amendments.models import Amendment, AmendmentFile
from projects.models import Call, CpvCode, MarketGapAssessment, Need, Question

from .models import Release


@dataclass
class PublicDialogue:
    """The public facts of a batch of needs, by need id (calls, CPV codes, assessments) or call id (the rest)."""

    calls: dict[int, list[Call]] = field(default_factory=dict)
    cpv_codes: dict[int, list] = field(default_factory=dict)
    assessments: dict[int, MarketGapAssessment] = field(default_factory=dict)
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)
    amendments: dict[int, list[Amendment]] = field(default_factory=dict)
    # call id → {attachment id: number of the amendment that added it} and {…: that replaced it}
    added: dict[int, dict[int, int]] = field(default_factory=dict)
    replaced: dict[int, dict[int, int]] = field(default_factory=dict)
    questions: dict[int, list[Question]] = field(default_factory=dict)

    def amendment_marks(self, call_id: int) -> tuple[dict[int, int], dict[int, int]]:
        return self.added.get(call_id, {}), self.replaced.get(call_id, {})


def published_needs_for_ocds() -> QuerySet[Need]:
    """The published needs, with their organisation, in id order (the sync walks them in batches)."""
    return project_selectors.published_needs().defer(*project_selectors.SEARCH_FIELDS).order_by("pk")


def public_dialogue(need_ids: list[int]) -> PublicDialogue:
    """Everything public about the needs `need_ids` that a release shows, in eight queries whatever their number."""
    data = PublicDialogue()
    if not need_ids:
        return data
    through = Need.cpv_codes.through
    for row in through.objects.filter(need_id__in=need_ids).select_related("cpvcode").order_by("cpvcode__code"):
        data.cpv_codes.setdefault(row.need_id, []).append(row.cpvcode)
    # The current version is the highest; only it is published (and only the parts the buyer chose).
    for assessment in MarketGapAssessment.objects.filter(need_id__in=need_ids).order_by("need_id", "version"):
        data.assessments[assessment.need_id] = assessment
    calls = list(
        project_selectors.public_calls()
        .filter(need_id__in=need_ids)
        .defer(*project_selectors.SEARCH_FIELDS)
        .order_by("opens_at", "id")
    )
    for call in calls:
        data.calls.setdefault(call.need_id, []).append(call)
    call_ids = [call.pk for call in calls]
    if not call_ids:
        return data
    # Every file of a published call is on its public page (portal.views.files serves it to anyone).
    attachments = Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(Call), object_id__in=[str(pk) for pk in call_ids]
    ).order_by("created_at", "id")
    for attachment in attachments:
        data.attachments.setdefault(int(attachment.object_id), []).append(attachment)
    for amendment in Amendment.objects.filter(call_id__in=call_ids).order_by("call_id", "number"):
        data.amendments.setdefault(amendment.call_id, []).append(amendment)
    for each in AmendmentFile.objects.filter(amendment__call_id__in=call_ids).select_related("amendment"):
        call_id, number = each.amendment.call_id, each.amendment.number
        data.added.setdefault(call_id, {})[each.attachment_id] = number
        if each.replaces_id:
            data.replaced.setdefault(call_id, {})[each.replaces_id] = number
    published = Question.objects.filter(call_id__in=call_ids, status=Question.Status.PUBLISHED)
    for question in published.order_by("created_at", "id"):
        data.questions.setdefault(question.call_id, []).append(question)
    return data


# --- what changed since the last sync --------------------------------------------------------------------------------


def database_position() -> tuple[datetime, int, bool]:
    """The database's time, its horizon and whether another transaction is writing to it, in one query.

    The horizon is the oldest transaction of this database whose rows a later read may not see: the oldest one
    still writing (`pg_stat_activity.backend_xid`), this very transaction when it has written, else the next
    transaction id (the snapshot's `xmax`). Every row written at or after it has an `xmin` at or after it; a
    transaction older than it had ended before this read, so the reads that follow see its rows. (The portal's
    connections share one database role, whose sessions the activity table always shows; should a session of
    another role be hidden from it, what that session writes is published by the nightly full sync at the latest.)
    """
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            # The activity table is read once per transaction; inside one, drop the copy read before.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            # backend_xid is a 32-bit id: widened to 64 bits (xid8) with the epoch of the snapshot's xmax.
            "WITH position AS (SELECT now() AS now, pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax),"
            " writing AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid())"
            " SELECT now, least("
            " (SELECT min((xmax >> 32 << 32) + xid - CASE WHEN xid > (xmax & 4294967295) THEN 4294967296 ELSE 0 END)"
            " FROM writing), pg_current_xact_id_if_assigned()::text::bigint, xmax), EXISTS (SELECT 1 FROM writing)"
            " FROM position"
        )
        now, horizon, busy = cursor.fetchone()
    return now, horizon, busy


def _tables() -> dict[str, str]:
    through = Need.cpv_codes.through._meta
    return {
        "need": Need._meta.db_table,
        "organisation": Organisation._meta.db_table,
        "call": Call._meta.db_table,
        "attachment": Attachment._meta.db_table,
        "amendment": Amendment._meta.db_table,
        "amendment_file": AmendmentFile._meta.db_table,
        "question": Question._meta.db_table,
        "assessment": MarketGapAssessment._meta.db_table,
        "need_cpv": through.db_table,
        "cpv": CpvCode._meta.db_table,
        "cpv_key": CpvCode._meta.pk.column,
        "through_need": through.get_field("need").column,
        "through_cpv": through.get_field("cpvcode").column,
    }


# Calls whose opening or closing time the clock passed after `at`, up to `now`: their state changed by itself.
_CLOCK = "SELECT need_id FROM {call} WHERE (opens_at > %(at)s AND opens_at <= %(now)s)"
_CLOCK += " OR (closes_at > %(at)s AND closes_at <= %(now)s)"
# A row is written since the horizon when its transaction (`xmin`) is not older than the horizon's: `age()`
# counts transactions back from now, across the 32-bit wrap of transaction ids.
_NEW = "age({t}.xmin) <= age(xid(%(horizon)s::text::xid8))"
_WRITTEN = [
    "SELECT id FROM {need} WHERE " + _NEW.format(t="{need}"),
    "SELECT n.id FROM {need} n JOIN {organisation} o ON o.id = n.organisation_id WHERE " + _NEW.format(t="o"),
    "SELECT need_id FROM {call} WHERE " + _NEW.format(t="{call}"),
    "SELECT c.need_id FROM {attachment} a JOIN {call} c ON a.object_id = c.id::text"
    " WHERE a.content_type_id = %(call_type)s AND " + _NEW.format(t="a"),
    "SELECT c.need_id FROM {amendment} m JOIN {call} c ON c.id = m.call_id WHERE " + _NEW.format(t="m"),
    "SELECT c.need_id FROM {amendment_file} f JOIN {amendment} m ON m.id = f.amendment_id"
    " JOIN {call} c ON c.id = m.call_id WHERE " + _NEW.format(t="f"),
    "SELECT c.need_id FROM {question} q JOIN {call} c ON c.id = q.call_id WHERE " + _NEW.format(t="q"),
    "SELECT need_id FROM {assessment} WHERE " + _NEW.format(t="{assessment}"),
    "SELECT {through_need} FROM {need_cpv} WHERE " + _NEW.format(t="{need_cpv}"),
    "SELECT t.{through_need} FROM {need_cpv} t JOIN {cpv} p ON p.{cpv_key} = t.{through_cpv}"
    " WHERE " + _NEW.format(t="p"),
]


def needs_changed_since(*, horizon: int | None, at: datetime, now: datetime) -> list[int]:
    """The ids of the needs whose public facts may have changed since a sync that started at `at` with `horizon`
    (`database_position`), in one query: the needs with a row written since the horizon among the rows a release
    is built from (the need, its organisation, its calls and their files, amendments, questions, its assessments
    and CPV codes), and the needs of the calls the clock opened or closed meanwhile. `horizon=None`: the clock
    only.

    It catches every write, a bulk `update()` or raw SQL too (PostgreSQL stamps each row version with the
    transaction that wrote it); not a deleted row, which the nightly full sync publishes. Published or not: the
    sync keeps the published ones.
    """
    parts = [_CLOCK] + (_WRITTEN if horizon is not None else [])
    sql = " UNION ".join(part.format(**_tables()) for part in parts)
    params = {"at": at, "now": now, "horizon": horizon, "call_type": ContentType.objects.get_for_model(Call).pk}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


# --- stored releases ------------------------------------------------------------------------------------------------


def _public_releases() -> QuerySet[Release]:
    return Release.objects.filter(need__visibility=Need.Visibility.PUBLISHED)


def releases_of_need(pk) -> list[Release]:
    """The releases of a published need, oldest first; empty for an unknown or unpublished need (or a bad id)."""
    try:
        need_id = int(pk)
    except (TypeError, ValueError):
        return []
    return list(_public_releases().filter(need_id=need_id).only("date", "ocid", "json").order_by("date", "id"))


def releases_since(since: datetime | None, *, after: tuple[datetime, int] | None, limit: int) -> list[Release]:
    """At most `limit` releases of published needs dated `since` or later, after the (date, id) `after`, in
    (date, id) order (keyset pagination: a release stored meanwhile never shifts a page)."""
    queryset = _public_releases()
    if since is not None:
        queryset = queryset.filter(date__gte=since)
    if after is not None:
        date, pk = after
        queryset = queryset.filter(Q(date__gt=date) | Q(date=date, id__gt=pk))
    return list(queryset.only("date", "json").order_by("date", "id")[:limit])


def latest_releases(need_ids: list[int]) -> dict[int, Release]:
    """The newest stored release of each of `need_ids` (without its text)."""
    latest = {}
    rows = Release.objects.filter(need_id__in=need_ids).only("need_id", "sequence", "ocid", "date", "digest")
    for release in rows.order_by("need_id", "sequence"):
        latest[release.need_id] = release
    return latest
