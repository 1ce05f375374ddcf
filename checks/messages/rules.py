"""Who may read and write an application's messages.

The applicant's members see the thread of their application (but no internal note); handlers and admins see
every submitted application's thread; handlers write messages and notes, the applicant writes messages.
"""

import rules

from portal.rules import is_handler, is_org_member, is_staff_role

from ..rules import has_conflict


@rules.predicate
def _application_submitted(user, application):
    return application is not None and not application.is_draft


@rules.predicate
def can_see_message(user, message):
    """Staff see every message of a submitted application; the applicant's members every one that is not a note."""
    if message is None:
        return False
    application = message.application
    if is_staff_role(user):
        return not application.is_draft
    return not message.internal and is_org_member(user, application)


# The thread starts when the application is submitted (a draft has no handler).
# Staff first: `is_staff_role` reads the user's groups, loaded once per request anyway.
can_view_thread = _application_submitted & (is_staff_role | is_org_member)
can_write_as_applicant = _application_submitted & ~is_staff_role & is_org_member
# A handler with a declared conflict of interest takes no part in the handling: reads along, writes nothing.
can_write_as_handler = _application_submitted & is_handler & ~has_conflict

rules.add_perm("checks.view_messages_application", can_view_thread)
rules.add_perm("checks.write_message_application", can_write_as_applicant | can_write_as_handler)
rules.add_perm("checks.write_note_application", can_write_as_handler)
rules.add_perm("checks.view_notes_application", _application_submitted & is_staff_role)
