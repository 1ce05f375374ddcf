"""Public records and secrecy (offentlighetsprincipen) for responses to calls.

A response that reaches a public body is a public record (allmän handling, TF 2 kap.). A company may ask that
parts of it be kept secret (`SecrecyMarking`); the buyer assesses secrecy only when someone asks for the record
and records each release (`RecordRelease`, utlämnande) with the decisions it made.

Imported at the top of projects/models.py (Django looks for models there), so it must not import
projects.models: the response is referred to as "projects.Response".
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from portal.cache import CachedPageManager

from . import rules as r

ATTACHMENT_PREFIX = "attachment:"


class SecrecyMarking(models.Model):
    """A company's request that a field, or a passage of it, be kept secret (sekretessbegäran), with its reason.

    `field` names a part of the response: a text field ("summary", "description", "references",
    "price_indication"), a file ("attachment:<uuid>") or any part another module adds (projects.records.fields).
    """

    response = models.ForeignKey(
        "projects.Response", on_delete=models.CASCADE, related_name="secrecy_markings", verbose_name=_("response")
    )
    field = models.CharField(_("part of the response"), max_length=80)
    passage = models.TextField(_("passage"), blank=True, max_length=4000)
    reason = models.TextField(_("reason"), max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked by"),
    )
    created_at = models.DateTimeField(_("marked"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("secrecy request")
        verbose_name_plural = _("secrecy requests")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.response_id}: {self.field}"

    @property
    def organisation(self):
        """The company that asked (the response's organisation)."""
        return self.response.organisation

    @property
    def is_whole_field(self) -> bool:
        return not self.passage


class RecordRelease(RulesModel):
    """One release of a response to someone who asked for it (utlämnande av allmän handling).

    `decisions` keeps, per secrecy request, what the buyer decided: a list of
    {"marking": id, "field": key, "field_label": label, "passage": text, "reason": text,
    "decision": "redact" | "release", "provision": "OSL 31:16"}. The PDF is an attachment (portal.files).
    """

    class Decision(models.TextChoices):
        REDACT = "redact", _("Redact (secrecy applies)")
        RELEASE = "release", _("Release")

    response = models.ForeignKey(
        "projects.Response", on_delete=models.CASCADE, related_name="record_releases", verbose_name=_("response")
    )
    anonymous = models.BooleanField(_("the requester is anonymous"), default=False)
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester's email"), blank=True)
    requested_on = models.DateField(_("request received"))
    registration = models.CharField(_("registration number of the request"), max_length=100, blank=True)
    decisions = models.JSONField(_("decisions"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="sv")
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("record release")
        verbose_name_plural = _("record releases")
        ordering = ["-released_at", "-id"]
        rules_permissions = {"view": r.is_release_buyer_member}

    def __str__(self):
        return f"{self.response_id} #{self.pk}"

    @property
    def organisation(self):
        """The buyer organisation that released the record."""
        return self.response.call.need.organisation

    @property
    def redacted_count(self) -> int:
        return sum(1 for item in self.decisions if item.get("decision") == self.Decision.REDACT)

    @property
    def requester_label(self) -> str:
        if self.anonymous:
            return str(_("Anonymous"))
        return ", ".join(part for part in (self.requester_name, self.requester_email) if part)
