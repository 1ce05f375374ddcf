"""Writes for webinars: series, webinars and their states, registrations, the waiting list and the mails.

Lock order, everywhere: the webinar row first, then its registrations. Every
change of a webinar's seats happens under the webinar's row lock, so two
registrants cancelling at the same moment promote two different people from
the waiting list, and nobody twice.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.mail import Recipient, send_mail_to
from portal.models import User
from portal.outbox import enqueue
from portal.services import InvalidTransition, ServiceError, require_dates_in_range, write_audit

from . import ics, rules, selectors
from .models import Registration, Series, Speaker, Webinar

logger = logging.getLogger(__name__)
REMINDER_LEAD = timedelta(hours=24)
# Personal data of registrants is kept this long after the webinar ended (WEBINARS_REGISTRATION_RETENTION_DAYS).
DEFAULT_RETENTION_DAYS = 365


class _Keep:
    """The default of an update service's field arguments: "leave this field as it is"."""

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()


def _given(value, current):
    return current if value is KEEP else value


# Series ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def create_series(*, by: User, title: str, slug: str, summary: str = "", description: str = "") -> Series:
    """Create a series. Side effects: an audit row."""
    if Series.objects.filter(slug=slug).exists():
        raise ServiceError(_("Another series already uses this short name."), field="slug")
    try:
        # Two tabs sending the same short name at once: the unique index decides, the loser gets a field error.
        with transaction.atomic():
            series = Series.objects.create(title=title, slug=slug, summary=summary, description=description)
    except IntegrityError:
        raise ServiceError(_("Another series already uses this short name."), field="slug") from None
    write_audit(actor=by, action=AuditAction.WEBINAR_SERIES_CREATED, obj=series)
    return series


@transaction.atomic
def update_series(
    *,
    series: Series,
    by: User,
    title: str | _Keep = KEEP,
    slug: str | _Keep = KEEP,
    summary: str | _Keep = KEEP,
    description: str | _Keep = KEEP,
) -> Series:
    """Change a series' texts (a field left out stays as it is). Side effects: an audit row."""
    series = Series.objects.select_for_update().get(pk=series.pk)
    if slug is not KEEP and Series.objects.filter(slug=slug).exclude(pk=series.pk).exists():
        raise ServiceError(_("Another series already uses this short name."), field="slug")
    series.title = _given(title, series.title)
    series.slug = _given(slug, series.slug)
    series.summary = _given(summary, series.summary)
    series.description = _given(description, series.description)
    series.save()
    write_audit(actor=by, action=AuditAction.WEBINAR_SERIES_CHANGED, obj=series)
    return series


# Webinars -------------------------------------------------------------------------------------------------------


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    require_dates_in_range(starts_at=starts_at, ends_at=ends_at)
    if ends_at <= starts_at:
        raise ServiceError(_("The webinar must end after it starts."), field="ends_at")


def _check_capacity(capacity: int | None) -> None:
    if capacity is not None and capacity < 1:
        raise ServiceError(_("Give at least one seat, or leave the field empty for no limit."), field="capacity")


def _set_speakers(webinar: Webinar, speakers: list[dict]) -> None:
    webinar.speakers.all().delete()
    Speaker.objects.bulk_create(
        Speaker(
            webinar=webinar,
            name=speaker["name"],
            title=speaker.get("title", ""),
            organisation=speaker.get("organisation", ""),
            position=position,
        )
        for position, speaker in enumerate(speakers)
    )


@transaction.atomic
def create_webinar(
    *,
    by: User,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    series: Series | None = None,
    theme: str = "",
    summary: str = "",
    description: str = "",
    join_url: str = "",
    recording_url: str = "",
    capacity: int | None = None,
    speakers: list[dict] | None = None,
) -> Webinar:
    """Create a draft webinar with its speakers (dicts of name, title, organisation). Side effects: an audit row."""
    _check_times(starts_at, ends_at)
    _check_capacity(capacity)
    webinar = Webinar.objects.create(
        created_by=by,
        status=Webinar.Status.DRAFT,
        series=series,
        title=title,
        theme=theme,
        summary=summary,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        join_url=join_url,
        recording_url=recording_url,
        capacity=capacity,
    )
    _set_speakers(webinar, speakers or [])
    write_audit(actor=by, action=AuditAction.WEBINAR_CREATED, obj=webinar)
    return webinar


@transaction.atomic
def update_webinar(
    *,
    webinar: Webinar,
    by: User,
    series: Series | None | _Keep = KEEP,
    title: str | _Keep = KEEP,
    theme: str | _Keep = KEEP,
    summary: str | _Keep = KEEP,
    description: str | _Keep = KEEP,
    starts_at: datetime | _Keep = KEEP,
    ends_at: datetime | _Keep = KEEP,
    join_url: str | _Keep = KEEP,
    capacity: int | None | _Keep = KEEP,
    speakers: list[dict] | None = None,
) -> Webinar:
    """Change a draft or published webinar (a field left out stays as it is; speakers=None keeps the speakers).

    A larger capacity moves people from the waiting list to a seat (they are
    mailed); capacity cannot go below the seats already taken. A new time raises
    the iCalendar sequence so subscribed calendars update the event; for a
    published webinar everyone registered is mailed the new time (with a new
    .ics), and reminders are re-armed for the new start.
    Side effects: an audit row, mails to promoted registrants and, on a new time, to all registrants.
    """
    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    if not rules.webinar_is_editable(webinar):
        raise InvalidTransition(_("A cancelled webinar cannot be changed."))
    starts_at = _given(starts_at, webinar.starts_at)
    ends_at = _given(ends_at, webinar.ends_at)
    _check_times(starts_at, ends_at)
    capacity = _given(capacity, webinar.capacity)
    _check_capacity(capacity)
    taken = selectors.confirmed_count(webinar)
    if capacity is not None and capacity < taken:
        raise ServiceError(
            _("%(n)s people already have a seat; the capacity cannot be lower than that.") % {"n": taken},
            field="capacity",
        )
    time_changed = starts_at != webinar.starts_at or ends_at != webinar.ends_at
    webinar.series = _given(series, webinar.series)
    webinar.title = _given(title, webinar.title)
    webinar.theme = _given(theme, webinar.theme)
    webinar.summary = _given(summary, webinar.summary)
    webinar.description = _given(description, webinar.description)
    webinar.starts_at = starts_at
    webinar.ends_at = ends_at
    webinar.join_url = _given(join_url, webinar.join_url)
    webinar.capacity = capacity
    if time_changed:
        webinar.sequence += 1
    webinar.save()
    if speakers is not None:
        _set_speakers(webinar, speakers)
    write_audit(actor=by, action=AuditAction.WEBINAR_CHANGED, obj=webinar)
    if webinar.is_published:
        _fill_free_seats(webinar)
        if time_changed:
            webinar.registrations.update(reminder_sent_at=None)
            from .tasks import notify_webinar_rescheduled

            webinar_id = webinar.pk
            enqueue(notify_webinar_rescheduled, webinar_id=webinar_id)
    return webinar


@transaction.atomic
def set_webinar_status(*, webinar: Webinar, status: str, by: User, message: str = "") -> Webinar:
    """Move a webinar to a new status (the one transition service; see Webinar.TRANSITIONS).

    Cancelling needs a message; it is shown on the webinar's page and mailed to
    everyone registered (confirmed and waiting).
    Side effects: a state-change audit row; on cancel, mails to registrants after commit.
    """
    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    if status not in Webinar.TRANSITIONS[webinar.status]:
        raise InvalidTransition(
            _("A webinar that is %(current)s cannot become %(new)s.")
            % {"current": webinar.get_status_display().lower(), "new": Webinar.Status(status).label.lower()}
        )
    previous = webinar.status
    now = timezone.now()
    if status == Webinar.Status.CANCELLED:
        if not message.strip():
            raise ServiceError(_("Write a message to the registrants: why, and what happens now."), field="message")
        if not rules.webinar_can_be_cancelled(webinar):
            raise InvalidTransition(_("A webinar that has already taken place cannot be cancelled."))
        webinar.cancellation_message = message.strip()
        webinar.cancelled_at = now
    if status == Webinar.Status.PUBLISHED:
        webinar.published_at = now
    webinar.status = status
    webinar.sequence += 1
    webinar.save()
    write_audit(
        actor=by,
        action=AuditAction.state_change("webinar", status),
        obj=webinar,
        details={"from": previous, "to": status}
        | ({"message": webinar.cancellation_message} if status == Webinar.Status.CANCELLED else {}),
    )
    if status == Webinar.Status.CANCELLED and previous == Webinar.Status.PUBLISHED:
        from .tasks import notify_webinar_cancelled

        webinar_id = webinar.pk
        enqueue(notify_webinar_cancelled, webinar_id=webinar_id)
    return webinar


def publish_webinar(*, webinar: Webinar, by: User) -> Webinar:
    """Publish a draft (see set_webinar_status)."""
    return set_webinar_status(webinar=webinar, status=Webinar.Status.PUBLISHED, by=by)


def cancel_webinar(*, webinar: Webinar, by: User, message: str) -> Webinar:
    """Cancel a webinar with a message to the registrants (see set_webinar_status)."""
    return set_webinar_status(webinar=webinar, status=Webinar.Status.CANCELLED, by=by, message=message)


@transaction.atomic
def add_recording(
    *,
    webinar: Webinar,
    by: User,
    recording_url: str,
    captioned: bool | None = None,
    captions: bytes | str | None = None,
    remove_captions: bool = False,
) -> Webinar:
    """Set the recording link of a webinar that has started, and how it is captioned (WCAG 1.2.2).

    `captioned`: the recording's own player shows captions (None: unchanged). `captions`: a WebVTT file to
    attach (checked by webinars.captions.parse_webvtt; None: unchanged); `remove_captions` drops the attached one.
    The first time a published webinar gets a recording, everyone who
    registered (confirmed or waiting) is mailed the link.
    Side effects: an audit row; mails to registrants after commit.
    """
    from .captions import CaptionError, parse_webvtt

    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    if not recording_url.strip():
        raise ServiceError(_("Give the link to the recording."), field="recording_url")
    if not rules.webinar_takes_recording(webinar):
        if webinar.is_cancelled:
            raise InvalidTransition(_("A cancelled webinar has no recording."))
        raise InvalidTransition(_("A recording can be added once the webinar has started."))
    if captions is not None:
        try:
            webinar.recording_captions = parse_webvtt(captions)
        except CaptionError as error:
            raise ServiceError(str(error), field="captions_file") from None
    elif remove_captions:
        webinar.recording_captions = ""
    if captioned is not None:
        webinar.recording_captioned = captioned
    first = webinar.recording_published_at is None and webinar.is_published
    webinar.recording_url = recording_url.strip()
    if first:
        webinar.recording_published_at = timezone.now()
    webinar.save(
        update_fields=[
            "recording_url",
            "recording_captioned",
            "recording_captions",
            "recording_published_at",
            "updated_at",
        ]
    )
    write_audit(
        actor=by,
        action=AuditAction.WEBINAR_RECORDING_ADDED,
        obj=webinar,
        details={
            "url": webinar.recording_url,
            "captioned": webinar.recording_captioned,
            "captions": bool(webinar.recording_captions),
        },
    )
    if first:
        from .tasks import notify_recording_published

        webinar_id = webinar.pk
        enqueue(notify_recording_published, webinar_id=webinar_id)
    return webinar


# Registrations --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationOutcome:
    registration: Registration
    already_registered: bool = False


def _queue_mail(registration: Registration, kind: str) -> None:
    # Rendered now and queued in this transaction (portal/mail.py): the change and its mail are committed
    # together, whatever the broker or the mail server says; the mail is sent once.
    send_registration_mail(registration=registration, kind=kind)


def check_open_for_registration(webinar: Webinar) -> None:
    """Raise ServiceError, with the reason, unless people may register for the webinar now (see rules.py)."""
    if rules.webinar_is_open_for_registration(webinar):
        return
    if webinar.is_cancelled:
        raise ServiceError(_("This webinar is cancelled; registration is closed."))
    if not webinar.is_published:
        raise ServiceError(_("This webinar is not open for registration."))
    if webinar.is_past:
        raise ServiceError(_("This webinar has already taken place; registration is closed."))
    if webinar.has_started:
        raise ServiceError(_("This webinar has already started; registration is closed."))


@transaction.atomic
def register(
    *,
    webinar: Webinar,
    name: str,
    email: str,
    organisation: str = "",
    consent: bool,
    user: User | None = None,
    language: str = "sv",
) -> RegistrationOutcome:
    """Register someone for a webinar: a seat if there is one, else a place on the waiting list.

    One registration per email address (case-insensitive) and webinar. If the
    address is already registered nothing changes and the address is mailed its
    personal link again, so the page reveals nothing about who registered.
    Someone who cancelled may register again (at the end of the queue, with a
    new personal link). Side effects: an audit row; a mail with an .ics file
    (seat) or a waiting-list mail, after commit.
    """
    if not consent:
        raise ServiceError(_("You must accept the privacy terms to register."), field="consent")
    email = email.strip()
    if not email or not name.strip():
        raise ServiceError(_("Give your name and email address."), field="email")
    webinar = Webinar.objects.select_for_update().get(pk=webinar.pk)
    check_open_for_registration(webinar)
    existing = Registration.objects.select_for_update().filter(webinar=webinar, email__iexact=email).first()
    if existing is not None and not existing.is_cancelled:
        _queue_mail(existing, "already_registered")
        return RegistrationOutcome(existing, already_registered=True)
    left = selectors.seats_left(webinar)
    has_seat = left is None or left > 0
    status = Registration.Status.CONFIRMED if has_seat else Registration.Status.WAITLISTED
    now = timezone.now()
    if existing is None:
        registration = Registration(webinar=webinar, email=email, status=status, confirmed_at=now if has_seat else None)
    else:  # registering again after cancelling
        registration = existing
        _move_registration(registration, status, now=now)
        registration.secret = uuid.uuid4()
        registration.reminder_sent_at = None
    registration.user = user if getattr(user, "is_authenticated", False) else None
    registration.name = name.strip()
    registration.organisation = organisation.strip()
    registration.language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    registration.consent_at = now
    registration.queued_at = now
    registration.save()
    write_audit(
        actor=user, action=AuditAction.WEBINAR_REGISTERED, obj=registration, details={"status": registration.status}
    )
    _queue_mail(registration, "confirmed" if has_seat else "waitlisted")
    return RegistrationOutcome(registration)


def _move_registration(registration: Registration, status: str, *, now: datetime) -> None:
    """Move a registration to `status` as Registration.TRANSITIONS allows, and stamp when.

    Every change of a registration's status goes through here; the caller holds the row locks and saves.
    """
    if status not in Registration.TRANSITIONS[registration.status]:
        raise InvalidTransition(
            _("A registration that is %(current)s cannot become %(new)s.")
            % {
                "current": registration.get_status_display().lower(),
                "new": Registration.Status(status).label.lower(),
            }
        )
    registration.status = status
    if status == Registration.Status.CANCELLED:
        registration.cancelled_at = now
    else:
        registration.cancelled_at = None
        registration.confirmed_at = now if status == Registration.Status.CONFIRMED else None


def _fill_free_seats(webinar: Webinar) -> list[Registration]:
    """Give free seats to the first on the waiting list. The caller holds the webinar's row lock."""
    if not rules.webinar_is_open_for_registration(webinar):
        return []
    waiting = (
        Registration.objects.select_for_update()
        .filter(webinar=webinar, status=Registration.Status.WAITLISTED)
        .order_by("queued_at", "id")
    )
    left = selectors.seats_left(webinar)
    if left is not None:
        if left <= 0:
            return []
        waiting = waiting[:left]
    promoted = list(waiting)
    now = timezone.now()
    for registration in promoted:
        _move_registration(registration, Registration.Status.CONFIRMED, now=now)
        registration.save(update_fields=["status", "confirmed_at", "cancelled_at"])
        write_audit(actor=None, action=AuditAction.WEBINAR_REGISTRATION_PROMOTED, obj=registration)
        _queue_mail(registration, "promoted")
    return promoted


def cancel_registration(*, registration: Registration, by: User | None = None) -> Registration:
    """Cancel a registration (through the personal link, or by a portal admin).

    The rule is `rules.registration_can_be_cancelled`: not cancelled already, and the webinar is still open
    for registration (published, not started). If it held a seat, the first on the waiting list gets it and
    is mailed — once, also when several cancel at the same moment (the webinar row is locked).
    Side effects: audit rows, a mail to the person who cancelled and to the promoted one, after commit.
    """
    with transaction.atomic():
        webinar = Webinar.objects.select_for_update().get(pk=registration.webinar_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        registration.webinar = webinar
        if not rules.registration_can_be_cancelled(registration):
            if registration.is_cancelled:
                raise InvalidTransition(_("This registration is already cancelled."))
            if webinar.is_cancelled:
                raise InvalidTransition(_("The webinar is cancelled; the registrations lapsed with it."))
            raise InvalidTransition(_("The webinar has already started; the registration can no longer be cancelled."))
        held_seat = registration.is_confirmed
        _move_registration(registration, Registration.Status.CANCELLED, now=timezone.now())
        registration.save(update_fields=["status", "cancelled_at"])
        write_audit(actor=by, action=AuditAction.WEBINAR_REGISTRATION_CANCELLED, obj=registration)
        _queue_mail(registration, "cancelled")
        if held_seat:
            _fill_free_seats(webinar)
    return registration


# Mails ----------------------------------------------------------------------------------------------------------

MAIL_TEMPLATES = {
    "confirmed": "webinars/mail/registration_confirmed",
    "waitlisted": "webinars/mail/registration_waitlisted",
    "promoted": "webinars/mail/registration_promoted",
    "already_registered": "webinars/mail/already_registered",
    "cancelled": "webinars/mail/registration_cancelled",
    "reminder": "webinars/mail/reminder",
    "webinar_cancelled": "webinars/mail/webinar_cancelled",
    "recording": "webinars/mail/recording_published",
    "rescheduled": "webinars/mail/webinar_rescheduled",
}
# Mails that carry the personal calendar file (to a confirmed registrant only).
WITH_ICS = {"confirmed", "promoted", "reminder", "already_registered", "rescheduled"}
# Mails to every registrant about a change of the webinar (notify_registrants): queued once per registrant and
# change (the webinar's sequence), however often the job that queues them runs.
ONCE_PER_CHANGE = {"webinar_cancelled", "rescheduled", "recording"}


def personal_link(registration: Registration) -> str:
    return settings.SITE_URL + reverse("webinars:registration", args=[selectors.registration_token(registration)])


def send_registration_mail(*, registration: Registration, kind: str) -> int:
    """Queue one of the registrant's mails (see MAIL_TEMPLATES), rendered in the registrant's language.

    The join link is only put in mails to a confirmed registrant. A mail of ONCE_PER_CHANGE is queued once
    per registrant and webinar sequence. Side effects: a `portal.models.Mail` row and its job (portal/mail.py).
    Returns the number of mails queued.
    """
    webinar = registration.webinar
    confirmed = registration.is_confirmed
    context = {
        "registration": registration,
        "webinar": webinar,
        "speakers": list(webinar.speakers.all()),
        "personal_link": personal_link(registration) if not registration.is_cancelled else "",
        "join_url": webinar.join_url if confirmed else "",
        "webinar_link": settings.SITE_URL + reverse("webinars:detail", args=[webinar.pk]),
    }
    attachments = None
    if kind in WITH_ICS and confirmed:  # the calendar file is for a seat, as on the personal page
        attachments = [("webinar.ics", ics.registration_ics(registration), "text/calendar; charset=utf-8")]
    return send_mail_to(
        [Recipient(email=registration.email, language=registration.language)],
        template=MAIL_TEMPLATES[kind],
        context=context,
        attachments=attachments,
        key=f"webinars.{kind}:{registration.pk}:{webinar.sequence}" if kind in ONCE_PER_CHANGE else None,
    )


def notify_registrants(*, webinar: Webinar, kind: str) -> int:
    """Mail everyone registered (confirmed or waiting) about the webinar's cancellation, new time or recording.

    Each mail is its own row and job (portal/mail.py), so a send that fails is retried for that registrant
    alone; a mail already queued for a registrant and this change is not queued again (a rerun of this job
    mails nobody twice). Side effects: one queued mail per registrant. Returns the number queued.
    """
    registrations = webinar.registrations.filter(
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    ).select_related("webinar")
    return sum(send_registration_mail(registration=registration, kind=kind) for registration in registrations)


def due_reminders(*, now: datetime | None = None) -> list[int]:
    """Ids of confirmed registrations for published webinars starting within 24 hours that have had no reminder."""
    now = now or timezone.now()
    return list(
        Registration.objects.filter(
            status=Registration.Status.CONFIRMED,
            reminder_sent_at__isnull=True,
            webinar__status=Webinar.Status.PUBLISHED,
            webinar__starts_at__gt=now,
            webinar__starts_at__lte=now + REMINDER_LEAD,
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def send_reminder(*, registration_id: int) -> bool:
    """Send the reminder of one registration, exactly once.

    The registration is claimed with one conditional UPDATE (… WHERE
    reminder_sent_at IS NULL); a second run, or a second worker, updates no row
    and sends nothing. The mail is queued inside the claiming transaction
    (portal/mail.py), so the claim and the mail are committed together, and a
    failure before the commit releases the claim for the next run.
    Returns whether a reminder was sent.
    """
    with transaction.atomic():
        # Only the row's own columns in the WHERE: a condition on the webinar would make Django write
        # "WHERE id IN (subquery)", which PostgreSQL does not re-check after waiting for a concurrent claim.
        claimed = Registration.objects.filter(
            pk=registration_id,
            reminder_sent_at__isnull=True,
            status=Registration.Status.CONFIRMED,
        ).update(reminder_sent_at=timezone.now())
        if not claimed:
            return False
        registration = Registration.objects.select_related("webinar").get(pk=registration_id)
        if not registration.webinar.is_published:
            transaction.set_rollback(True)
            return False
        send_registration_mail(registration=registration, kind="reminder")
    return True


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Send every reminder that is due. Safe to run twice or in parallel. Returns the number sent.

    A reminder whose mail fails (e.g. an address the mail server refuses) is logged and tried again
    next run; it does not hold up the reminders after it.
    """
    sent = 0
    for pk in due_reminders(now=now):
        try:
            sent += send_reminder(registration_id=pk)
        except Exception:
            logger.exception("The reminder of webinar registration #%s failed; it is tried again next run.", pk)
    return sent


def anonymise_old_registrations(*, now: datetime | None = None) -> int:
    """Remove names, addresses and organisations of registrants of webinars that ended long ago.

    The rows stay (for the counts); only the personal data goes. Audit rows are not touched: they never
    held any (registrations are `register_personal` in portal.audit).
    Safe to run again.
    Side effects: one audit row per webinar concerned. Returns the number of registrations anonymised.
    """
    now = now or timezone.now()
    days = getattr(settings, "WEBINARS_REGISTRATION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    old = Registration.objects.filter(anonymised_at__isnull=True, webinar__ends_at__lt=now - timedelta(days=days))
    total = 0
    for webinar_id in old.values_list("webinar_id", flat=True).distinct().order_by():
        with transaction.atomic():
            webinar = Webinar.objects.select_for_update().get(pk=webinar_id)
            rows = list(webinar.registrations.select_for_update().filter(anonymised_at__isnull=True))
            for registration in rows:
                registration.name = ""
                registration.email = f"removed-{registration.pk}@invalid"
                registration.organisation = ""
                registration.user = None
                registration.anonymised_at = now
            Registration.objects.bulk_update(rows, ["name", "email", "organisation", "user", "anonymised_at"])
            write_audit(
                actor=None,
                action=AuditAction.WEBINAR_REGISTRATIONS_ANONYMISED,
                obj=webinar,
                details={"count": len(rows)},
            )
            total += len(rows)
    return total
