"""Showing a secret so that a person can read and type it: `{{ secret|groups_of:4 }}`."""

from django import template

register = template.Library()


@register.filter
def groups_of(value, size: int = 4) -> list[str]:
    """The text cut into groups of `size` characters (the last may be shorter)."""
    text = str(value or "")
    size = max(int(size), 1)
    return [text[start : start + size] for start in range(0, len(text), size)]
