"""Who may follow a call: a person acting for a company, on a public call that has not closed or been cancelled."""

import rules

from portal.rules import acts_for_company

from ..rules import call_is_public


@rules.predicate
def call_is_followable(user, call):
    return call is not None and (call.is_open or call.is_scheduled)


# Object: the Call.
rules.add_perm("projects.follow_call", acts_for_company & call_is_public & call_is_followable)
