"""`{% fragment "name" %}…{% endfragment %}`: a part of a page cached for everyone who sees it, until a row it shows
is written (`portal.cache.PageFragments`, given to the template as `page_fragments` by the view, which names the
page's fragments and what each depends on).

All the fragments of a page come from the shared cache in one round trip, together with the generation of the
rows they show; a fragment not stored under the current version is rendered and stored.
"""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        fragments = context.get("page_fragments")
        if fragments is None:
            raise template.TemplateSyntaxError("{% fragment %} needs `page_fragments` (portal.cache.PageFragments).")
        name = self.name.resolve(context)
        html = fragments.get(name)
        if html is None:
            html = self.nodelist.render(context)
            fragments.put(name, html)
        return mark_safe(html)  # the template's own output, escaped as it was rendered


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes one argument: the fragment's name.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(parser.compile_filter(bits[1]), nodelist)
