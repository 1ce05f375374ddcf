"""`{% csrf_token %}` that also says which organisation the page was rendered for.

Loaded as a builtin (settings TEMPLATES OPTIONS "builtins"), so it replaces Django's tag in every
template, the Django admin's and allauth's included. Next to the CSRF input it renders
`<input type="hidden" name="acting_for" value="<organisation id>">` when the user acts for an
organisation; `ActiveOrganisationMiddleware` refuses a POST whose value is no longer the
organisation the session acts for (switched in another tab, or left).
"""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

register = template.Library()

ACTING_FOR_FIELD = "acting_for"


class ActingForCsrfTokenNode(CsrfTokenNode):
    def render(self, context):
        csrf_input = super().render(context)
        request = context.get("request")
        organisation = getattr(getattr(request, "user", None), "active_organisation", None)
        if not csrf_input or organisation is None:
            return csrf_input
        return format_html(
            '{}<input type="hidden" name="{}" value="{}">', csrf_input, ACTING_FOR_FIELD, organisation.pk
        )


@register.tag
def csrf_token(parser, token):
    return ActingForCsrfTokenNode()
