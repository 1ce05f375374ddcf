"""Audit events: the one list of every event type, its label, and how its details are shown.

Every audit row is written by `portal.services.write_audit(actor=, action=AuditAction.X, obj=, details=)`.
The values are the strings stored in `AuditEntry.action` since the start, so old rows keep their label.
A new kind of event is a new member here (with a label and, if it has details, a format in DESCRIPTIONS).

Details hold plain values (ids, amounts, versions, state values, file names, an organisation's old and new
name, number and kind, the Django admin's model and field names), never personal data: a state
value is translated when the row is shown, through the choices an app registers in its `ready()` with
`register_labels`. Objects about people (registered with `register_personal`) get no stored name; the log
shows them as "Registration #12".

The portal core does not import the domain apps: they fill the registries at start.
"""

from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from .amounts import format_sek


class AuditAction(models.TextChoices):
    # Organisations and memberships
    ORGANISATION_CREATED = "organisation.created", _("Organisation registered")
    ORGANISATION_VERIFIED = "organisation.verified", _("Organisation verified")
    ORGANISATION_REJECTED = "organisation.rejected", _("Organisation rejected")
    ORGANISATION_DECISION_UNDONE = "organisation.decision_undone", _("Verification or rejection undone")
    ORGANISATION_CHANGED = "organisation.changed", _("Organisation changed")
    ORGANISATION_RESUBMITTED = "organisation.resubmitted", _("Organisation asked to be verified again")
    ORGANISATION_REVERIFICATION = "organisation.reverification", _("Organisation to be verified again after a change")
    ORGANISATION_INVITED = "organisation.invited", _("Member invited")
    ORGANISATION_JOINED = "organisation.joined", _("Invitation accepted")
    ORGANISATION_ROLE_CHANGED = "organisation.role_changed", _("Member's role changed")
    ORGANISATION_MEMBER_REMOVED = "organisation.member_removed", _("Member removed")
    ORGANISATION_MEMBER_LEFT = "organisation.member_left", _("Member left")
    ORGANISATION_JOIN_REQUESTED = "organisation.join_requested", _("Asked to join")
    ORGANISATION_JOIN_ACCEPTED = "organisation.join_accepted", _("Request to join accepted")
    ORGANISATION_JOIN_DECLINED = "organisation.join_declined", _("Request to join declined")
    ORGANISATION_DISPUTED = "organisation.disputed", _("Organisation number disputed")
    ORGANISATION_NUMBER_LOST = "organisation.number_lost", _("Organisation number lost after a dispute")
    # A person's own account (allauth's pages; portal/account_events.py)
    ACCOUNT_PASSWORD_SET = "account.password_set", _("Password set")
    ACCOUNT_PASSWORD_CHANGED = "account.password_changed", _("Password changed")
    ACCOUNT_PASSWORD_RESET = "account.password_reset", _("Password reset by mail")
    ACCOUNT_EMAIL_ADDED = "account.email_added", _("Email address added")
    ACCOUNT_EMAIL_CONFIRMED = "account.email_confirmed", _("Email address confirmed")
    ACCOUNT_EMAIL_CHANGED = "account.email_changed", _("Primary email address changed")
    ACCOUNT_EMAIL_REMOVED = "account.email_removed", _("Email address removed")
    ACCOUNT_MFA_ADDED = "account.mfa_added", _("Second factor added")
    ACCOUNT_MFA_REMOVED = "account.mfa_removed", _("Second factor removed")
    ACCOUNT_MFA_RESET = "account.mfa_reset", _("Recovery codes renewed")
    # e-legitimation (portal/eid.py): never the personal identity number, nor its hash
    ACCOUNT_EID_CREATED = "account.eid_created", _("Account created with e-legitimation")
    ACCOUNT_EID_LINKED = "account.eid_linked", _("E-legitimation linked to the account")
    ACCOUNT_EID_LINK_REFUSED = "account.eid_link_refused", _("E-legitimation not linked: wrong password")
    ACCOUNT_EID_SIGNED_IN = "account.eid_signed_in", _("Signed in with e-legitimation")
    ACCOUNT_EID_UNLINKED = "account.eid_unlinked", _("E-legitimation unlinked from the account")
    # Identity disputes, decided by a portal admin (portal/organisations.py)
    DISPUTE_UPHELD = "dispute.upheld", _("Dispute upheld")
    DISPUTE_REJECTED = "dispute.rejected", _("Dispute rejected")
    # Changes made by a superuser in the Django admin (portal/admin.py)
    ADMIN_ADD = "admin.add", _("Added in the Django admin")
    ADMIN_CHANGE = "admin.change", _("Changed in the Django admin")
    ADMIN_DELETE = "admin.delete", _("Deleted in the Django admin")
    ADMIN_ACTION = "admin.action", _("Django admin action")
    # Rendered documents (portal.documents)
    DOCUMENT_READY = "document.ready", _("Document ready")
    DOCUMENT_FAILED = "document.failed", _("Document failed")
    # Needs
    NEED_CREATED = "need.created", _("Need registered")
    NEED_UPDATED = "need.updated", _("Need changed")
    NEED_PUBLISHED = "need.published", _("Need published")
    NEED_DRAFT = "need.draft", _("Need made a draft again")
    NEED_DELETED = "need.deleted", _("Need deleted")
    NEED_ASSESSED = "need.assessed", _("Market-gap assessment saved")
    # Calls to the market
    CALL_CREATED = "call.created", _("Call created")
    CALL_UPDATED = "call.updated", _("Call changed")
    CALL_PUBLISHED = "call.published", _("Call published")
    CALL_OPEN = "call.open", _("Call opened")
    CALL_CLOSED = "call.closed", _("Call closed")
    CALL_CANCELLED = "call.cancelled", _("Call cancelled")
    CALL_AMENDED = "call.amended", _("Call amended")
    CALL_FOLLOWED = "call.followed", _("Call followed")
    CALL_UNFOLLOWED = "call.unfollowed", _("Call no longer followed")
    CALL_NOTICES_STOPPED = "call.notices_stopped", _("Notices about a call stopped")
    ATTACHMENT_REMOVED = "attachment.removed", _("Attachment removed")
    # Responses, questions, interest profiles
    RESPONSE_CREATED = "response.created", _("Response created")
    RESPONSE_UPDATED = "response.updated", _("Response changed")
    RESPONSE_SUBMITTED = "response.submitted", _("Response submitted")
    RESPONSE_WITHDRAWN = "response.withdrawn", _("Response withdrawn")
    RESPONSE_DRAFT = "response.draft", _("Response made a draft again")
    QUESTION_ASKED = "question.asked", _("Question asked")
    QUESTION_ANSWERED = "question.answered", _("Question answered")
    QUESTION_PUBLISHED = "question.published", _("Question and answer published")
    QUESTION_REJECTED = "question.rejected", _("Question rejected")
    QUESTION_ANSWER_CORRECTED = "question.answer_corrected", _("Published answer corrected")
    INTEREST_PROFILE_SAVED = "interest_profile.saved", _("Interest profile saved")
    # Private calendar feeds of the calls matching an interest profile (opendata/feed_services.py)
    CALENDAR_FEED_CREATED = "calendar_feed.created", _("Private calendar feed created")
    CALENDAR_FEED_REVOKED = "calendar_feed.revoked", _("Private calendar feed revoked")
    # Decision-support documents
    DECISION_DOCUMENT_ORDERED = "decision_document.ordered", _("Decision support ordered")
    DECISION_DOCUMENT_RETRIED = "decision_document.retried", _("Decision support ordered again")
    # Public records and secrecy (projects.records)
    SECRECY_REQUESTED = "records.secrecy_requested", _("Secrecy requested for a part of a response")
    SECRECY_WITHDRAWN = "records.secrecy_removed", _("Secrecy request removed")
    RECORD_RELEASED = "records.released", _("Response released as a public record")
    # Dialogue meetings (projects/meetings)
    MEETING_SETTINGS_SAVED = "meeting.settings_saved", _("Meeting booking cut-off set")
    MEETING_SLOTS_ADDED = "meeting.slots_added", _("Meeting slots offered")
    MEETING_SLOT_CANCELLED = "meeting.slot_cancelled", _("Meeting slot withdrawn")
    MEETING_BOOKED = "meeting.booked", _("Meeting booked")
    MEETING_MOVED = "meeting.moved", _("Meeting moved")
    MEETING_CANCELLED = "meeting.cancelled", _("Meeting cancelled")
    MEETING_NOTES_SAVED = "meeting.notes_saved", _("Internal meeting notes saved")
    MEETING_OUTCOME = "meeting.outcome", _("Meeting outcome recorded")
    # Grant calls and check applications
    GRANTCALL_CREATED = "grantcall.created", _("Grant call created")
    GRANTCALL_CHANGED = "grantcall.changed", _("Grant call changed")
    GRANTCALL_PUBLISHED = "grantcall.published", _("Grant call published")
    TRACK_ADDED = "grantcall.track_added", _("Track added to a published call")
    TRACK_CAP_CHANGED = "grantcall.cap_changed", _("Track cap changed in a published call")
    CRITERION_ADDED = "grantcall.criterion_added", _("Criterion added to a published call")
    APPLICATION_CREATED = "application.created", _("Application started")
    APPLICATION_SAVED = "application.saved", _("Application saved")
    APPLICATION_SUBMITTED = "application.submitted", _("Application submitted")
    APPLICATION_IN_REVIEW = "application.in_review", _("Application in review")
    APPLICATION_COMPLETION_REQUESTED = "application.completion_requested", _("Completion requested")
    # Approved and rejected by a decision are DECISION_*; these two are moves made without a new decision
    # (a final report sent back; older rows, from before a decision was one event).
    APPLICATION_APPROVED = "application.approved", _("Application approved")
    APPLICATION_REJECTED = "application.rejected", _("Application rejected")
    APPLICATION_FINAL_REPORT_SUBMITTED = "application.final_report_submitted", _("Final report submitted")
    APPLICATION_CLOSED = "application.closed", _("Application closed")
    APPLICATION_WITHDRAWN = "application.withdrawn", _("Application withdrawn")
    APPLICATION_ASSIGNED = "application.assigned", _("Handler assigned")
    APPLICATION_REVIEWED = "application.reviewed", _("Application reviewed")
    APPLICATION_MESSAGE_SENT = "application.message_sent", _("Message sent about an application")
    APPLICATION_NOTE_WRITTEN = "application.note_written", _("Internal note written")
    APPLICATION_PERIOD_CHANGED = "application.period_changed", _("Application's period changed")
    CONFLICT_DECLARED = "conflict.declared", _("Conflict of interest declared")
    CONFLICT_LIFTED = "conflict.lifted", _("Conflict of interest lifted")
    DECISION_APPROVED = "decision.approved", _("Decision: approved")
    DECISION_REJECTED = "decision.rejected", _("Decision: rejected")
    DECISION_PROPOSED = "decision.proposed", _("Decision proposed")
    DECISION_CORRECTED = "decision.corrected", _("Decision corrected")
    DECIDE_RIGHT_GRANTED = "decision.right_granted", _("Right to decide given")
    DECIDE_RIGHT_REVOKED = "decision.right_revoked", _("Right to decide taken away")
    DECISION_LETTER_RETRIED = "decision.letter_retried", _("Decision letter produced again")
    DECISION_LETTER_MAILED = "decision.letter_mailed", _("Decision letter mailed")
    # Webinars
    WEBINAR_SERIES_CREATED = "webinar_series.created", _("Webinar series created")
    WEBINAR_SERIES_CHANGED = "webinar_series.changed", _("Webinar series changed")
    WEBINAR_CREATED = "webinar.created", _("Webinar created")
    WEBINAR_CHANGED = "webinar.changed", _("Webinar changed")
    WEBINAR_PUBLISHED = "webinar.published", _("Webinar published")
    WEBINAR_CANCELLED = "webinar.cancelled", _("Webinar cancelled")
    WEBINAR_RECORDING_ADDED = "webinar.recording_added", _("Recording added")
    WEBINAR_REGISTERED = "webinar.registered", _("Registered for a webinar")
    WEBINAR_REGISTRATION_PROMOTED = "webinar.registration_promoted", _("Registration moved from the waiting list")
    WEBINAR_REGISTRATION_CANCELLED = "webinar.registration_cancelled", _("Registration cancelled")
    WEBINAR_REGISTRATIONS_ANONYMISED = "webinar.registrations_anonymised", _("Registrations anonymised")

    @property
    def group(self) -> str:
        return self.value.split(".", 1)[0]

    @classmethod
    def state_change(cls, group: str, state: str) -> "AuditAction":
        """The event of an object of `group` entering `state` (e.g. "call", "open"); ValueError if none."""
        return cls(f"{group}.{state}")


# The filter of the audit log offers every event and, per group, all of the group's events.
GROUPS = {
    "organisation": _("Organisations"),
    "dispute": _("Identity disputes"),
    "account": _("Accounts"),
    "admin": _("Django admin"),
    "document": _("Documents"),
    "need": _("Needs"),
    "call": _("Calls"),
    "attachment": _("Attachments"),
    "response": _("Responses"),
    "question": _("Questions"),
    "interest_profile": _("Interest profiles"),
    "calendar_feed": _("Calendar feeds"),
    "decision_document": _("Decision support"),
    "records": _("Public records and secrecy"),
    "meeting": _("Dialogue meetings"),
    "grantcall": _("Grant calls"),
    "application": _("Applications"),
    "conflict": _("Conflicts of interest"),
    "decision": _("Decisions"),
    "webinar_series": pgettext_lazy("audit", "Webinar series"),
    "webinar": _("Webinars"),
}

STATE_CHANGE = pgettext_lazy("audit", "%(from)s → %(to)s")
FIELD_CHANGE = pgettext_lazy("audit", "%(field)s: %(from)s → %(to)s")


def _assigned(values: dict) -> str:
    if values.get("handler") in (None, "", "–"):
        return str(_("Nobody assigned"))
    return str(_("Assigned to user #%(handler)s")) % values


# The fields that make an organisation's identity, in the order they are shown. Organisation data, not
# personal data: their old and new values are kept as {"name": {"from": …, "to": …}, …}.
IDENTITY_FIELDS = {
    "name": _("Name"),
    "org_number": _("Organisation number"),
    "kind": _("Kind"),
}


def _identity_changes(values: dict) -> str:
    changes = "; ".join(
        str(FIELD_CHANGE) % {"field": label, "from": values[field].get("from", "–"), "to": values[field].get("to", "–")}
        for field, label in IDENTITY_FIELDS.items()
        if isinstance(values.get(field), dict)
    )
    if values.get("dispute") not in (None, "", "–"):
        return str(_("%(changes)s (dispute #%(dispute)s)")) % {"changes": changes, "dispute": values["dispute"]}
    return changes


def _organisation_created(values: dict) -> str:
    if values.get("dispute") not in (None, "", "–"):
        return str(_("Kind: %(kind)s, after dispute #%(dispute)s")) % values
    return str(_("Kind: %(kind)s")) % values


def _model_meta(label: str):
    try:
        return apps.get_model(label)._meta
    except (LookupError, ValueError):
        return None


def _field_name(meta, name: str) -> str:
    """A field's (or an inline relation's) name in the reader's language; an unknown one as it is."""
    if meta is None:
        return name
    try:
        field = meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if field.auto_created and not field.concrete:  # a reverse relation: an inline's rows
        return str(field.related_model._meta.verbose_name_plural)
    return str(field.verbose_name)


def _admin(values: dict) -> str:
    """'Organisation: name, memberships' — the model and the fields changed, in the reader's language."""
    meta = _model_meta(values.get("model", ""))
    model = str(capfirst(meta.verbose_name)) if meta is not None else values.get("model", "")
    if values.get("action"):
        return str(_("%(model)s: action %(action)s")) % {"model": model, "action": values["action"]}
    fields = ", ".join(_field_name(meta, name) for name in values.get("fields") or [])
    return f"{model}: {fields}" if fields else model


def _anonymised(values: dict) -> str:
    count = values.get("count", 0)
    return ngettext("%(count)s registration", "%(count)s registrations", int(count)) % {"count": count}


# How each event's details read: a translatable format over the details' keys, or a function of them.
# Events without an entry show no description.
DESCRIPTIONS: dict[AuditAction, object] = {
    AuditAction.ORGANISATION_CREATED: _organisation_created,
    AuditAction.ORGANISATION_VERIFIED: _identity_changes,
    AuditAction.ORGANISATION_REJECTED: _("Reason: %(reason)s"),
    AuditAction.ORGANISATION_DECISION_UNDONE: _("%(from)s → %(to)s: %(reason)s"),
    AuditAction.ORGANISATION_CHANGED: _identity_changes,
    AuditAction.ORGANISATION_REVERIFICATION: _identity_changes,
    AuditAction.ORGANISATION_INVITED: _("Invitation #%(invitation)s, role: %(role)s"),
    AuditAction.ORGANISATION_JOINED: _("Invitation #%(invitation)s, role: %(role)s"),
    AuditAction.ORGANISATION_ROLE_CHANGED: _("Membership #%(membership)s: %(from_role)s → %(to_role)s"),
    AuditAction.ORGANISATION_MEMBER_REMOVED: _("Membership #%(membership)s, role: %(role)s"),
    AuditAction.ORGANISATION_MEMBER_LEFT: _("Membership #%(membership)s, role: %(role)s"),
    AuditAction.ORGANISATION_JOIN_REQUESTED: _("Request #%(join_request)s"),
    AuditAction.ORGANISATION_JOIN_ACCEPTED: _("Request #%(join_request)s"),
    AuditAction.ORGANISATION_JOIN_DECLINED: _("Request #%(join_request)s"),
    AuditAction.ORGANISATION_DISPUTED: _("Dispute #%(dispute)s: %(org_number)s claimed by %(name)s"),
    AuditAction.ORGANISATION_NUMBER_LOST: _identity_changes,
    AuditAction.ACCOUNT_EMAIL_ADDED: _("Address #%(email_address)s"),
    AuditAction.ACCOUNT_EMAIL_CONFIRMED: _("Address #%(email_address)s"),
    AuditAction.ACCOUNT_EMAIL_CHANGED: _("Address #%(from_address)s → #%(to_address)s"),
    AuditAction.ACCOUNT_MFA_ADDED: _("Kind: %(type)s"),
    AuditAction.ACCOUNT_MFA_REMOVED: _("Kind: %(type)s"),
    AuditAction.ACCOUNT_EID_CREATED: _("Identity provider: %(provider)s"),
    AuditAction.ACCOUNT_EID_LINKED: _("Identity provider: %(provider)s"),
    AuditAction.ACCOUNT_EID_UNLINKED: _("Identity provider: %(provider)s"),
    AuditAction.ACCOUNT_EID_SIGNED_IN: _("Identity provider: %(provider)s, level of assurance: %(loa)s"),
    AuditAction.DISPUTE_UPHELD: _("Reason: %(reason)s"),
    AuditAction.DISPUTE_REJECTED: _("Reason: %(reason)s"),
    AuditAction.CALL_AMENDED: _("Amendment %(number)s"),
    AuditAction.ADMIN_ADD: _admin,
    AuditAction.ADMIN_CHANGE: _admin,
    AuditAction.ADMIN_DELETE: _admin,
    AuditAction.ADMIN_ACTION: _admin,
    AuditAction.DOCUMENT_READY: _("Version %(version)s, %(size)s bytes"),
    AuditAction.DOCUMENT_FAILED: _("Error: %(error)s"),
    AuditAction.NEED_UPDATED: _("Stage: %(from)s → %(to)s"),
    AuditAction.NEED_DELETED: _("Title: %(title)s"),
    AuditAction.NEED_ASSESSED: _("Version %(version)s: %(conclusion)s, TRL %(trl)s, %(procedure)s"),
    AuditAction.CALL_PUBLISHED: _("Opens %(opens_at)s"),
    AuditAction.CALL_OPEN: STATE_CHANGE,
    AuditAction.CALL_CLOSED: STATE_CHANGE,
    AuditAction.CALL_CANCELLED: _("%(from)s → %(to)s: %(reason)s"),
    AuditAction.ATTACHMENT_REMOVED: _("File: %(filename)s"),
    AuditAction.RESPONSE_SUBMITTED: STATE_CHANGE,
    AuditAction.RESPONSE_WITHDRAWN: STATE_CHANGE,
    AuditAction.RESPONSE_DRAFT: STATE_CHANGE,
    AuditAction.QUESTION_ASKED: _("Question #%(question)s"),
    AuditAction.QUESTION_ANSWERED: _("Question #%(question)s"),
    AuditAction.QUESTION_PUBLISHED: STATE_CHANGE,
    AuditAction.QUESTION_REJECTED: _("%(from)s → %(to)s: %(reason)s"),
    AuditAction.QUESTION_ANSWER_CORRECTED: _("Question #%(question)s"),
    AuditAction.DECISION_DOCUMENT_ORDERED: _("Version %(version)s (%(language)s)"),
    AuditAction.DECISION_DOCUMENT_RETRIED: _("Version %(version)s"),
    AuditAction.SECRECY_REQUESTED: _("Request #%(marking)s: %(field)s"),
    AuditAction.SECRECY_WITHDRAWN: _("Request #%(marking)s: %(field)s"),
    AuditAction.RECORD_RELEASED: _("Release #%(release)s: %(redacted)s of %(marked)s secrecy requests redacted"),
    AuditAction.MEETING_SETTINGS_SAVED: _("Booking closes %(booking_closes_at)s"),
    AuditAction.MEETING_SLOTS_ADDED: _("Slots %(slots)s"),
    AuditAction.MEETING_SLOT_CANCELLED: _("Slot #%(slot)s"),
    AuditAction.MEETING_BOOKED: _("Slot #%(slot)s"),
    AuditAction.MEETING_MOVED: _("Slot #%(from_slot)s → #%(to_slot)s"),
    AuditAction.MEETING_CANCELLED: _("Slot #%(slot)s, by %(by)s"),
    AuditAction.MEETING_OUTCOME: _("Outcome: %(outcome)s"),
    AuditAction.APPLICATION_SUBMITTED: STATE_CHANGE,
    AuditAction.APPLICATION_IN_REVIEW: STATE_CHANGE,
    AuditAction.APPLICATION_COMPLETION_REQUESTED: STATE_CHANGE,
    AuditAction.APPLICATION_APPROVED: STATE_CHANGE,
    AuditAction.APPLICATION_REJECTED: STATE_CHANGE,
    AuditAction.APPLICATION_FINAL_REPORT_SUBMITTED: STATE_CHANGE,
    AuditAction.APPLICATION_CLOSED: STATE_CHANGE,
    AuditAction.APPLICATION_WITHDRAWN: STATE_CHANGE,
    AuditAction.APPLICATION_ASSIGNED: _assigned,
    AuditAction.APPLICATION_REVIEWED: _("Recommendation: %(recommendation)s"),
    AuditAction.APPLICATION_MESSAGE_SENT: _("Message %(message)s, attached files: %(files)s"),
    AuditAction.APPLICATION_NOTE_WRITTEN: _("Note %(message)s, attached files: %(files)s"),
    AuditAction.APPLICATION_PERIOD_CHANGED: _("Period ends %(from)s → %(to)s: %(reason)s"),
    AuditAction.CONFLICT_DECLARED: _("Conflict #%(conflict)s"),
    AuditAction.CONFLICT_LIFTED: _("Conflict #%(conflict)s (handler #%(handler)s)"),
    AuditAction.TRACK_ADDED: _("Track #%(track)s: caps %(cap_one)s / %(cap_two_or_more)s"),
    AuditAction.TRACK_CAP_CHANGED: _("Track #%(track)s, %(field)s: %(old)s → %(new)s"),
    AuditAction.CRITERION_ADDED: _("Criterion #%(criterion)s, weight %(weight)s"),
    AuditAction.DECISION_APPROVED: _("%(from)s → %(to)s, %(amount)s"),
    AuditAction.DECISION_REJECTED: _("%(from)s → %(to)s, %(amount)s"),
    AuditAction.DECISION_PROPOSED: _("Proposal #%(proposal)s: %(outcome)s, %(amount)s"),
    AuditAction.DECISION_CORRECTED: _("Decision #%(corrects)s corrected by #%(decision)s, %(amount)s"),
    AuditAction.DECISION_LETTER_MAILED: _("File: %(filename)s"),
    AuditAction.WEBINAR_PUBLISHED: STATE_CHANGE,
    AuditAction.WEBINAR_CANCELLED: _("%(from)s → %(to)s: %(message)s"),
    AuditAction.WEBINAR_RECORDING_ADDED: _("Link: %(url)s"),
    AuditAction.WEBINAR_REGISTERED: _("Status: %(status)s"),
    AuditAction.WEBINAR_REGISTRATIONS_ANONYMISED: _anonymised,
}

# Detail keys whose whole numbers are amounts in kronor, shown "40 000 kr" (portal.amounts): in every event, and
# in the events named below (a track's caps, stored as plain numbers).
AMOUNT_KEYS = frozenset({"amount"})
EVENT_AMOUNT_KEYS = {
    AuditAction.TRACK_ADDED: frozenset({"cap_one", "cap_two_or_more"}),
    AuditAction.TRACK_CAP_CHANGED: frozenset({"old", "new"}),
}
# (group, detail key) -> the choices whose labels translate that key's values; filled by the apps' ready().
_labels: dict[tuple[str, str], type[models.Choices]] = {}
# "app_label.model" of the models about people: their rows store no object text.
_personal: set[str] = set()


def register_labels(group: str, choices: type[models.Choices], keys: Iterable[str] = ("from", "to")) -> None:
    """Show the values of `keys` in the details of `group`'s events with the labels of `choices`."""
    for key in keys:
        _labels[(group, key)] = choices


def register_personal(*model_classes) -> None:
    """Audit rows about these models keep no text of the object (it would name a person)."""
    _personal.update(model._meta.label_lower for model in model_classes)


def object_repr(obj) -> str:
    """The text stored with a row about `obj`: its name, or nothing for an object about a person."""
    if obj is None or obj._meta.label_lower in _personal:
        return ""
    return str(obj)[:255]


def label(action: str) -> str:
    """The translated label of a stored action; an unknown one is shown as it is."""
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action


def _value(group: str, key: str, value, amounts=AMOUNT_KEYS):
    """A detail's value for the reader: a state's label, an amount "40 000 kr" (a key in `amounts`), "–" for
    nothing; in a dict ({"from": …, "to": …}) each value is read as one of `key`, in a list each item as it is."""
    if isinstance(value, dict):
        return {inner: _value(group, key, item, amounts) for inner, item in value.items()}
    if isinstance(value, list):
        return [str(item) for item in value]
    if value is None or value == "":
        return "–"
    if key in amounts and isinstance(value, int):
        return format_sek(value)
    choices = _labels.get((group, key))
    if choices is not None:
        try:
            return str(choices(value).label)
        except ValueError:
            pass
    return str(value)


def describe(action: str, details: dict | None, description: str = "") -> str:
    """The details of a row in the reader's language (rows from before `details` keep their text)."""
    if not details:
        return description
    try:
        action = AuditAction(action)
    except ValueError:
        return ", ".join(f"{key}: {value}" for key, value in details.items())
    amounts = AMOUNT_KEYS | EVENT_AMOUNT_KEYS.get(action, frozenset())
    values = {key: _value(action.group, key, value, amounts) for key, value in details.items()}
    form = DESCRIPTIONS.get(action)
    if form is None:
        return description
    try:
        return form(values) if callable(form) else str(form) % values
    except (KeyError, TypeError, ValueError):
        return ", ".join(f"{key}: {value}" for key, value in values.items())


def object_label(entry) -> str:
    """What a row is about: the stored text, or the kind and number ("Registration #12")."""
    if entry.object_repr:
        return entry.object_repr
    if entry.content_type_id and entry.object_id:
        return f"{capfirst(entry.content_type.name)} #{entry.object_id}"
    return ""


def filter_choices() -> list:
    """The audit log filter: per group, all of the group's events and then each event."""
    choices: list = [("", _("All"))]
    for group, group_label in GROUPS.items():
        members = [(action.value, action.label) for action in AuditAction if action.group == group]
        all_of_group = (group, _("All: %(group)s") % {"group": group_label})
        choices.append((group_label, [all_of_group, *members]))
    return choices
