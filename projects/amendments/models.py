"""Amendments (ändringsmeddelanden) to a call after it has opened.

Imported at the top of projects/models.py (Django looks for models there), so it must not import
projects.models: the call is referred to as "projects.Call". Nothing here is ever deleted or changed after it is
written: an amendment and the files it added or replaced are public records.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager

from . import rules  # noqa: F401  (registers the permissions)


class Amendment(models.Model):
    """A numbered, dated correction notice on an open call; it may move the closing time and add or replace files."""

    call = models.ForeignKey(
        "projects.Call", on_delete=models.CASCADE, related_name="amendments", verbose_name=_("call")
    )
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("correction notice"), max_length=8000)
    previous_closes_at = models.DateTimeField(_("closing time before the amendment"))
    closes_at = models.DateTimeField(_("new closing time"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amended by"),
    )
    created_at = models.DateTimeField(_("published"), default=timezone.now)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["call", "number"]
        constraints = [models.UniqueConstraint(fields=["call", "number"], name="amendment_number_unique")]

    def __str__(self):
        return f"{self.call} – {self.number}"


class AmendmentFile(models.Model):
    """A file an amendment added to the call, and the earlier file it replaces (if any), which stays on record."""

    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="files")
    attachment = models.OneToOneField(
        "portal.Attachment", on_delete=models.PROTECT, related_name="amendment_file", verbose_name=_("file")
    )
    replaces = models.OneToOneField(
        "portal.Attachment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("file of an amendment")
        verbose_name_plural = _("files of amendments")
        ordering = ["amendment", "id"]

    def __str__(self):
        return str(self.attachment)
