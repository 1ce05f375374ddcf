"""`{% submission_token %}`: a hidden one-time token that makes a form's submission count once."""

from django import template
from django.utils.html import format_html

from ..submission import FIELD, new_token

register = template.Library()


@register.simple_tag
def submission_token():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
