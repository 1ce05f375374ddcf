"""The deadline as the response form tells it: the closing time, the time left and a warning when it is near."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import CallState

# Less time than this left: the form warns.
NEAR = timedelta(hours=24)


@dataclass
class Deadline:
    closes_at: datetime
    left: str  # "3 days 4 hours left", "" once passed
    near: bool
    passed: bool


def time_left(delta: timedelta) -> str:
    """`delta` in words, to the hour when a day or more is left, to the minute below that."""
    minutes = max(int(delta.total_seconds()) // 60, 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        parts = [ngettext("%(n)d day", "%(n)d days", days) % {"n": days}]
        if hours:
            parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    elif hours:
        parts = [ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}]
        if minutes:
            parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    elif minutes:
        parts = [ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}]
    else:
        return _("less than a minute left")
    return _("%(time)s left") % {"time": " ".join(parts)}


def deadline_of(call, now: datetime) -> Deadline:
    passed = call.closes_at <= now
    return Deadline(
        closes_at=call.closes_at,
        left="" if passed else time_left(call.closes_at - now),
        near=not passed and call.closes_at - now < NEAR,
        passed=passed,
    )


def refusal_for(call, now: datetime) -> str | None:
    """Why a response to `call` cannot be saved at `now` (None when it can): said so that the company knows its
    text is still in the form."""
    state = call.state_at(now)
    if state == CallState.OPEN:
        return None
    if state == CallState.CLOSED:
        closes = timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")
        return _(
            "The call closed at %(closes)s (Swedish time), so your response was neither saved nor submitted. "
            "Everything you wrote is still in the form below: copy it if you want to keep it. Files you chose "
            "were not stored."
        ) % {"closes": closes}
    return _(
        "The call is not open, so your response was neither saved nor submitted. Everything you wrote is still in "
        "the form below."
    )
