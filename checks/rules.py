"""Predicates and permissions of the checks app.

Model permissions are declared in `Meta.rules_permissions` of GrantCall and
Application (checks.<verb>_<model>); the app-wide ones are added here.
"""

import rules

from portal.rules import (  # noqa: F401 - re-exported for the models
    acts_for_obj_org,
    acts_for_public_body,
    acts_for_verified_public_body,
    is_handler,
    is_org_member,
    is_portal_admin,
    is_staff_role,
)

EDITABLE_STATES = {"draft", "completion_requested"}
WITHDRAWABLE_STATES = {"draft", "submitted"}
REVIEWABLE_STATES = {"submitted", "in_review", "completion_requested"}
UNDER_HANDLING_STATES = {"submitted", "in_review", "completion_requested", "final_report_submitted"}


def _state_is(*states):
    @rules.predicate(name=f"state_in_{'_'.join(states)}")
    def predicate(user, application):
        return application is not None and application.state in states

    return predicate


is_draft = _state_is("draft")
is_completion_requested = _state_is("completion_requested")
is_in_review = _state_is("in_review")
is_approved = _state_is("approved")
is_final_report_submitted = _state_is("final_report_submitted")
is_editable_state = _state_is(*sorted(EDITABLE_STATES))
is_withdrawable = _state_is(*sorted(WITHDRAWABLE_STATES))
is_reviewable = _state_is(*sorted(REVIEWABLE_STATES))
is_under_handling = _state_is(*sorted(UNDER_HANDLING_STATES))


@rules.predicate
def is_applicant(user, application):
    """The user acts for the applicant organisation, which is still a verified public body."""
    if application is None:
        return False
    organisation = application.organisation
    return organisation.is_public_body and organisation.is_verified and acts_for_obj_org(user, application)


@rules.predicate
def has_conflict(user, application):
    """The handler declared a conflict of interest with this application or its organisation."""
    if application is None or not getattr(user, "is_authenticated", False):
        return False
    from .selectors import conflict_for

    return conflict_for(user, application) is not None


@rules.predicate
def is_published_call(user, call):
    return call is not None and call.status == "published"


@rules.predicate
def is_open_call(user, call):
    return call is not None and call.is_open


rules.add_perm("checks.manage_calls", is_portal_admin)
rules.add_perm("checks.view_queue", is_handler)
rules.add_perm("checks.view_own_applications", acts_for_public_body)
