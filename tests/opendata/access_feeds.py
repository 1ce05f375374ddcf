"""Rows of the role-access table for the calendar feeds and the open-data page (tests/access.py)."""

from opendata.feed_services import create_calendar_feed
from tests.access import AccessCase
from tests.factories import make_company_user, organisation_of


def cases(world):
    holder = make_company_user(email="feed-holder@example.org")
    _feed, token = create_calendar_feed(user=holder, organisation=organisation_of(holder))
    return [
        AccessCase("opendata:index", {}, default=200),
        AccessCase("opendata:calendar", {}, default=200),
        AccessCase("opendata:calendar", {}, default=400, query="colour=red"),
        # Whoever holds the address reads the feed (a calendar program signs in as nobody); a wrong one is 404.
        AccessCase("opendata:private_calendar", {}, default=200, query=f"token={token}"),
        AccessCase("opendata:private_calendar", {}, default=404, query="token=wrong"),
        # A company member's own page; everyone else who is signed in: 403.
        AccessCase("opendata:subscription", {"anonymous": 302, "company": 200}, default=403),
    ]
