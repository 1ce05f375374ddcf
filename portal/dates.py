"""The range of dates a user may enter, in one place.

Every date and date-time typed into a form (a call's opening, a webinar's start, a grant call's days, an
application's period, a need's planned start) must lie between `EARLIEST` and `LATEST`, both inclusive, in
Swedish time. Far-off years are never meant and some break things: `0001-01-01T00:30` in Stockholm (local mean
time, +01:12) is a moment in 1 BC, which PostgreSQL stores but Python cannot read back, so every page showing the
row would fail. The model fields carry `validate_date_in_range` (so every ModelForm and the Django admin check
it); services check again with `portal.services.require_dates_in_range`.
"""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def local_date(value: date | datetime) -> date:
    """The calendar day of a date or date-time in the current time zone (Swedish time)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            try:
                value = timezone.localtime(value)
            except (OverflowError, ValueError):
                # Year 1 or 9999 cannot be moved to another zone; such a value is out of range anyway.
                pass
        return value.date()
    return value


def is_in_range(value: date | datetime | None) -> bool:
    return value is None or EARLIEST <= local_date(value) <= LATEST


def out_of_range_message() -> str:
    return _("Enter a date from %(earliest)s to %(latest)s.") % {
        "earliest": EARLIEST.isoformat(),
        "latest": LATEST.isoformat(),
    }


def validate_date_in_range(value: date | datetime | None) -> None:
    """Model-field validator: a date or date-time outside EARLIEST–LATEST is a field error."""
    if not is_in_range(value):
        raise ValidationError(out_of_range_message(), code="date_out_of_range")


class DateRangeFormMixin:
    """For forms with dates: each date and date-time field refuses values out of range before `clean()` compares
    them, and its date picker offers only days in range."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateTimeField):
                field.widget.attrs.update(min=f"{EARLIEST.isoformat()}T00:00", max=f"{LATEST.isoformat()}T23:59")
            elif isinstance(field, forms.DateField):
                field.widget.attrs.update(min=EARLIEST.isoformat(), max=LATEST.isoformat())
            else:
                continue
            if validate_date_in_range not in field.validators:
                field.validators.append(validate_date_in_range)
