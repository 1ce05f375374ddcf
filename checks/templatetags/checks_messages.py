"""`{% messages_panel application %}`: the thread, the completion deadline and (staff) the changes."""

from django import template

from ..messages.views import panel_context

register = template.Library()


@register.inclusion_tag("checks/messages/panel.html", takes_context=True)
def messages_panel(context, application):
    # The page's history (a queryset the page shows later): read here once, the page reuses the rows.
    return panel_context(context["request"], application, history=context.get("history"))
