from django import template

from ..decision_support.selectors import documents_panel

register = template.Library()


@register.simple_tag(takes_context=True)
def decision_documents_panel(context, need):
    """The documents panel's data for the need page, or None when the user may not see it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or need is None or not user.has_perm("projects.view_decision_documents", need):
        return None
    return {
        **documents_panel(need),
        "can_order": user.has_perm("projects.order_decision_document", need),
        "return_to": context.get("return_to") or request.get_full_path(),
    }
