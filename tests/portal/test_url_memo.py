"""`{% url %}` (portal.templatetags.url_memo, a builtin): what Django's tag gives, with the answers kept."""

import uuid

import pytest
from django.template import Context, Engine, engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from portal.templatetags import url_memo


@pytest.fixture(autouse=True)
def _fresh():
    url_memo._kept.clear()
    yield
    url_memo._kept.clear()
    set_script_prefix("/")


def _render(source, **context):
    return engines["django"].from_string(source).render(context)


def _django(source, **context):
    """The same template with Django's own tag (an engine without the builtin)."""
    return Engine(builtins=[]).from_string(source).render(Context(context))


@pytest.mark.parametrize(
    ("source", "context"),
    [
        ("{% url 'portal:home' %}", {}),
        ("{% url 'projects:call_detail' 4 %}", {}),
        ("{% url 'projects:call_detail' pk %}", {"pk": 12}),
        ("{% url 'projects:call_detail' pk=pk %}", {"pk": 12}),
        ("{% url 'projects:need_list' as needs %}<a href='{{ needs }}'>", {}),
        ("{% url 'portal:attachment_download' id %}", {"id": uuid.UUID(int=5)}),
        ("{% url 'portal:invitation_accept' token %}", {"token": "a&b<c"}),
    ],
)
def test_the_same_urls_as_djangos_tag_and_kept(source, context):
    ours = _render(source, **context)
    assert ours == _django(source, **context)
    assert url_memo._kept
    assert _render(source, **context) == ours  # from what was kept


def test_a_url_that_does_not_reverse_raises_or_is_empty_as_a_variable_and_is_not_kept():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'projects:call_detail' 'not-a-number' %}")
    assert _render("{% url 'no:such' as x %}[{{ x }}]") == "[]"
    assert url_memo._kept == {}


def test_the_script_prefix_is_part_of_the_key():
    assert _render("{% url 'portal:home' %}") == "/"
    set_script_prefix("/portal/")
    assert _render("{% url 'portal:home' %}") == "/portal/" == reverse("portal:home")


def test_a_model_instance_is_reversed_every_time():
    class Key:
        def __str__(self):
            return "7"

    assert _render("{% url 'projects:call_detail' key %}", key=Key()) == "/calls/7/"
    assert url_memo._kept == {}


@pytest.mark.django_db
def test_a_page_links_as_before(client, settings):
    settings.PUBLIC_PAGE_CACHE = False
    for _ in range(2):  # rendered with the answers reversed, then with the kept ones
        page = client.get(reverse("portal:home")).content.decode()
        for name in ("projects:need_list", "projects:call_list", "webinars:list", "portal:privacy"):
            assert f'href="{reverse(name)}"' in page
    assert any(key[0] == "projects:need_list" for key in url_memo._kept)
