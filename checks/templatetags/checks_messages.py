"""`{% messages_panel application %}`: the thread, the completion deadline and (staff) the changes."""

from django import template

from ..messages.views import panel_context

register = template.Library()


@register.inclusion_tag("checks/messages/panel.html", takes_context=True)
def messages_panel(context, application):
    return panel_context(context["request"], application)
