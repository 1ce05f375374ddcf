"""Who may do what with webinars. Series and published webinars are public; everything else is for portal admins."""

import rules

from portal.rules import is_portal_admin


@rules.predicate
def is_public_webinar(user, webinar):
    """Published or cancelled webinars are public; drafts are not."""
    return webinar is not None and webinar.status in ("published", "cancelled")


@rules.predicate
def is_editable_webinar(user, webinar):
    return webinar is None or webinar.status != "cancelled"


rules.add_perm("webinars.manage_webinars", is_portal_admin)
# Module permission: portal admins see the app in the Django admin.
rules.add_perm("webinars", is_portal_admin)
rules.add_perm("webinars.view_registrations", is_portal_admin)
