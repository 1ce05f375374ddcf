"""The calendar feeds as addresses: filters, bad input, the private feed and its page, query counts."""

from urllib.parse import urlsplit

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opendata.feed_selectors import hash_token
from opendata.models import CalendarFeed
from portal.models import AuditEntry, Membership
from projects.models import Call
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, cpv, profile
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db
FEED = "/oppna-data/kalender.ics"
DOMAIN = "innovationsupphandlingsportalen"


def _ids(content: bytes) -> set[str]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["uid"]).split("@")[0] for event in calendar.walk("VEVENT")}


def _call_ids(content: bytes) -> set[int]:
    return {int(uid.split("-")[1]) for uid in _ids(content) if uid.startswith("call-") and uid.endswith("-closes")}


def _subscribe(client, user) -> str:
    """Make the user's private feed on its page; returns the address shown once."""
    client.force_login(user)
    response = client.post(reverse("opendata:subscription"), {"action": "create"}, follow=True)
    assert response.status_code == 200
    url = response.context["private_url"]
    assert url and "token=" in url
    return _path(url)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# --- the public feed: filters and bad input ---------------------------------------------------------------------


def test_public_feed_filters_like_the_call_catalogue(client):
    energy = CallFactory(need=NeedFactory(category="energi"))
    transport = CallFactory(need=NeedFactory(category="transport"))
    consultation = CallFactory(need=NeedFactory(category="transport"), kind=Call.Kind.CONSULTATION)
    assert _call_ids(client.get(FEED + "?category=energi").content) == {energy.pk}
    assert _call_ids(client.get(FEED + "?category=transport&kind=consultation").content) == {consultation.pk}
    assert _call_ids(client.get(FEED).content) == {energy.pk, transport.pk, consultation.pk}


def test_public_feed_filters_by_cpv_division_and_stage(client):
    it_need = NeedFactory(stage="dialog")
    it_need.cpv_codes.set([cpv("72000000", "5")])
    it_call = CallFactory(need=it_need)
    CallFactory()
    assert _call_ids(client.get(FEED + "?cpv_division=72").content) == {it_call.pk}
    assert _call_ids(client.get(FEED + "?stage=dialog").content) == {it_call.pk}


def test_public_feed_include_chooses_calls_or_webinars(client):
    call = CallFactory()
    webinar = WebinarFactory()
    only_calls = _ids(client.get(FEED + "?include=calls").content)
    only_webinars = _ids(client.get(FEED + "?include=webinars").content)
    assert f"call-{call.pk}-closes" in only_calls and str(webinar.uid) not in only_calls
    assert only_webinars == {str(webinar.uid)}


@pytest.mark.parametrize(
    "query",
    [
        "colour=red",
        "category=nonsense",
        "stage=done",
        "kind=tender",
        "include=everything",
        "organisation=abc",
        "organisation=999999",
        "cpv_division=99",
        "lang=de",
        "category=energi&x\x00=1",
    ],
)
def test_public_feed_answers_400_with_a_plain_message_to_bad_input(client, query):
    response = client.get(FEED + "?" + query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().strip()


def test_public_feed_names_the_unknown_parameter(client):
    response = client.get(FEED + "?colour=red")
    assert "colour" in response.content.decode()


def test_public_feed_is_cached_for_visitors(client, django_assert_num_queries):
    CallFactory()
    client.get(FEED)
    client.get(FEED)  # the test's writes end with this request; the feed is stored again
    with django_assert_num_queries(0):
        response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "public" in response["Cache-Control"]


def test_public_feed_queries_do_not_grow_with_events(client, uncached_pages):
    CallFactory()
    WebinarFactory()
    client.get(FEED)
    with CaptureQueriesContext(connection) as one:
        client.get(FEED + "?category=energi")
    for _ in range(5):
        CallFactory()
        WebinarFactory()
    with CaptureQueriesContext(connection) as many:
        response = client.get(FEED + "?category=energi")
    assert len(_call_ids(response.content)) == 6
    assert len(one.captured_queries) == len(many.captured_queries)


# --- the private feed -------------------------------------------------------------------------------------------


def test_private_feed_shows_only_the_calls_matching_the_profile(client):
    company = make_company_user()
    profile(organisation_of(company), categories=["transport"])
    matching = CallFactory(need=NeedFactory(category="transport"))
    other = CallFactory(need=NeedFactory(category="energi"))
    webinar = WebinarFactory()
    url = _subscribe(client, company)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    ids = _ids(response.content)
    assert f"call-{matching.pk}-closes" in ids
    assert f"call-{other.pk}-closes" not in ids
    assert str(webinar.uid) not in ids


def test_private_feed_matches_by_cpv_code_like_the_alerts(client):
    company = make_company_user()
    profile(organisation_of(company), codes=[cpv("72000000", "5")])
    need = NeedFactory(category="energi")
    need.cpv_codes.set([cpv("72200000", "7")])
    matching = CallFactory(need=need)
    CallFactory(need=NeedFactory(category="energi"))
    url = _subscribe(client, company)
    assert _call_ids(client.get(url).content) == {matching.pk}


def test_private_feed_without_a_profile_is_empty(client):
    company = make_company_user()
    CallFactory()
    url = _subscribe(client, company)
    assert _ids(client.get(url).content) == set()


def test_only_a_hash_of_the_secret_is_stored(client):
    company = make_company_user()
    url = _subscribe(client, company)
    token = url.split("token=")[1]
    feed = CalendarFeed.objects.get()
    assert feed.token_hash == hash_token(token) and token not in feed.token_hash


def test_the_address_is_shown_once(client):
    company = make_company_user()
    url = _subscribe(client, company)
    page = client.get(reverse("opendata:subscription")).content.decode()
    assert url.split("token=")[1] not in page


def test_a_revoked_address_answers_404(client):
    company = make_company_user()
    url = _subscribe(client, company)
    assert client.get(url).status_code == 200
    client.post(reverse("opendata:subscription"), {"action": "revoke"})
    assert client.get(url).status_code == 404
    assert CalendarFeed.objects.get().revoked_at is not None


def test_replacing_the_address_stops_the_old_one(client):
    company = make_company_user()
    old = _subscribe(client, company)
    response = client.post(reverse("opendata:subscription"), {"action": "replace"}, follow=True)
    new = _path(response.context["private_url"])
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 1


def test_an_unknown_or_malformed_secret_answers_404(client):
    base = reverse("opendata:private_calendar")
    for query in ("", "?token=", "?token=nope", "?token=" + "a" * 500, "?token=%00%ff"):
        assert client.get(base + query).status_code == 404, query


def test_a_person_no_longer_a_member_gets_404(client):
    company = make_company_user()
    url = _subscribe(client, company)
    Membership.objects.filter(user=company).delete()
    assert client.get(url).status_code == 404


def test_a_deactivated_person_gets_404(client):
    company = make_company_user()
    url = _subscribe(client, company)
    company.is_active = False
    company.save()
    assert client.get(url).status_code == 404


def test_another_organisations_secret_shows_that_organisations_matches_only(client):
    """A secret is bound to its person and organisation: another company's member cannot make it theirs."""
    first, second = make_company_user(), make_company_user()
    profile(organisation_of(first), categories=["transport"])
    profile(organisation_of(second), categories=["energi"])
    transport = CallFactory(need=NeedFactory(category="transport"))
    first_url = _subscribe(client, first)
    second_url = _subscribe(client, second)
    assert _call_ids(client.get(first_url).content) == {transport.pk}
    assert _call_ids(client.get(second_url).content) == set()
    # The second company's member revokes their own feed; the first company's stays.
    client.post(reverse("opendata:subscription"), {"action": "revoke"})
    assert client.get(second_url).status_code == 404
    assert client.get(first_url).status_code == 200


def test_a_feed_of_an_organisation_the_person_left_is_404_even_if_they_joined_another(client):
    company = make_company_user()
    url = _subscribe(client, company)
    other = make_company_user()
    Membership.objects.filter(user=company).delete()
    Membership.objects.create(user=company, organisation=organisation_of(other))
    assert client.get(url).status_code == 404


def test_making_and_revoking_a_feed_is_audited_without_personal_data(client):
    company = make_company_user()
    _subscribe(client, company)
    client.post(reverse("opendata:subscription"), {"action": "revoke"})
    rows = list(AuditEntry.objects.filter(action__startswith="calendar_feed.").order_by("id"))
    assert [row.action for row in rows] == ["calendar_feed.created", "calendar_feed.revoked"]
    assert all(row.actor == company and row.object_repr == "" for row in rows)


def test_the_subscription_page_is_for_company_members_only(client):
    assert client.get(reverse("opendata:subscription")).status_code == 302
    client.force_login(make_buyer())
    assert client.get(reverse("opendata:subscription")).status_code == 403
    assert client.post(reverse("opendata:subscription"), {"action": "create"}).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_the_subscription_page_works_without_javascript(client):
    client.force_login(make_company_user())
    page = client.get(reverse("opendata:subscription")).content.decode()
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert 'name="action" value="create"' in page


def test_an_unknown_action_changes_nothing(client):
    client.force_login(make_company_user())
    response = client.post(reverse("opendata:subscription"), {"action": "\x00junk"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.exists()


def test_the_dashboard_links_a_company_to_its_feed_page(client):
    client.force_login(make_company_user())
    assert reverse("opendata:subscription") in client.get(reverse("portal:dashboard")).content.decode()


def test_private_feed_queries_do_not_grow_with_matches(client):
    company = make_company_user()
    profile(organisation_of(company), categories=["transport"], codes=[cpv("72000000", "5")])
    CallFactory(need=NeedFactory(category="transport"))
    url = _subscribe(client, company)
    client.logout()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        need = NeedFactory(category="transport")
        need.cpv_codes.set([cpv("72000000", "5")])
        CallFactory(need=need)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(_call_ids(response.content)) == 6
    assert len(one.captured_queries) == len(many.captured_queries)
    assert len(many.captured_queries) <= 6
