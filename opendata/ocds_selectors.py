"""Reads of the OCDS part of the open data: the public facts a release is built from, and the stored releases.

Only what the public pages show: published needs (`projects.selectors.published_needs`), their published calls
(`projects.selectors.public_calls`) with the calls' files, amendments and published questions, and the current
market-gap assessment (of which `ocds.py` takes only the published parts). A need that is not published has no
releases to anyone: "missing" and "not published" are the same "not found".
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from portal.models import Attachment
from projects import selectors as project_selectors
from projects.amendments.models import Amendment, AmendmentFile
from projects.models import Call, MarketGapAssessment, Need, Question

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
