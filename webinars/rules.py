"""Who may do what with webinars, and when. Each rule is written once, here.

A rule that depends on state is a plain function of the object (services call it, and turn "no" into an
`InvalidTransition` or `ServiceError` with the reason) and a `rules` predicate wrapping it, combined with the
role in a permission below (views check it with `permission_required`, templates with `{% has_perm %}`).
The states themselves and what may follow what are the models' `Status` and `TRANSITIONS`; this module reads
them from the object, as models.py imports this module.

Series and published webinars are public; everything else is for portal admins; a registration is cancelled
by whoever holds its personal link, or by a portal admin.
"""

import rules

from portal.rules import is_portal_admin

# Webinars -------------------------------------------------------------------------------------------------------


def webinar_is_public(webinar) -> bool:
    """Published and cancelled webinars are public (a cancelled one shows why); drafts are not."""
    return webinar.status in webinar.PUBLIC_STATUSES


def webinar_is_editable(webinar) -> bool:
    """A draft or published webinar can be changed; a cancelled one is final."""
    return not webinar.is_cancelled


def webinar_can_be_published(webinar) -> bool:
    return webinar.Status.PUBLISHED in webinar.TRANSITIONS[webinar.status]


def webinar_can_be_cancelled(webinar) -> bool:
    """A draft or published webinar that has not ended can be cancelled."""
    return webinar.Status.CANCELLED in webinar.TRANSITIONS[webinar.status] and not webinar.is_past


def webinar_takes_recording(webinar) -> bool:
    """A recording link can be added (or changed) once a webinar that was not cancelled has started."""
    return not webinar.is_cancelled and webinar.has_started


def webinar_is_open_for_registration(webinar) -> bool:
    """People may register, and seats are handed out, while a published webinar has not started."""
    return webinar.is_published and not webinar.has_started


# Registrations --------------------------------------------------------------------------------------------------


def registration_can_be_cancelled(registration) -> bool:
    """A seat or a place on the waiting list can be given up while the webinar is open for registration."""
    return registration.Status.CANCELLED in registration.TRANSITIONS[
        registration.status
    ] and webinar_is_open_for_registration(registration.webinar)


def registration_gets_calendar_file(registration) -> bool:
    """The personal calendar file is for a confirmed seat at a webinar that is not cancelled."""
    return registration.is_confirmed and not registration.webinar.is_cancelled


def registration_sees_join_link(registration) -> bool:
    """The join link is for a confirmed seat at a published webinar that has not ended."""
    webinar = registration.webinar
    return registration.is_confirmed and webinar.is_published and not webinar.is_past


# Predicates (user, object) --------------------------------------------------------------------------------------


@rules.predicate
def is_public_webinar(user, webinar):
    return webinar is not None and webinar_is_public(webinar)


@rules.predicate
def is_editable_webinar(user, webinar):
    return webinar is None or webinar_is_editable(webinar)


@rules.predicate
def can_be_published(user, webinar):
    return webinar is not None and webinar_can_be_published(webinar)


@rules.predicate
def can_be_cancelled(user, webinar):
    return webinar is not None and webinar_can_be_cancelled(webinar)


@rules.predicate
def takes_recording(user, webinar):
    return webinar is not None and webinar_takes_recording(webinar)


@rules.predicate
def is_open_for_registration(user, webinar):
    return webinar is not None and webinar_is_open_for_registration(webinar)


@rules.predicate
def is_cancellable_registration(user, registration):
    return registration is not None and registration_can_be_cancelled(registration)


@rules.predicate
def gets_calendar_file(user, registration):
    return registration is not None and registration_gets_calendar_file(registration)


@rules.predicate
def sees_join_link(user, registration):
    return registration is not None and registration_sees_join_link(registration)


rules.add_perm("webinars.manage_webinars", is_portal_admin)
# Module permission: portal admins see the app in the Django admin.
rules.add_perm("webinars", is_portal_admin)
rules.add_perm("webinars.view_registrations", is_portal_admin)
# Object permissions that depend on state (view_webinar and change_webinar are in Webinar.Meta.rules_permissions).
rules.add_perm("webinars.publish_webinar", is_portal_admin & can_be_published)
rules.add_perm("webinars.cancel_webinar", is_portal_admin & can_be_cancelled)
rules.add_perm("webinars.record_webinar", is_portal_admin & takes_recording)
rules.add_perm("webinars.register_for_webinar", is_open_for_registration)
# The personal link is the key: whoever holds it may give the registration up, while the rule allows.
rules.add_perm("webinars.cancel_registration_by_link", is_cancellable_registration)
rules.add_perm("webinars.cancel_registration", is_portal_admin & is_cancellable_registration)
rules.add_perm("webinars.join_webinar", sees_join_link)
rules.add_perm("webinars.download_registration_calendar", gets_calendar_file)
