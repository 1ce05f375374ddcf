"""Who may amend a call: members of the buyer organisation (a verified public body) while the call is open."""

import rules

from ..rules import can_manage_call


@rules.predicate
def call_is_amendable(user, call):
    """Open by the clock: before it opens a call is edited instead; closed and cancelled calls stay as they are."""
    return call is not None and call.is_open


# Object: the Call.
rules.add_perm("projects.amend_call", can_manage_call & call_is_amendable)
