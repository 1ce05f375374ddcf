"""Messages between an applicant and the handlers, internal notes, and snapshots of an application's versions.

Imported at the top of checks/models.py (Django looks for models there), so it must not import
checks.models: the application is referred to as "checks.Application".
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from portal.cache import CachedPageManager

from . import rules as r

MESSAGE_FILES = "message"  # the attachments' purpose (portal.files)


class Message(RulesModel):
    """One message in an application's thread: from the applicant, from a handler, or a handler's internal note.

    An internal note is for staff (handlers and admins) only: never shown, mailed or served to the applicant.
    """

    class Sender(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        HANDLER = "handler", _("Handler")

    application = models.ForeignKey("checks.Application", on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(_("sender"), max_length=20, choices=Sender.choices)
    internal = models.BooleanField(_("internal note"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(internal=False) | models.Q(sender="handler"), name="message_note_from_handler"
            ),
        ]
        # `view` also guards the message's attachments (portal.views.files).
        rules_permissions = {"view": r.can_see_message}

    def __str__(self):
        return f"{self.get_sender_display()}: {self.body[:40]}"

    @property
    def from_applicant(self) -> bool:
        return self.sender == self.Sender.APPLICANT


class ApplicationSnapshot(models.Model):
    """The application's fields and budget lines at a moment of a completion, for the handler's comparison."""

    class Moment(models.TextChoices):
        REQUESTED = "requested", _("Completion requested")
        RETURNED = "returned", _("Completion returned")

    application = models.ForeignKey("checks.Application", on_delete=models.CASCADE, related_name="snapshots")
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    content = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("application version")
        verbose_name_plural = _("application versions")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.application_id} {self.moment} {self.created_at:%Y-%m-%d}"
