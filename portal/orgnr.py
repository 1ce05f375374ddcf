"""Swedish organisation numbers (organisationsnummer)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# [0-9], not \d: \d (and str.isdigit) also accept Arabic-Indic, full-width and other Unicode digits.
_PATTERN = re.compile(r"^([0-9]{6})-?([0-9]{4})$", re.ASCII)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def normalise_org_number(value: str) -> str:
    """Return the number as NNNNNN-NNNN, or raise ValidationError saying what is wrong."""
    match = _PATTERN.fullmatch((value or "").strip().replace(" ", ""))
    if not match:
        raise ValidationError(_("Write the organisation number as NNNNNN-NNNN or as ten digits."), code="format")
    digits = match.group(1) + match.group(2)
    if int(digits[2:4]) < 20:
        raise ValidationError(
            _("This is not an organisation number: its third and fourth digits must be 20 or more."),
            code="not_organisation",
        )
    if not luhn_ok(digits):
        raise ValidationError(_("The check digit does not match; check the number for typos."), code="checksum")
    return f"{digits[:6]}-{digits[6:]}"
