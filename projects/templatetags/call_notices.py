"""Template tags for amendments and following (call page, response pages, notice mails)."""

from django import template

from ..amendments.selectors import amended_since_saved as _amended_since_saved
from ..amendments.selectors import call_amendments as _call_amendments
from ..following.services import stop_url

register = template.Library()


@register.simple_tag
def call_amendments(call):
    """The call's amendments and the marks on its file list (projects.amendments.selectors.CallAmendments)."""
    return _call_amendments(call)


@register.simple_tag
def amended_since_saved(response, known=None):
    """The latest amendment if it came after the response was last saved, else None (`known`: the call's
    amendments from `call_amendments`, where the page has them)."""
    return _amended_since_saved(response, known or None)


@register.simple_tag
def stop_notices_url(call, recipient):
    """The personal link in a notice that stops the notices about `call` to `recipient` (one click, no sign-in)."""
    return stop_url(call_id=call.pk, email=recipient.email)


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None
