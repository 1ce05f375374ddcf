"""Reads of the calendar feeds: what a feed holds, and the private feed a secret names.

A feed holds what the public pages show (projects.selectors.public_calls: published calls of published needs;
webinars.selectors.public_webinars: published and cancelled webinars) from `WINDOW` ago onwards: a call while its
closing time is in the window, a webinar while its end is. A constant number of queries whatever the number of
events (tests/opendata/test_feed_views.py counts them).
"""

from datetime import timedelta
from hashlib import sha256

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from portal.models import Membership
from projects import selectors as project_selectors
from projects.models import Call, InterestProfile
from webinars import selectors as webinar_selectors
from webinars.models import Webinar

from .models import CalendarFeed

WINDOW = timedelta(days=90)
# token_urlsafe(32) gives 43 characters; anything much longer or of other characters is no secret of ours.
TOKEN_MAX_LENGTH = 64
TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def hash_token(token: str) -> str:
    return sha256(token.encode()).hexdigest()


def window_start(now=None):
    return (now or timezone.now()) - WINDOW


def feed_calls(filters: dict, *, now=None) -> QuerySet[Call]:
    """Public calls closing in the window, narrowed by the call catalogue's filters (CallFilterForm's cleaned data,
    any state: cancelled ones are in the feed as cancelled), soonest closing first."""
    calls = project_selectors.public_calls().filter(closes_at__gte=window_start(now))
    calls = project_selectors.filter_calls(calls, {**filters, "state": "all", "sort": ""})
    return calls.order_by("closes_at", "id")


# What a call's two events show (opendata/feed_ics.py): the rest of the call, its need and organisation (long texts,
# search copies) stays in the database. Reading whole rows took half of a feed's time at 2 000 calls.
CALL_EVENT_FIELDS = (
    "id",
    "title",
    "kind",
    "status",
    "opens_at",
    "closes_at",
    "updated_at",
    "need__id",
    "need__title",
    "need__updated_at",
    "need__organisation__id",
    "need__organisation__name",
)


def feed_calls_shown(filters: dict, *, now=None) -> QuerySet[Call]:
    """`feed_calls` with only the columns the events show."""
    return feed_calls(filters, now=now).only(*CALL_EVENT_FIELDS)


def feed_webinars(*, now=None) -> QuerySet[Webinar]:
    """Published and cancelled webinars ending in the window, soonest first."""
    return webinar_selectors.public_webinars().filter(ends_at__gte=window_start(now)).order_by("starts_at", "id")


def get_live_feed(token: str) -> CalendarFeed:
    """The live feed whose secret is `token`, of a person who is still active and a member of the feed's
    organisation. One query; 404 for an unknown, revoked or malformed secret and for a person who has left."""
    if not token or len(token) > TOKEN_MAX_LENGTH or not set(token) <= TOKEN_CHARACTERS:
        raise Http404
    feed = (
        CalendarFeed.objects.select_related("user", "organisation")
        .filter(token_hash=hash_token(token))
        .filter(revoked_at__isnull=True)
        .filter(user__is_active=True)
        .filter(Exists(Membership.objects.filter(user=OuterRef("user"), organisation=OuterRef("organisation"))))
        .first()
    )
    if feed is None:
        raise Http404
    return feed


def matching_calls(feed: CalendarFeed, *, now=None) -> list[Call]:
    """The calls of the public feed's window that match the interest profile of the feed's organisation, by the
    rule of the call alerts (projects.selectors.calls_matching_profile); none without a profile."""
    profile = InterestProfile.objects.filter(organisation=feed.organisation).prefetch_related("cpv_codes").first()
    if profile is None:
        return []
    return project_selectors.calls_matching_profile(profile, feed_calls({}, now=now))


def live_feed_of(user, organisation) -> CalendarFeed | None:
    """The person's live feed for the organisation, if any (for their own page)."""
    if organisation is None:
        return None
    return CalendarFeed.objects.filter(user=user, organisation=organisation, revoked_at__isnull=True).first()
