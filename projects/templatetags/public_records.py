from django import template

from ..records import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def response_records_panel(context, response):
    """What a response page shows about public records and secrecy, per side; None when the user sees neither."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or response is None or not user.has_perm("projects.view_secrecy_markings", response):
        return None
    if user.has_perm("projects.release_response", response):
        markings = selectors.markings_of(response)
        return {
            "buyer": True,
            "markings": markings,
            "marked_parts": selectors.marked_parts(response, markings),
            "releases": selectors.releases_of(response),
        }
    return {
        "buyer": False,
        "markings": selectors.markings_of(response),
        "can_mark": user.has_perm("projects.mark_secrecy", response),
    }


@register.simple_tag(takes_context=True)
def response_form_markings(context, response):
    """The company's secrecy requests on its response, for the response form; [] before the response exists."""
    return selectors.markings_of(response) if response is not None and response.pk else []
