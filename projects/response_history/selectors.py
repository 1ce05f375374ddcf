"""Reads of the response history and of the seal on responses."""

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from .models import ResponseVersion


def sealed_responses_q(now, prefix: str = "call__") -> Q:
    """Responses whose call keeps them sealed at `now` (`prefix=""`: such calls)."""
    return Q(**{f"{prefix}responses_sealed": True, f"{prefix}closes_at__gt": now})


def versions_of(response) -> QuerySet[ResponseVersion]:
    """The kept versions of a response, newest first (the caller has checked that the user may view it)."""
    return ResponseVersion.objects.filter(response=response).select_related("created_by").order_by("-number")


def get_version_of(response, number) -> tuple[ResponseVersion, ResponseVersion | None]:
    """Version `number` of a response the user may view and the one before it (None for the first). 404 if
    there is no such version."""
    versions = list(ResponseVersion.objects.filter(response=response, number__in=[number, number - 1]))
    by_number = {version.number: version for version in versions}
    if number not in by_number:
        raise Http404
    return by_number[number], by_number.get(number - 1)


def with_latest_version(responses: QuerySet) -> QuerySet:
    """`responses` with `latest_version` (its number, None if none kept) and `latest_version_at` (two scalar
    subqueries, none per row), so a list can show that a response changed after it was submitted, and when."""
    latest = ResponseVersion.objects.filter(response=OuterRef("pk")).order_by("-number")
    return responses.annotate(
        latest_version=Subquery(latest.values("number")[:1]),
        latest_version_at=Subquery(latest.values("created_at")[:1]),
    )
