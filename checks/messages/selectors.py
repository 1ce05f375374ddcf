"""Reads of an application's thread, its completion deadline and its versions."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from portal.files import attachments_for
from portal.models import Attachment, User
from portal.rules import HANDLERS_GROUP, is_staff_role

from ..models import Application, StateChange
from .models import MESSAGE_FILES, ApplicationSnapshot, Message

S = Application.State


def thread_of(application, user) -> list[Message]:
    """The application's messages the user may see, oldest first, each with its `files`; notes only for staff.

    Two queries whatever the number of messages: the messages (with their authors), their attachments; one when
    the page has read the attachments already (`application.message_files`, from checks.selectors.page_files).
    """
    if getattr(application, "has_messages", True) is False:  # known from the application's own query
        return []
    messages = application.messages.select_related("author")
    if not is_staff_role(user):
        messages = messages.filter(internal=False)
    messages = list(messages)
    files: dict[str, list[Attachment]] = getattr(application, "message_files", None) or {}
    if messages and not hasattr(application, "message_files"):
        attachments = Attachment.objects.filter(
            content_type=ContentType.objects.get_for_model(Message),
            purpose=MESSAGE_FILES,
            object_id__in=[str(m.pk) for m in messages],
        )
        for attachment in attachments:
            files.setdefault(attachment.object_id, []).append(attachment)
    for message in messages:
        message.files = files.get(str(message.pk), [])
    return messages


def applicant_recipients(application) -> list[User]:
    """Every member of the applicant organisation (active accounts), for a handler's message."""
    return list(
        User.objects.filter(memberships__organisation=application.organisation, is_active=True)
        .distinct()
        .order_by("email")
    )


def handler_recipients(application) -> list[User]:
    """The assigned handler, or every handler without a conflict of interest when nobody is assigned."""
    if application.assigned_to_id is not None:
        return [application.assigned_to] if application.assigned_to.is_active else []
    handlers = (
        User.objects.filter(groups__name=HANDLERS_GROUP, is_active=True)
        # Handlers with a declared conflict of interest take no part in the handling.
        .exclude(check_conflicts__application=application)
        .exclude(check_conflicts__organisation=application.organisation_id)
    )
    return list(handlers.distinct().order_by("email"))


def completion_request(application, history=None) -> StateChange | None:
    """The handler's open request to complete the application (with its reply deadline), if one is open.

    From `history` (the application's state changes, oldest first) when the page has read them already.
    """
    if not application.awaits_completion:
        return None
    if history is None:
        return application.state_changes.filter(to_state=S.COMPLETION_REQUESTED).order_by("-created_at", "-id").first()
    requests = [change for change in history if change.to_state == S.COMPLETION_REQUESTED]
    return requests[-1] if requests else None


def completion_returned(history) -> bool:
    """A completion has come back at least once (so there are versions to compare)."""
    return any(change.from_state == S.COMPLETION_REQUESTED for change in history)


def is_overdue(request: StateChange | None) -> bool:
    """The open completion request's reply deadline has passed (the applicant has not sent it back)."""
    return request is not None and request.reply_by is not None and request.reply_by < timezone.localdate()


def last_versions(application) -> tuple[ApplicationSnapshot, ApplicationSnapshot] | None:
    """The latest returned version and the requested one before it (one query); None before any came back."""
    snapshots = list(application.snapshots.order_by("-created_at", "-id"))
    returned = [snapshot for snapshot in snapshots if snapshot.moment == ApplicationSnapshot.Moment.RETURNED]
    if not returned:
        return None
    after = returned[0]
    before = next(
        (
            snapshot
            for snapshot in snapshots[snapshots.index(after) + 1 :]
            if snapshot.moment == ApplicationSnapshot.Moment.REQUESTED
        ),
        None,
    )
    return None if before is None else (before, after)


def attachments_of(message: Message) -> QuerySet[Attachment]:
    """The files attached to a message."""
    return attachments_for(message, MESSAGE_FILES)
