"""`{{ value|html_datetime }}`: a moment for a `<time datetime>` attribute — ISO 8601 in local time, whole
seconds (HTML allows at most three digits of a fraction; `|date:'c'` writes six)."""

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def html_datetime(value) -> str:
    if not isinstance(value, datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
