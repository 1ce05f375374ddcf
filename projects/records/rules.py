"""Who may ask for secrecy and who may release a response (offentlighetsprincipen).

Objects: a Response (its `.organisation` is the company) or a RecordRelease (its `.organisation` is the buyer).
The buyer's side reuses `projects.rules.response_visible_to_buyer`, so every rule that hides a response from the
buyer (a draft, a sealed response) hides its release copies too.
"""

import rules

from portal.rules import is_org_member

from ..rules import can_edit_response, response_visible_to_buyer


@rules.predicate
def is_release_buyer_member(user, release):
    """A member of the buyer organisation that made the release."""
    return release is not None and is_org_member(user, release.organisation)


# Object: the Response.
rules.add_perm("projects.view_secrecy_markings", is_org_member | response_visible_to_buyer)
rules.add_perm("projects.mark_secrecy", can_edit_response)
rules.add_perm("projects.release_response", response_visible_to_buyer)
