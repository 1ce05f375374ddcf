"""Amounts in Swedish kronor as people in Sweden type and read them.

Typed: "200 000", "200000", "200 000 kr", "200 000 SEK" (ordinary, non-breaking or narrow spaces between the
groups) are all 200000; anything else ("1,5", "12.5", "2e5", "-3") gets ONE clear error. The field is a text
input with `inputmode="numeric"`: a number input lets each browser read "1,5" or "200 000" in its own way
(one made 15 of "1,5"), and the browser's own message then contradicted the server's.

Shown: `format_sek(200000)` → "200 000 kr" with a non-breaking space between the groups, so the amount never
breaks over two lines (the template filter `sek` in checks_tags uses it). `format_decimal` writes a decimal
with a comma (CSV for Swedish Excel).
"""

import re
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Spaces people (and copy-paste from Word or a bank) put between groups of digits.
SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
# Digits, optionally grouped by spaces in threes, optionally followed by the currency.
AMOUNT = re.compile(r"^(\d{1,3}(?: \d{3})+|\d+)(?: ?(?:kr|kronor|sek|:-))?$", re.IGNORECASE)


def parse_amount(text) -> int | None:
    """The whole number of kronor in `text`; None for empty text; ValueError for anything that is not one."""
    if text is None:
        return None
    if isinstance(text, int):
        return text
    normalised = SPACES.sub(" ", str(text)).strip()
    if not normalised:
        return None
    match = AMOUNT.match(normalised)
    if match is None:
        raise ValueError(text)
    return int(match.group(1).replace(" ", ""))


def group_digits(number: int) -> str:
    """200000 → "200 000" (non-breaking spaces)."""
    return f"{number:,}".replace(",", "\u00a0")


def format_sek(value) -> str:
    """200000 → "200 000 kr"; None or "" → "–"; text that is not a number is returned as it is."""
    if value is None or value == "":
        return "–"
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    # Non-breaking throughout: "200 000 kr" never breaks over two lines.
    return (_("%(amount)s SEK") % {"amount": group_digits(number)}).replace(" ", "\u00a0")


def format_decimal(value, places: int = 2) -> str:
    """Decimal(3.5) → "3,50" (decimal comma, for Swedish spreadsheets); None → ""."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):.{places}f}".replace(".", ",")


class AmountInput(forms.TextInput):
    """A text input that opens the digit keyboard on phones and leaves the reading to the server."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return group_digits(value).replace("\u00a0", " ")
        return super().format_value(value)


class AmountField(forms.IntegerField):
    """A whole number of kronor typed the Swedish way (see the module); one error message for every mistake."""

    widget = AmountInput
    default_error_messages = {
        "invalid": gettext_lazy('Enter the amount in whole kronor, e.g. "200 000" or "200000".'),
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        kwargs.pop("step_size", None)
        super().__init__(**kwargs)
        # IntegerField adds validators and number-input attributes; ours are text, with our own messages.
        self.validators = [v for v in self.validators if not isinstance(v, (MinValueValidator, MaxValueValidator))]
        self.min_value, self.max_value = min_value, max_value

    def widget_attrs(self, widget):
        return {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            number = parse_amount(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return number

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(
                _("Enter at least %(amount)s.") % {"amount": format_sek(self.min_value)}, code="min_value"
            )
        if self.max_value is not None and value > self.max_value:
            raise forms.ValidationError(
                _("Enter at most %(amount)s.") % {"amount": format_sek(self.max_value)}, code="max_value"
            )
