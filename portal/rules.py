"""Role and object predicates shared by all apps (see STYLE.md).

Object predicates accept any object with an `organisation` attribute, or an
Organisation itself. The organisation a user acts for is put on the user by
`ActiveOrganisationMiddleware` as `user.active_organisation`.
"""

import rules

HANDLERS_GROUP = "handlers"
PORTAL_ADMINS_GROUP = "portal_admins"


def org_roles(user) -> dict[int, str]:
    """{organisation id: role} for the user, fetched once per user object."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_org_roles_cache", None)
    if cached is None:
        cached = dict(user.memberships.values_list("organisation_id", "role"))
        user._org_roles_cache = cached
    return cached


def forget_org_roles(user) -> None:
    """After a service changed this user's own memberships: the next `org_roles` reads them again (the middleware
    fills the cache with the user's row at the start of the request)."""
    user._org_roles_cache = None


def group_names(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_group_names_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._group_names_cache = cached
    return cached


def active_organisation(user):
    """The organisation the user acts for, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, "active_organisation"):
        return user.active_organisation
    from .selectors import default_organisation_for

    user.active_organisation = default_organisation_for(user)
    return user.active_organisation


def _organisation_of(obj):
    from .models import Organisation

    if obj is None:
        return None
    if isinstance(obj, Organisation):
        return obj
    return getattr(obj, "organisation", None)


@rules.predicate
def is_handler(user):
    return HANDLERS_GROUP in group_names(user)


@rules.predicate
def is_portal_admin(user):
    return bool(getattr(user, "is_staff", False)) and PORTAL_ADMINS_GROUP in group_names(user)


@rules.predicate
def is_staff_role(user):
    return is_handler(user) or is_portal_admin(user)


@rules.predicate
def is_org_member(user, obj):
    org = _organisation_of(obj)
    return org is not None and org.pk in org_roles(user)


@rules.predicate
def is_org_owner(user, obj):
    org = _organisation_of(obj)
    return org is not None and org_roles(user).get(org.pk) == "owner"


@rules.predicate
def is_own_membership(user, membership):
    return membership is not None and membership.user_id == getattr(user, "pk", None)


@rules.predicate
def acts_for_public_body(user):
    org = active_organisation(user)
    return org is not None and org.is_public_body


@rules.predicate
def acts_for_verified_public_body(user):
    org = active_organisation(user)
    return org is not None and org.is_public_body and org.is_verified


@rules.predicate
def acts_for_company(user):
    org = active_organisation(user)
    return org is not None and org.is_company


@rules.predicate
def acts_for_obj_org(user, obj):
    """The user currently acts for the organisation that owns obj."""
    org = _organisation_of(obj)
    active = active_organisation(user)
    return org is not None and active is not None and active.pk == org.pk


@rules.predicate
def is_requester(user, join_request):
    """The user asked to join (a JoinRequest's own author)."""
    return join_request is not None and getattr(user, "pk", None) == join_request.user_id


@rules.predicate
def is_pending_request(user, join_request):
    return join_request is not None and join_request.is_pending


@rules.predicate
def is_open_dispute(user, dispute):
    return dispute is not None and dispute.is_open


@rules.predicate
def org_awaits_verification(user, obj):
    """A portal admin may reject only an organisation in the queue (`Organisation.awaits_verification`)."""
    org = _organisation_of(obj)
    return org is not None and org.awaits_verification


@rules.predicate
def org_is_rejected(user, obj):
    """Only a rejected organisation may ask to be verified again (`Organisation.is_rejected`)."""
    org = _organisation_of(obj)
    return org is not None and org.is_rejected


@rules.predicate
def org_is_verified(user, obj):
    org = _organisation_of(obj)
    return org is not None and org.is_verified


# The organisation number of an unverified organisation may be disputed by anyone who is not its member; a
# verified organisation's number is settled (a portal admin checked it), so one may only ask to join it.
can_dispute_number = rules.is_authenticated & ~org_is_verified & ~is_org_member
can_ask_to_join = rules.is_authenticated & ~is_org_member

is_buyer = acts_for_public_body
is_company = acts_for_company

rules.add_perm("portal.view_dashboard", rules.is_authenticated)
rules.add_perm("portal.create_organisation", rules.is_authenticated)
rules.add_perm("portal.use_staff_pages", is_portal_admin)
# A membership: owners change roles and remove members; anyone may leave. (The last owner stays: services.)
rules.add_perm("portal.change_membership", is_org_owner)
rules.add_perm("portal.remove_membership", is_org_owner | is_own_membership)
rules.add_perm("portal.verify_organisations", is_portal_admin)
rules.add_perm("portal.view_audit_log", is_portal_admin)
rules.add_perm("portal.switch_organisation", rules.is_authenticated)
rules.add_perm("portal.ask_to_join_organisation", can_ask_to_join)
rules.add_perm("portal.dispute_organisation", can_dispute_number)
rules.add_perm("portal.decide_disputes", is_portal_admin)
