from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def sek(value):
    """200000 → "200 000 kr" (Swedish grouping with non-breaking spaces)."""
    if value is None or value == "":
        return "–"
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    grouped = f"{number:,}".replace(",", "\u00a0")
    return _("%(amount)s SEK") % {"amount": grouped}
