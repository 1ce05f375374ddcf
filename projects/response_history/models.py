"""A kept version of a submitted response. Never imports `projects.models` (foreign keys by string)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager


class ResponseVersion(models.Model):
    """What the company had sent at one moment: every submission and every later change of a submitted response.

    `snapshot` is the canonical content (`projects.response_history.content.response_content`), `checksum` its
    SHA-256 (the one the receipt mail and the response page show). Written only by
    `projects.response_history.services.record_version`.
    """

    response = models.ForeignKey(
        "projects.Response", on_delete=models.CASCADE, related_name="versions", verbose_name=_("response")
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    submission = models.BooleanField(
        _("submission"), default=False, help_text=_("Made by submitting, not by changing a submitted response.")
    )
    created_at = models.DateTimeField(_("received"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("response version")
        verbose_name_plural = _("response versions")
        ordering = ["response", "number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="response_version_unique"),
        ]

    def __str__(self):
        return f"{self.response_id} v{self.number}"
