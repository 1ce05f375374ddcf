"""Following a call, the people notices go to, the cancellation notice, the deadline reminder and the stop link."""

from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from portal.audit import AuditAction
from portal.models import AuditEntry, Mail
from projects import services as project_services
from projects.following import services
from projects.following.models import CallFollow, CallNoticeOptOut
from projects.following.services import STOP_SALT, stop_token
from projects.models import Call, Response
from projects.notifications import call_participants, notify_call_participants
from tests.factories import make_buyer, make_company_user, make_handler, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory, closed_call, draft_call

pytestmark = pytest.mark.django_db


def _follow(client, call):
    return client.post(reverse("projects:call_follow", args=[call.pk]))


def _unfollow(client, call):
    return client.post(reverse("projects:call_unfollow", args=[call.pk]))


def _stop_url(call, email, *, for_call=None):
    return reverse("projects:call_stop_notices", args=[(for_call or call).pk, stop_token(call_id=call.pk, email=email)])


# --- following ---------------------------------------------------------------------------------------------------


def test_a_company_member_follows_and_unfollows_a_call(client, company_user):
    call = CallFactory()
    client.force_login(company_user)
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert "Bevaka förfrågan" in page and "Du bevakar den här förfrågan" not in page

    response = _follow(client, call)

    assert response.status_code == 302 and response["Location"] == reverse("projects:call_detail", args=[call.pk])
    assert CallFollow.objects.filter(call=call, user=company_user).count() == 1
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert "Du bevakar den här förfrågan" in page and "Bevaka förfrågan" not in page
    assert _follow(client, call).status_code == 302  # twice is still one follow
    assert CallFollow.objects.filter(call=call, user=company_user).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.CALL_FOLLOWED, actor=company_user).count() == 1

    assert _unfollow(client, call).status_code == 302

    assert not CallFollow.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.CALL_UNFOLLOWED, actor=company_user).count() == 1


def test_following_is_person_level(client, company_user, company_org):
    colleague = make_company_user(organisation=company_org)
    call = CallFactory()
    client.force_login(company_user)
    _follow(client, call)

    client.force_login(colleague)
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()

    assert "Bevaka förfrågan" in page
    assert list(CallFollow.objects.values_list("user", flat=True)) == [company_user.pk]


@pytest.mark.parametrize("make_user", [make_buyer, make_handler])
def test_only_company_members_may_follow(client, make_user):
    call = CallFactory()
    client.force_login(make_user())

    assert _follow(client, call).status_code == 403
    assert "Bevaka förfrågan" not in client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()
    assert not CallFollow.objects.exists()


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (closed_call, 403),
        (lambda: CallFactory(status=Call.Status.CANCELLED, cancel_reason="Skäl."), 403),
        (draft_call, 404),
    ],
)
def test_closed_cancelled_and_unpublished_calls_cannot_be_followed(client, company_user, make, status):
    call = make()
    client.force_login(company_user)

    assert _follow(client, call).status_code == status
    assert not CallFollow.objects.exists()


def test_a_scheduled_call_can_be_followed(client, company_user):
    call = CallFactory(status=Call.Status.DRAFT, opens_at=timezone.now() + timedelta(days=1))
    client.force_login(company_user)

    assert _follow(client, call).status_code == 302
    assert CallFollow.objects.filter(call=call).exists()


def test_follow_and_unfollow_need_a_post(client, company_user):
    call = CallFactory()
    client.force_login(company_user)

    assert client.get(reverse("projects:call_follow", args=[call.pk])).status_code == 405
    assert client.get(reverse("projects:call_unfollow", args=[call.pk])).status_code == 405


def test_the_dashboard_lists_the_calls_a_person_follows(client, company_user):
    followed = CallFactory(title="Bevakad förfrågan")
    CallFactory(title="Annan förfrågan")
    services.follow_call(call=followed, user=company_user)
    client.force_login(company_user)

    page = client.get(reverse("portal:dashboard")).content.decode()

    section = page[page.index("Förfrågningar du bevakar") :]
    assert "Bevakad förfrågan" in section
    assert "Annan förfrågan" not in section


# --- whom notices reach ------------------------------------------------------------------------------------------


def test_call_participants_include_followers_and_leave_out_those_who_stopped():
    call = CallFactory()
    follower, responder, asker, stopped = (make_company_user() for _ in range(4))
    services.follow_call(call=call, user=follower)
    services.follow_call(call=CallFactory(), user=make_company_user())  # another call's follower
    ResponseFactory(call=call, organisation=organisation_of(responder), status=Response.Status.DRAFT)
    QuestionFactory(call=call, organisation=organisation_of(asker))
    ResponseFactory(call=call, organisation=organisation_of(stopped), status=Response.Status.SUBMITTED)
    services.stop_call_notices(call=call, email=stopped.email)

    assert list(call_participants(call)) == sorted([follower, responder, asker], key=lambda user: user.pk)


def test_following_again_undoes_a_stop(client, company_user):
    call = CallFactory()
    services.follow_call(call=call, user=company_user)
    services.stop_call_notices(call=call, email=company_user.email)
    assert list(call_participants(call)) == []

    client.force_login(company_user)
    _follow(client, call)

    assert list(call_participants(call)) == [company_user]


# --- cancellation ------------------------------------------------------------------------------------------------


def test_cancelling_mails_the_reason_to_everyone_involved(buyer, buyer_org):
    call = CallFactory(need=NeedFactory(organisation=buyer_org))
    follower = make_company_user(email="foljer@example.org", language="en")
    responder = make_company_user(email="svarar@example.org")
    asker = make_company_user(email="fragar@example.org")
    services.follow_call(call=call, user=follower)
    ResponseFactory(call=call, organisation=organisation_of(responder), status=Response.Status.DRAFT)
    QuestionFactory(call=call, organisation=organisation_of(asker))

    project_services.cancel_call(call=call, by=buyer, reason="Behovet har försvunnit.")

    mails = {mail.to: mail for mail in Mail.objects.filter(template="projects/mail/call_cancelled")}
    assert set(mails) == {"foljer@example.org", "svarar@example.org", "fragar@example.org"}
    assert mails["svarar@example.org"].subject == f"Förfrågan {call.title} har ställts in"
    assert "Skälet som angavs:\n\nBehovet har försvunnit." in mails["svarar@example.org"].body
    assert mails["foljer@example.org"].subject == f"The call {call.title} has been cancelled"
    assert "Behovet har försvunnit." in mails["foljer@example.org"].body
    assert f"/calls/{call.pk}/stop-notices/" in mails["foljer@example.org"].body


def test_a_refused_cancellation_mails_nobody(buyer, buyer_org):
    call = closed_call(need=NeedFactory(organisation=buyer_org))
    services.follow_call(call=call, user=make_company_user())

    with pytest.raises(project_services.InvalidTransition):
        project_services.cancel_call(call=call, by=buyer, reason="För sent.")

    assert not Mail.objects.filter(template="projects/mail/call_cancelled").exists()


# --- the deadline reminder ---------------------------------------------------------------------------------------


def test_the_reminder_goes_out_the_day_before_closing_once_per_person_and_call():
    now = timezone.now()
    closing = CallFactory(closes_at=now + timedelta(hours=20))
    later = CallFactory(closes_at=now + timedelta(days=3))
    closed = closed_call()
    follower, responder = make_company_user(email="f@example.org"), make_company_user(email="r@example.org")
    for call in (closing, later, closed):
        services.follow_call(call=call, user=follower)
    ResponseFactory(call=closing, organisation=organisation_of(responder), status=Response.Status.SUBMITTED)

    assert services.send_deadline_reminders(now=now) == 2
    assert services.send_deadline_reminders(now=now + timedelta(hours=1)) == 0  # the second run sends nothing

    mails = Mail.objects.filter(template="projects/mail/call_deadline_reminder")
    assert sorted(mail.to for mail in mails) == ["f@example.org", "r@example.org"]
    mail = mails.get(to="f@example.org")
    closes = timezone.localtime(closing.closes_at)
    assert mail.subject == f"Påminnelse: sista svarstid för {closing.title} är {closes:%Y-%m-%d %H:%M}"
    assert f"/calls/{closing.pk}/stop-notices/" in mail.body


def test_a_new_follower_after_the_reminder_gets_one_and_nobody_twice():
    now = timezone.now()
    call = CallFactory(closes_at=now + timedelta(hours=5))
    first, second = make_company_user(), make_company_user()
    services.follow_call(call=call, user=first)
    services.send_deadline_reminders(now=now)
    services.follow_call(call=call, user=second)

    assert services.send_deadline_reminders(now=now) == 1
    assert Mail.objects.filter(template="projects/mail/call_deadline_reminder").count() == 2


def test_the_reminder_task_is_in_the_beat_schedule():
    from projects.schedule import BEAT_SCHEDULE
    from projects.tasks import send_deadline_reminders

    entry = BEAT_SCHEDULE["projects-send-deadline-reminders"]
    assert entry["task"] == send_deadline_reminders.name == "projects.tasks.send_deadline_reminders"
    assert entry["schedule"] <= 60 * 60


def test_the_reminder_task_runs_the_service():
    from projects.tasks import send_deadline_reminders

    call = CallFactory(closes_at=timezone.now() + timedelta(hours=2))
    services.follow_call(call=call, user=make_company_user())

    assert send_deadline_reminders() == 1
    assert send_deadline_reminders() == 0


# --- the stop link -----------------------------------------------------------------------------------------------


def test_the_footer_of_another_features_notice_carries_the_stop_link(settings):
    """Any notice sent through notify_call_participants ends with the footer; its link is the recipient's own."""
    call = CallFactory()
    user = make_company_user(email="person@example.org")
    services.follow_call(call=call, user=user)

    notify_call_participants(call=call, template="projects/mail/call_cancelled", context={"reason": "R", "link": "L"})

    mail = Mail.objects.get(to="person@example.org")
    token = mail.body.rsplit(f"/calls/{call.pk}/stop-notices/", 1)[1].split("/")[0]
    assert signing.loads(token, salt=STOP_SALT) == {"c": call.pk, "e": "person@example.org"}
    header = mail.headers["List-Unsubscribe"]
    assert header.startswith(f"<{settings.SITE_URL}/calls/{call.pk}/stop-notices/") and header.endswith("/>")
    header_token = header.rsplit("/stop-notices/", 1)[1].split("/")[0]
    assert signing.loads(header_token, salt=STOP_SALT) == {"c": call.pk, "e": "person@example.org"}
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_stop_link_shows_one_button_without_login(client):
    call = CallFactory(title="Smarta sensorer")
    user = make_company_user(email="person@example.org")
    services.follow_call(call=call, user=user)

    page = client.get(_stop_url(call, user.email))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Knappen nedan stoppar all e-post om den här förfrågan till person@example.org" in text
    assert "Stoppa e-post om den här förfrågan" in text
    assert CallFollow.objects.filter(call=call, user=user).exists()  # GET changes nothing


def test_posting_the_stop_link_unfollows_and_stops_responder_notices(client):
    call = CallFactory(title="Smarta sensorer")
    user = make_company_user(email="person@example.org")
    services.follow_call(call=call, user=user)
    ResponseFactory(call=call, organisation=organisation_of(user), status=Response.Status.DRAFT)

    page = client.post(_stop_url(call, "Person@Example.org"))

    assert page.status_code == 200
    assert "Klart. Du bevakar inte längre ”Smarta sensorer” och får ingen mer e-post om den." in page.content.decode()
    assert not CallFollow.objects.exists()
    assert CallNoticeOptOut.objects.filter(call=call, user=user).exists()
    assert list(call_participants(call)) == []
    assert AuditEntry.objects.filter(action=AuditAction.CALL_NOTICES_STOPPED, actor=user).count() == 1
    assert client.post(_stop_url(call, user.email)).status_code == 200  # again: nothing more happens
    assert CallNoticeOptOut.objects.count() == 1


def test_rfc8058_one_click_post_works_without_a_csrf_token():
    from django.test import Client

    call = CallFactory()
    user = make_company_user()
    services.follow_call(call=call, user=user)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _stop_url(call, user.email),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert not CallFollow.objects.exists()


def test_a_stopped_person_gets_no_further_notice_about_that_call_only():
    call, other = CallFactory(), CallFactory()
    user = make_company_user()
    for each in (call, other):
        ResponseFactory(call=each, organisation=organisation_of(user), status=Response.Status.DRAFT)
    services.stop_call_notices(call=call, email=user.email)

    assert notify_call_participants(call=call, template="projects/mail/call_cancelled", context={"reason": "R"}) == 0
    assert notify_call_participants(call=other, template="projects/mail/call_cancelled", context={"reason": "R"}) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_link_gives_a_clear_message(client, method):
    call = CallFactory()
    user = make_company_user()
    services.follow_call(call=call, user=user)
    token = stop_token(call_id=call.pk, email=user.email)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    page = getattr(client, method)(reverse("projects:call_stop_notices", args=[call.pk, tampered]))

    assert page.status_code == 400
    assert "Länken är inte giltig" in page.content.decode()
    assert CallFollow.objects.exists()


def test_a_link_for_another_call_does_not_work(client):
    call, other = CallFactory(), CallFactory()
    user = make_company_user()
    services.follow_call(call=call, user=user)
    services.follow_call(call=other, user=user)

    page = client.post(_stop_url(call, user.email, for_call=other))

    assert page.status_code == 400
    assert CallFollow.objects.filter(user=user).count() == 2


def test_an_expired_link_gives_a_clear_message(client, monkeypatch):
    call = CallFactory()
    user = make_company_user()
    url = _stop_url(call, user.email)
    monkeypatch.setattr(services, "STOP_MAX_AGE", timedelta(seconds=-1))

    page = client.post(url)

    assert page.status_code == 400
    assert "Länken är inte giltig" in page.content.decode()


def test_the_stop_link_of_a_missing_call_is_just_invalid(client):
    page = client.get(reverse("projects:call_stop_notices", args=[999999, stop_token(call_id=999999, email="a@b.se")]))

    assert page.status_code == 400
    assert "Länken är inte giltig" in page.content.decode()


def test_an_invalid_link_does_not_show_the_calls_title(client):
    call = draft_call(title="Hemlig utkastförfrågan")

    page = client.get(reverse("projects:call_stop_notices", args=[call.pk, "x"]))

    assert page.status_code == 400
    assert "Hemlig utkastförfrågan" not in page.content.decode()
