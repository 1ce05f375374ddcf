"""Permissions of the projects app as `rules` predicates (combined in each model's Meta.rules_permissions).

Objects: a Need, Call, Response (each has `.organisation`). Predicates never query
more than the object's own relations; views use selectors for lists.
"""

import rules

from portal.rules import (
    active_organisation,
    acts_for_company,
    acts_for_obj_org,
    acts_for_verified_public_body,
    is_org_member,
    is_portal_admin,
    is_staff_role,
)

__all__ = ["is_org_member", "is_staff_role", "is_portal_admin"]


# Each rule on an object's state is a property of the model (used by services and templates too); the
# predicates below only add "there is an object".


@rules.predicate
def need_is_published(user, need):
    return need is not None and need.is_published


@rules.predicate
def need_can_be_unpublished(user, need):
    return need is not None and need.can_be_unpublished


@rules.predicate
def need_can_be_deleted(user, need):
    return need is not None and need.can_be_deleted


@rules.predicate
def call_is_public(user, call):
    """Published calls (scheduled, open, closed, cancelled after publishing) are public if their need is."""
    return call is not None and call.is_published and call.need.is_published


@rules.predicate
def call_is_open(user, call):
    return call is not None and call.is_open


@rules.predicate
def call_is_editable(user, call):
    """A call may be edited until it opens (draft, or published but scheduled)."""
    return call is not None and call.is_editable


@rules.predicate
def call_is_publishable(user, call):
    return call is not None and call.is_publishable


@rules.predicate
def call_is_cancellable(user, call):
    return call is not None and call.is_cancellable


@rules.predicate
def is_call_org_member(user, call):
    return call is not None and is_org_member(user, call.need.organisation)


@rules.predicate
def response_is_submitted(user, response):
    return response is not None and response.is_submitted


@rules.predicate
def response_can_be_submitted(user, response):
    return response is not None and response.can_be_submitted


@rules.predicate
def response_can_be_withdrawn(user, response):
    return response is not None and response.can_be_withdrawn


@rules.predicate
def response_call_is_open(user, response):
    return response is not None and response.call.is_open


@rules.predicate
def response_visible_to_buyer(user, response):
    """The buyer organisation sees the responses that reached it (submitted, or withdrawn after that), never
    drafts, and none while the call keeps them sealed (until its closing time, by the database's clock). Everything
    of a response the buyer reaches (the page, files, versions, release copies) is checked with this predicate."""
    return (
        response is not None
        and response.has_reached_buyer
        and is_org_member(user, response.call.need.organisation)
        and not response.call.responses_are_sealed
    )


@rules.predicate
def call_responses_are_sealed(user, call):
    """The call keeps its responses sealed until its closing time, and that time has not come."""
    return call is not None and call.responses_are_sealed


@rules.predicate
def call_accepts_active_organisation(user, call):
    """A call for verified companies only accepts responses from a company a portal admin has verified."""
    if call is None:
        return False
    if not call.verified_companies_only:
        return True
    organisation = active_organisation(user)
    return organisation is not None and organisation.is_verified


@rules.predicate
def can_moderate_question(user, question):
    """The question is on a call of the verified public body the user acts for (never: the asking company)."""
    return question is not None and can_manage_call(user, question.call)


@rules.predicate
def question_is_editable(user, question):
    return question is not None and question.is_editable


@rules.predicate
def question_can_be_published(user, question):
    return question is not None and question.can_be_published


@rules.predicate
def question_can_be_rejected(user, question):
    return question is not None and question.can_be_rejected


can_edit_need = acts_for_obj_org & acts_for_verified_public_body
can_create_call = can_edit_need & need_is_published
can_edit_call = acts_for_obj_org & acts_for_verified_public_body & call_is_editable
can_manage_call = acts_for_obj_org & acts_for_verified_public_body
can_respond_to_call = acts_for_company & call_is_open & call_accepts_active_organisation
can_ask_on_call = acts_for_company & call_is_open
can_read_call_responses = acts_for_obj_org & acts_for_verified_public_body
can_edit_response = acts_for_obj_org & acts_for_company & response_call_is_open

rules.add_perm("projects.create_need", acts_for_verified_public_body)
rules.add_perm("projects.manage_call", can_manage_call)
rules.add_perm("projects.answer_question", can_manage_call)
# Object: the attachment's owner, a call of the buyer's organisation or a response of the company's own.
rules.add_perm("projects.manage_attachments", can_manage_call | (acts_for_obj_org & acts_for_company))
rules.add_perm("projects.edit_interest_profile", acts_for_company)
rules.add_perm("projects.act_for_company", acts_for_company)
