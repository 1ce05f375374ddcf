"""Language of parts (WCAG 3.1.2, PDF/UA-1 7.2): mark text written in another language than the page's.

A need's or call's text is written in one language (its `language`, Swedish unless the author chose English);
organisation names are Swedish. On a page (or PDF) in the other language that text carries `lang`, so a
screen reader reads it with the right voice and hyphenation follows the right rules:

    {% load language_parts %}
    <p{{ need|lang_attr }}>{{ need.summary }}</p>         -> <p lang="sv"> on an English page, <p> on a Swedish one
    {{ organisation.name|in_lang:"sv" }}                   -> <span lang="sv">Region Norr</span> on an English page
    {{ call.title|in_lang:call }}                          -> the call's own language

The one way for every page and PDF that shows such text.
"""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()

DEFAULT_CONTENT_LANGUAGE = "sv"


def content_language(value) -> str:
    """The language of a text's source: a language code, or an object with a `language` (default Swedish)."""
    if isinstance(value, str) and value:
        return value
    return getattr(value, "language", "") or DEFAULT_CONTENT_LANGUAGE


def _page_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def differs(value) -> bool:
    return content_language(value).split("-")[0] != _page_language()


@register.filter
def lang_attr(value) -> str:
    """` lang="xx"` for an element holding the text of `value` when its language is not the page's; else ""."""
    if not differs(value):
        return ""
    return format_html(' lang="{}"', content_language(value))


@register.filter
def in_lang(text, value=DEFAULT_CONTENT_LANGUAGE) -> str:
    """The text, escaped, in a `<span lang>` when its language (code or object) is not the page's."""
    if text in (None, ""):
        return text
    if not differs(value):
        return text if hasattr(text, "__html__") else format_html("{}", text)
    return format_html('<span lang="{}">{}</span>', content_language(value), text)
