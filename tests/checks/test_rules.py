"""Every application permission for every state × every role (plus a handler with a conflict)."""

import pytest

from checks import rules as checks_rules
from checks import services
from checks.models import Application, ConflictOfInterest
from checks.services import TRANSITIONS
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin, organisation_of

from .factories import make_application, make_call, make_decider

pytestmark = pytest.mark.django_db
S = Application.State
# decider: a handler with the right to decide (beslutsfattare); presenter: a decider who proposed the pending
# decision (föredragande), so may not decide it.
ROLES = [
    "anonymous",
    "applicant",
    "other_buyer",
    "company",
    "handler",
    "decider",
    "presenter",
    "conflicted_handler",
    "admin",
]

EDITABLE = {S.DRAFT, S.COMPLETION_REQUESTED}
REVIEWABLE = {S.SUBMITTED, S.IN_REVIEW, S.COMPLETION_REQUESTED}
HANDLING = {S.SUBMITTED, S.IN_REVIEW, S.COMPLETION_REQUESTED, S.FINAL_REPORT_SUBMITTED}
CORRECTABLE = {S.APPROVED, S.REJECTED}
CLEAN_HANDLERS = {"handler", "decider", "presenter"}
HANDLERS = CLEAN_HANDLERS | {"conflicted_handler"}
STAFF = HANDLERS | {"admin"}


def expected(perm: str, state: str, role: str) -> bool:
    """The permission table, written out independently of checks/rules.py."""
    applicant = role == "applicant"
    handler = role in CLEAN_HANDLERS
    return {
        "view": applicant or (role in STAFF and state != S.DRAFT),
        "view_internal": role in STAFF,
        "change": applicant and state in EDITABLE,
        "submit": applicant and state == S.DRAFT,
        "resubmit": applicant and state == S.COMPLETION_REQUESTED,
        "withdraw": applicant and state in {S.DRAFT, S.SUBMITTED},
        "report": applicant and state == S.APPROVED,
        "assign": role in HANDLERS and state in HANDLING,
        "review": handler and state in REVIEWABLE,
        "request_completion": handler and state == S.IN_REVIEW,
        "propose": handler and state == S.IN_REVIEW,
        "propose_correction": handler and state in CORRECTABLE,
        # The fixture has a proposal pending (by the presenter) exactly in these states.
        "decide": role == "decider" and state in {S.IN_REVIEW} | CORRECTABLE,
        "accept_report": handler and state == S.FINAL_REPORT_SUBMITTED,
        "declare_conflict": role in HANDLERS,
        "retry_letter": role in HANDLERS,
    }[perm]


PERMS = [
    "view",
    "view_internal",
    "change",
    "submit",
    "resubmit",
    "withdraw",
    "report",
    "assign",
    "review",
    "request_completion",
    "propose",
    "propose_correction",
    "decide",
    "accept_report",
    "declare_conflict",
    "retry_letter",
]


# Each rule on the state, written out independently of checks/models.py: the model's property and the `rules`
# predicate of the same name (which views and templates ask through the permissions above) must agree with it.
STATE_RULES = {
    "is_draft": {S.DRAFT},
    "is_editable": EDITABLE,
    "awaits_completion": {S.COMPLETION_REQUESTED},
    "is_withdrawable": {S.DRAFT, S.SUBMITTED},
    "is_reviewable": REVIEWABLE,
    "is_in_review": {S.IN_REVIEW},
    "is_under_handling": HANDLING,
    "awaits_final_report": {S.APPROVED},
    "has_final_report_to_handle": {S.FINAL_REPORT_SUBMITTED},
    "is_correctable": CORRECTABLE,
}
# Rules that are a move of the state machine: true exactly in the states services.TRANSITIONS lets make that move.
RULE_MOVES = {
    "is_draft": S.SUBMITTED,
    "is_withdrawable": S.WITHDRAWN,
    "is_in_review": S.REJECTED,
    "awaits_final_report": S.FINAL_REPORT_SUBMITTED,
    "has_final_report_to_handle": S.CLOSED,
}


@pytest.mark.parametrize("state", S.values)
@pytest.mark.parametrize("rule", sorted(STATE_RULES))
def test_state_rule_for_every_state(rule, state):
    application = Application(state=state)
    allowed = state in STATE_RULES[rule]
    assert getattr(application, rule) is allowed
    assert getattr(checks_rules, rule).test(None, application) is allowed
    assert getattr(checks_rules, rule).test(None, None) is False
    if rule in RULE_MOVES:
        assert (RULE_MOVES[rule] in TRANSITIONS[state]) is allowed


def test_every_state_is_in_the_state_machine():
    assert set(TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in TRANSITIONS.values())


@pytest.fixture
def people():
    from django.contrib.auth.models import AnonymousUser

    applicant = make_buyer()
    conflicted = make_handler()
    ConflictOfInterest.objects.create(handler=conflicted, organisation=organisation_of(applicant), reason="Jäv")
    return {
        "anonymous": AnonymousUser(),
        "applicant": applicant,
        "other_buyer": make_buyer(),
        "company": make_company_user(),
        "handler": make_handler(),
        "decider": make_decider(),
        "presenter": make_decider(),
        "conflicted_handler": conflicted,
        "admin": make_portal_admin(),
    }


@pytest.mark.parametrize("state", S.values)
def test_application_permissions_for_every_state_and_role(people, state):
    application = make_application(call=make_call(), buyer=people["applicant"], state=state)
    presenter = people["presenter"]
    if state == S.IN_REVIEW:
        services.propose_decision(application=application, by=presenter, outcome="rejected", reasoning="Nej.")
    elif state in CORRECTABLE:
        services.propose_correction(
            application=application,
            by=presenter,
            reason="Skrivfel.",
            reasoning="Rättat.",
            granted_amount=application.decision.granted_amount or None,
        )
    application = Application.objects.get(pk=application.pk)
    failures = []
    for role in ROLES:
        user = people[role]
        for perm in PERMS:
            got = user.has_perm(f"checks.{perm}_application", application)
            if got != expected(perm, state, role):
                failures.append(f"{role} {perm}: {got}")
    assert not failures, failures


def test_applicant_of_an_organisation_that_lost_verification_cannot_change():
    applicant = make_buyer()
    application = make_application(buyer=applicant)
    organisation = organisation_of(applicant)
    organisation.status = "rejected"
    organisation.save()
    application = Application.objects.get(pk=application.pk)
    assert applicant.has_perm("checks.view_application", application)
    assert not applicant.has_perm("checks.change_application", application)


@pytest.mark.parametrize(
    ("role", "open_call", "allowed"),
    [
        ("applicant", True, True),
        ("applicant", False, False),
        ("unverified", True, False),
        ("company", True, False),
        ("handler", True, False),
        ("admin", True, False),
    ],
)
def test_apply_permission(role, open_call, allowed):
    users = {
        "applicant": make_buyer,
        "unverified": lambda: make_buyer(status="pending"),
        "company": make_company_user,
        "handler": make_handler,
        "admin": make_portal_admin,
    }
    assert users[role]().has_perm("checks.apply_grantcall", make_call(open_=open_call)) is allowed


@pytest.mark.parametrize("published", [True, False])
def test_call_view_and_publish_permissions(published):
    call = make_call(published=published)
    assert make_buyer().has_perm("checks.view_grantcall", call) is published
    assert make_portal_admin().has_perm("checks.view_grantcall", call)
    assert make_portal_admin().has_perm("checks.publish_grantcall", call) is (not published)
    assert not make_handler().has_perm("checks.publish_grantcall", call)


def test_role_permissions():
    assert make_portal_admin().has_perm("checks.manage_calls")
    assert not make_handler().has_perm("checks.manage_calls")
    assert make_handler().has_perm("checks.view_queue")
    assert not make_portal_admin().has_perm("checks.view_queue")
    call = make_call()
    assert make_handler().has_perm("checks.view_overview_grantcall", call)
    assert make_portal_admin().has_perm("checks.view_overview_grantcall", call)
    assert not make_buyer().has_perm("checks.view_overview_grantcall", call)
