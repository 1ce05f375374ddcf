"""Dialogue meetings (dialogmöten) of a call: one-to-one slots the buyer offers, one booking per company.

Imported at the top of projects/models.py (Django looks for models there), so it must not import
projects.models: the call is referred to as "projects.Call".

The rules on the data that two requests could break at once are constraints in the database: a slot holds at
most one active booking, a company has at most one active booking per call. The services also lock the call's
row, so that slots of one call never overlap and the last free slot goes to one company only.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager
from portal.dates import validate_date_in_range

from . import rules  # noqa: F401  (registers the permissions)

MIN_MINUTES = 10
MAX_MINUTES = 240
MAX_SLOTS_AT_ONCE = 20


def call_takes_slots_at(call, now) -> bool:
    """Slots and the cut-off can be set on a call until it is closed or cancelled (the one place of this rule)."""
    from projects.models import CallState  # projects.models imports this module

    return call.state_at(now) not in (CallState.CLOSED, CallState.CANCELLED)


class Party(models.TextChoices):
    """Who cancelled a meeting (audit details)."""

    COMPANY = "company", _("the company")
    BUYER = "buyer", _("the buyer")


class MeetingSettings(models.Model):
    """A call's meeting offer: the moment after which companies can no longer book, move or cancel."""

    call = models.OneToOneField(
        "projects.Call", on_delete=models.CASCADE, related_name="meeting_settings", verbose_name=_("call")
    )
    booking_closes_at = models.DateTimeField(_("booking closes"), validators=[validate_date_in_range])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("meeting settings")
        verbose_name_plural = _("meeting settings")

    def __str__(self):
        return str(self.call)

    def is_booking_open_at(self, now) -> bool:
        return now < self.booking_closes_at

    @property
    def is_booking_open(self) -> bool:
        """Companies may book, move and cancel until the cut-off."""
        return self.is_booking_open_at(timezone.now())


class MeetingSlot(models.Model):
    """A time the buyer offers for a one-to-one meeting, at a place or by a video link."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS: dict[str, set[str]] = {Status.OFFERED: {Status.CANCELLED}, Status.CANCELLED: set()}

    call = models.ForeignKey(
        "projects.Call", on_delete=models.CASCADE, related_name="meeting_slots", verbose_name=_("call")
    )
    starts_at = models.DateTimeField(_("starts"), validators=[validate_date_in_range])
    duration_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(MIN_MINUTES), MaxValueValidator(MAX_MINUTES)]
    )
    ends_at = models.DateTimeField(_("ends"), editable=False)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), max_length=500, blank=True)
    note = models.TextField(_("note to the company"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OFFERED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offered by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("meeting slot")
        verbose_name_plural = _("meeting slots")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["call", "status", "starts_at"], name="meeting_slot_call_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=MIN_MINUTES, duration_minutes__lte=MAX_MINUTES),
                name="meeting_slot_duration_bounds",
            ),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_slot_ends"),
            models.CheckConstraint(condition=~models.Q(place="", video_url=""), name="meeting_slot_place_or_link"),
        ]

    def __str__(self):
        return f"{self.call} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def organisation(self):
        return self.call.need.organisation

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    def has_started_at(self, now) -> bool:
        return self.starts_at <= now

    @property
    def has_started(self) -> bool:
        return self.has_started_at(timezone.now())

    @staticmethod
    def end_of(starts_at, duration_minutes):
        return starts_at + timedelta(minutes=duration_minutes)


class MeetingBooking(models.Model):
    """A company's booking of a slot. Moving keeps the row (and the calendar UID) and raises `sequence`."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        UNKNOWN = "", _("Not recorded")
        HELD = "held", _("Held")
        NOT_HELD = "not_held", _("Not held")

    TRANSITIONS: dict[str, set[str]] = {Status.BOOKED: {Status.CANCELLED}, Status.CANCELLED: set()}

    uid = models.UUIDField(_("calendar id"), default=uuid.uuid4, unique=True, editable=False)
    call = models.ForeignKey(
        "projects.Call", on_delete=models.CASCADE, related_name="meeting_bookings", verbose_name=_("call")
    )
    slot = models.ForeignKey(MeetingSlot, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("slot"))
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="meeting_bookings", verbose_name=_("company")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_bookings",
        verbose_name=_("booked by"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BOOKED)
    # The iCalendar SEQUENCE: 0 when booked, one more for each move and for the cancellation.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    # The buyer's working notes: never shown to the company (TF 2 kap. 12 §: internal working material).
    buyer_notes = models.TextField(_("internal notes"), blank=True, max_length=10000)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by_buyer = models.BooleanField(_("cancelled by the buyer"), default=False)
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("meeting booking")
        verbose_name_plural = _("meeting bookings")
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"], condition=models.Q(status="booked"), name="meeting_booking_one_per_slot"
            ),
            models.UniqueConstraint(
                fields=["call", "organisation"],
                condition=models.Q(status="booked"),
                name="meeting_booking_one_per_company",
            ),
        ]

    def __str__(self):
        return f"{self.slot} – {self.organisation}"

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_held(self) -> bool:
        return self.outcome == self.Outcome.HELD

    @property
    def can_record_outcome(self) -> bool:
        """The buyer marks a meeting held or not held once it has started."""
        return self.is_booked and self.slot.has_started
