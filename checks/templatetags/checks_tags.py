from django import template

from portal.amounts import format_sek

register = template.Library()


@register.filter
def sek(value):
    """200000 → "200 000 kr" (Swedish grouping with non-breaking spaces): portal.amounts.format_sek."""
    return format_sek(value)
