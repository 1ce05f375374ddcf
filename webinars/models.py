import uuid

import rules
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rules.contrib.models import RulesModel

from portal.cache import CachedPageManager
from portal.dates import validate_date_in_range
from portal.rules import is_portal_admin

from . import rules as webinar_rules


class Series(RulesModel):
    """A named series of webinars, e.g. "I fokus – om innovation och upphandling"."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name in web addresses"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(_("description"), blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["title"]
        rules_permissions = {
            "view": rules.always_allow,
            "add": is_portal_admin,
            "change": is_portal_admin,
        }

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("webinars:series_detail", args=[self.slug])


VIDEO_EXTENSIONS = (".mp4", ".webm", ".ogv", ".m4v")


class Webinar(RulesModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("webinar status", "Published")
        CANCELLED = "cancelled", pgettext_lazy("webinar status", "Cancelled")

    # What may follow what (see services.set_webinar_status; the rules in rules.py read it).
    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED},
        Status.PUBLISHED: {Status.CANCELLED},
        Status.CANCELLED: set(),
    }
    # Shown on public pages: a cancelled webinar stays there with its message; drafts are for portal admins.
    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CANCELLED)

    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, related_name="webinars", null=True, blank=True, verbose_name=_("series")
    )
    title = models.CharField(_("title"), max_length=250)
    theme = models.CharField(_("theme"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), blank=True, help_text=_("One or two sentences shown in lists."))
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"), validators=[validate_date_in_range])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_date_in_range])
    join_url = models.URLField(
        _("join link"),
        max_length=500,
        blank=True,
        help_text=_("Only shown to confirmed registrants: in their mails and on their personal page."),
    )
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    # WCAG 1.2.2: a recording needs captions. Either its host's player shows them (the admin ticks
    # recording_captioned) or the admin attaches a WebVTT file (webinars/captions.py) for the portal's <track>.
    recording_captioned = models.BooleanField(
        _("the recording has captions"),
        default=False,
        help_text=_("Tick if the recording's own player shows captions, for example on the video service."),
    )
    recording_captions = models.TextField(_("captions (WebVTT)"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1, message=_("Give at least one seat, or leave the field empty for no limit."))],
        help_text=_("Number of seats. Leave empty for no limit; when full, registrations go on a waiting list."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cancellation_message = models.TextField(_("cancellation message"), blank=True)
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    published_at = models.DateTimeField(pgettext_lazy("webinar", "published"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    recording_published_at = models.DateTimeField(_("recording published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # iCalendar SEQUENCE: raised on every change of time or status so calendars update the event.
    sequence = models.PositiveIntegerField(_("calendar version"), default=0)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("webinar")
        verbose_name_plural = _("webinars")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="webinar_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]
        rules_permissions = {
            "view": webinar_rules.is_public_webinar | is_portal_admin,
            "add": is_portal_admin,
            "change": is_portal_admin & webinar_rules.is_editable_webinar,
        }

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("webinars:detail", args=[self.pk])

    @property
    def has_captions(self) -> bool:
        """The recording can be watched with captions: on its host's player or with the attached WebVTT file."""
        return self.recording_captioned or bool(self.recording_captions)

    @property
    def plays_in_portal(self) -> bool:
        """The recording link is a video file, played on the page (with the caption track) as well as linked."""
        return self.recording_url.lower().split("?")[0].endswith(VIDEO_EXTENSIONS)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class Speaker(RulesModel):
    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="speakers", verbose_name=_("webinar"))
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title or role"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["position", "id"]
        rules_permissions = {
            "view": is_portal_admin,
            "add": is_portal_admin,
            "change": is_portal_admin,
            "delete": is_portal_admin,
        }

    def __str__(self):
        return self.name


class Registration(RulesModel):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("registration status", "Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")

    # What may follow what: the one machine services.move_registration checks (the rules in rules.py read it).
    TRANSITIONS = {
        Status.CONFIRMED: {Status.CANCELLED},
        Status.WAITLISTED: {Status.CONFIRMED, Status.CANCELLED},  # a seat freed up; gave up the place
        Status.CANCELLED: {Status.CONFIRMED, Status.WAITLISTED},  # registering again
    }

    webinar = models.ForeignKey(
        Webinar, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("webinar")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webinar_registrations",
        verbose_name=_("user account"),
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email address"))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="sv")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    # Changed whenever the registration is (re)made, so that an old personal link stops working.
    secret = models.UUIDField(_("key of the personal link"), default=uuid.uuid4, editable=False)
    consent_at = models.DateTimeField(_("consent to the privacy terms"))
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now, help_text=_("Order on the waiting list."))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(pgettext_lazy("registration", "cancelled"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("personal data removed"), null=True, blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "webinar", name="registration_email_ci_unique_per_webinar"),
        ]
        indexes = [
            models.Index(fields=["webinar", "status", "queued_at"]),
            # "Already registered?" and a user's registrations look the email up case-insensitively.
            models.Index(Upper("email"), name="registration_email_upper"),
        ]
        rules_permissions = {"view": is_portal_admin, "change": is_portal_admin}

    def __str__(self):
        return f"{self.name} <{self.email}> – {self.webinar}"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED

    @property
    def is_waitlisted(self) -> bool:
        return self.status == self.Status.WAITLISTED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED
