"""Following a call, and stopping its notices.

Imported at the top of projects/models.py, so it must not import projects.models ("projects.Call").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager

from . import rules  # noqa: F401  (registers the permissions)


class CallFollow(models.Model):
    """A person follows a call: they are told of its amendments, answers, cancellation and approaching deadline."""

    call = models.ForeignKey("projects.Call", on_delete=models.CASCADE, related_name="follows", verbose_name=_("call"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("follower of a call")
        verbose_name_plural = _("followers of calls")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="call_follow_once")]

    def __str__(self):
        return f"{self.user_id} → {self.call}"


class CallNoticeOptOut(models.Model):
    """A person asked (with the link in a notice) to get no more notices about a call."""

    call = models.ForeignKey("projects.Call", on_delete=models.CASCADE, related_name="+", verbose_name=_("call"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("stopped"), default=timezone.now)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("stopped call notices")
        verbose_name_plural = _("stopped call notices")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="call_notice_opt_out_once")]

    def __str__(self):
        return f"{self.user_id} × {self.call}"
