"""Every webinar and registration rule, per state and role, written out as a table (not derived from the code).

The same rules are what the services enforce and the views check: the tests below the tables hold the services
and the admin's form pages to the table too, so a rule cannot drift between layers again.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from portal.services import InvalidTransition, ServiceError
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin
from webinars import services
from webinars.models import Registration, Webinar
from webinars.selectors import registration_token

from .factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

ROLES = {
    "anonymous": AnonymousUser,
    "buyer": make_buyer,
    "company": make_company_user,
    "handler": make_handler,
    "admin": make_portal_admin,
}
ALL = set(ROLES)
ADMIN = {"admin"}
NONE = set()


def _times(timing):
    now = timezone.now()
    return {
        "upcoming": (now + timedelta(days=7), now + timedelta(days=7, hours=1)),
        "started": (now - timedelta(minutes=30), now + timedelta(minutes=30)),
        "ended": (now - timedelta(hours=2), now - timedelta(hours=1)),
    }[timing]


def _webinar(status, timing):
    starts_at, ends_at = _times(timing)
    return WebinarFactory(status=status, starts_at=starts_at, ends_at=ends_at)


# Webinars -------------------------------------------------------------------------------------------------------

WEBINAR_RULES = [
    "webinars.view_webinar",
    "webinars.change_webinar",
    "webinars.publish_webinar",
    "webinars.cancel_webinar",
    "webinars.record_webinar",
    "webinars.register_for_webinar",
]
# Who may, per (status, timing): view, change, publish, cancel, add a recording, register.
WEBINAR_TABLE = {
    ("draft", "upcoming"): (ADMIN, ADMIN, ADMIN, ADMIN, NONE, NONE),
    ("draft", "started"): (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, NONE),
    ("draft", "ended"): (ADMIN, ADMIN, ADMIN, NONE, ADMIN, NONE),
    ("published", "upcoming"): (ALL, ADMIN, NONE, ADMIN, NONE, ALL),
    ("published", "started"): (ALL, ADMIN, NONE, ADMIN, ADMIN, NONE),
    ("published", "ended"): (ALL, ADMIN, NONE, NONE, ADMIN, NONE),
    ("cancelled", "upcoming"): (ALL, NONE, NONE, NONE, NONE, NONE),
    ("cancelled", "started"): (ALL, NONE, NONE, NONE, NONE, NONE),
    ("cancelled", "ended"): (ALL, NONE, NONE, NONE, NONE, NONE),
}


def test_the_webinar_table_covers_every_status():
    assert {status for status, _ in WEBINAR_TABLE} == set(Webinar.Status.values) == set(Webinar.TRANSITIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("status", "timing"), WEBINAR_TABLE)
def test_webinar_rules(status, timing, role):
    user = ROLES[role]()
    webinar = _webinar(status, timing)
    allowed = {rule: user.has_perm(rule, webinar) for rule in WEBINAR_RULES}
    expected = {rule: role in who for rule, who in zip(WEBINAR_RULES, WEBINAR_TABLE[status, timing], strict=True)}
    assert allowed == expected


def _outcome(action):
    try:
        action()
    except (InvalidTransition, ServiceError):
        return False
    return True


@pytest.mark.parametrize(("status", "timing"), WEBINAR_TABLE)
def test_webinar_services_follow_the_table(status, timing):
    # Each service allows exactly what the rule allows a portal admin (InvalidTransition / ServiceError otherwise).
    admin = make_portal_admin()
    _, change, publish, cancel, record, register = ("admin" in who for who in WEBINAR_TABLE[status, timing])
    services_allow = {
        "change": _outcome(lambda: services.update_webinar(webinar=_webinar(status, timing), by=admin, title="T")),
        "publish": _outcome(lambda: services.publish_webinar(webinar=_webinar(status, timing), by=admin)),
        "cancel": _outcome(lambda: services.cancel_webinar(webinar=_webinar(status, timing), by=admin, message="M")),
        "record": _outcome(
            lambda: services.add_recording(
                webinar=_webinar(status, timing), by=admin, recording_url="https://video.example.org/1"
            )
        ),
        "register": _outcome(
            lambda: services.register(
                webinar=_webinar(status, timing), name="Eva", email="eva@example.org", consent=True
            )
        ),
    }
    expected = {"change": change, "publish": publish, "cancel": cancel, "record": record, "register": register}
    assert services_allow == expected


@pytest.mark.parametrize(
    ("url_name", "column"),
    [("webinars:webinar_edit", 1), ("webinars:webinar_cancel", 3), ("webinars:webinar_recording", 4)],
)
@pytest.mark.parametrize(("status", "timing"), WEBINAR_TABLE)
def test_admin_form_pages_follow_the_table(client, status, timing, url_name, column):
    # A form page for an action the webinar's state does not allow does not exist for that webinar (404).
    client.force_login(make_portal_admin())
    webinar = _webinar(status, timing)
    expected = 200 if "admin" in WEBINAR_TABLE[status, timing][column] else 404
    assert client.get(reverse(url_name, args=[webinar.pk])).status_code == expected


@pytest.mark.parametrize(("status", "timing"), WEBINAR_TABLE)
def test_admin_page_offers_the_actions_of_the_table(client, status, timing):
    client.force_login(make_portal_admin())
    webinar = _webinar(status, timing)
    page = client.get(reverse("webinars:manage_detail", args=[webinar.pk])).content.decode()
    offered = {
        column: f'"{reverse(url_name, args=[webinar.pk])}"' in page
        for column, url_name in [
            (1, "webinars:webinar_edit"),
            (2, "webinars:webinar_publish"),
            (3, "webinars:webinar_cancel"),
            (4, "webinars:webinar_recording"),
        ]
    }
    assert offered == {column: "admin" in WEBINAR_TABLE[status, timing][column] for column in offered}


# Registrations --------------------------------------------------------------------------------------------------

REGISTRATION_RULES = [
    "webinars.cancel_registration_by_link",
    "webinars.cancel_registration",
    "webinars.join_webinar",
    "webinars.download_registration_calendar",
]
# Who may, per (registration status, webinar status, timing): cancel by the personal link, cancel as an admin,
# see the join link, download the personal calendar file.
REGISTRATION_TABLE = {
    ("confirmed", "published", "upcoming"): (ALL, ADMIN, ALL, ALL),
    ("confirmed", "published", "started"): (NONE, NONE, ALL, ALL),
    ("confirmed", "published", "ended"): (NONE, NONE, NONE, ALL),
    ("confirmed", "cancelled", "upcoming"): (NONE, NONE, NONE, NONE),
    ("waitlisted", "published", "upcoming"): (ALL, ADMIN, NONE, NONE),
    ("waitlisted", "published", "started"): (NONE, NONE, NONE, NONE),
    ("waitlisted", "published", "ended"): (NONE, NONE, NONE, NONE),
    ("waitlisted", "cancelled", "upcoming"): (NONE, NONE, NONE, NONE),
    ("cancelled", "published", "upcoming"): (NONE, NONE, NONE, NONE),
    ("cancelled", "published", "started"): (NONE, NONE, NONE, NONE),
    ("cancelled", "published", "ended"): (NONE, NONE, NONE, NONE),
    ("cancelled", "cancelled", "upcoming"): (NONE, NONE, NONE, NONE),
}


def _registration(status, webinar_status, timing):
    return RegistrationFactory(
        webinar=_webinar(webinar_status, timing),
        status=status,
        confirmed_at=timezone.now() if status == "confirmed" else None,
        cancelled_at=timezone.now() if status == "cancelled" else None,
    )


def test_the_registration_table_covers_every_status():
    statuses = {status for status, _, _ in REGISTRATION_TABLE}
    assert statuses == set(Registration.Status.values) == set(Registration.TRANSITIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("status", "webinar_status", "timing"), REGISTRATION_TABLE)
def test_registration_rules(status, webinar_status, timing, role):
    user = ROLES[role]()
    registration = _registration(status, webinar_status, timing)
    allowed = {rule: user.has_perm(rule, registration) for rule in REGISTRATION_RULES}
    expected = {
        rule: role in who
        for rule, who in zip(REGISTRATION_RULES, REGISTRATION_TABLE[status, webinar_status, timing], strict=True)
    }
    assert allowed == expected


@pytest.mark.parametrize(("status", "webinar_status", "timing"), REGISTRATION_TABLE)
def test_cancel_registration_service_and_page_follow_the_table(client, status, webinar_status, timing):
    registration = _registration(status, webinar_status, timing)
    page = client.get(reverse("webinars:registration", args=[registration_token(registration)])).content.decode()
    cancellable = "anonymous" in REGISTRATION_TABLE[status, webinar_status, timing][0]
    assert (
        'action="{}"'.format(reverse("webinars:registration_cancel", args=[registration_token(registration)])) in page
    ) is cancellable
    assert _outcome(lambda: services.cancel_registration(registration=registration)) is cancellable


@pytest.mark.parametrize(("status", "webinar_status", "timing"), REGISTRATION_TABLE)
def test_personal_calendar_file_follows_the_table(client, status, webinar_status, timing):
    registration = _registration(status, webinar_status, timing)
    url = reverse("webinars:registration_ics", args=[registration_token(registration)])
    page = client.get(reverse("webinars:registration", args=[registration_token(registration)])).content.decode()
    offered = "anonymous" in REGISTRATION_TABLE[status, webinar_status, timing][3]
    assert (f'href="{url}"' in page) is offered
    assert client.get(url).status_code == (200 if offered else 404)


# The state machine of registrations ------------------------------------------------------------------------------

MOVES = {
    ("confirmed", "cancelled"),  # gave up the seat
    ("waitlisted", "confirmed"),  # a seat freed up
    ("waitlisted", "cancelled"),  # left the waiting list
    ("cancelled", "confirmed"),  # registered again, with a seat
    ("cancelled", "waitlisted"),  # registered again, on the waiting list
}


def test_registration_transitions_are_the_moves_the_portal_makes():
    assert {(a, b) for a, targets in Registration.TRANSITIONS.items() for b in targets} == MOVES


@pytest.mark.parametrize("source", Registration.Status.values)
@pytest.mark.parametrize("target", Registration.Status.values)
def test_the_one_move_service_refuses_what_the_machine_does_not_allow(source, target):
    registration = _registration(source, "published", "upcoming")
    if (source, target) in MOVES:
        services._move_registration(registration, target, now=timezone.now())
        assert registration.status == target
    else:
        with pytest.raises(InvalidTransition):
            services._move_registration(registration, target, now=timezone.now())


# Templates ask predicates -----------------------------------------------------------------------------------------


def test_no_webinar_template_compares_a_status_string():
    root = Path(settings.BASE_DIR) / "templates" / "webinars"
    comparison = re.compile(r"""\b(status|state)\s*(==|!=)""")
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if comparison.search(line)
    ]
    assert offenders == []
