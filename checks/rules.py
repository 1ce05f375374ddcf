"""Predicates and permissions of the checks app.

Model permissions are declared in `Meta.rules_permissions` of GrantCall and
Application (checks.<verb>_<model>); the app-wide ones are added here.
"""

import rules

from portal.rules import (  # noqa: F401 - re-exported for the models
    acts_for_obj_org,
    acts_for_public_body,
    acts_for_verified_public_body,
    group_names,
    is_handler,
    is_org_member,
    is_portal_admin,
    is_staff_role,
)


def _state_rule(name: str):
    """A predicate asking the application's property `name`: the rule on the state is written once, on the model
    (checks/models.py), and services and templates ask the same property."""

    @rules.predicate(name=name)
    def predicate(user, application):
        return application is not None and getattr(application, name)

    return predicate


is_draft = _state_rule("is_draft")
is_editable = _state_rule("is_editable")
awaits_completion = _state_rule("awaits_completion")
is_withdrawable = _state_rule("is_withdrawable")
is_reviewable = _state_rule("is_reviewable")
is_in_review = _state_rule("is_in_review")
is_under_handling = _state_rule("is_under_handling")
awaits_final_report = _state_rule("awaits_final_report")
can_submit_final_report = _state_rule("can_submit_final_report")
has_final_report_to_handle = _state_rule("has_final_report_to_handle")
is_correctable = _state_rule("is_correctable")

# The handlers who may decide (beslutsfattare): members of this group as well as of the handlers' group. A data
# migration creates it; portal admins give the right in the Django admin (users' groups, audited).
DECIDERS_GROUP = "deciders"


@rules.predicate
def is_decider(user):
    return is_handler(user) and DECIDERS_GROUP in group_names(user)


@rules.predicate
def has_pending_proposal(user, application):
    return application is not None and application.pending_proposal is not None


@rules.predicate
def presents_proposal(user, application):
    """The user proposed the pending decision (föredragande): the same person may not also decide it."""
    proposal = application.pending_proposal if application is not None else None
    return proposal is not None and proposal.proposed_by_id == getattr(user, "pk", None)


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
    return call is not None and call.is_published


@rules.predicate
def is_open_call(user, call):
    return call is not None and call.is_open


@rules.predicate
def is_active_conflict(user, conflict):
    return conflict is not None and conflict.is_active


rules.add_perm("checks.manage_calls", is_portal_admin)
# A declared conflict of interest is lifted by a portal admin only (services.lift_conflict).
rules.add_perm("checks.lift_conflict", is_portal_admin & is_active_conflict)
rules.add_perm("checks.view_queue", is_handler)
rules.add_perm("checks.view_own_applications", acts_for_public_body)
