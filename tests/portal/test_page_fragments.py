"""`{% fragment %}` and portal.cache.PageFragments: a page's cached parts, read with their generation in one round
trip to the shared cache, rendered again exactly when the rows they show are written."""

from datetime import timedelta

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone, translation

from portal import cache as page_cache
from portal.cache import PageFragments
from tests.projects.factories import CallFactory, NeedFactory, QuestionFactory
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db

ENGINE = Engine(libraries={"fragments": "portal.templatetags.fragments"})


class Counter:
    """A value the template reads while a fragment is rendered: how often it was rendered."""

    def __init__(self):
        self.renders = 0

    def __str__(self):
        self.renders += 1
        return f"rendered {self.renders}"


class CountingCache:
    """The shared cache as portal.cache uses it, with its round trips counted."""

    def __init__(self, cache):
        self.cache = cache
        self.calls = []

    def __getattr__(self, name):
        method = getattr(self.cache, name)

        def counted(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def counting_cache(monkeypatch):
    counting = CountingCache(page_cache.cache)
    monkeypatch.setattr(page_cache, "cache", counting)
    return counting


def _render(fragments, counter, source='{% load fragments %}<{% fragment "part" %}{{ counter }}{% endfragment %}>'):
    return ENGINE.from_string(source).render(Context({"page_fragments": fragments, "counter": counter}))


def _page(pk=1, families=("needs", "organisations")):
    return PageFragments(families, {"part": pk}, 60)


def test_a_fragment_is_rendered_once_and_then_read_from_the_cache():
    counter = Counter()
    assert _render(_page(), counter) == "<rendered 1>"
    assert _render(_page(), counter) == "<rendered 1>"
    assert counter.renders == 1


def test_what_a_fragment_depends_on_and_the_language_are_in_its_key():
    counter = Counter()
    _render(_page(1), counter)
    assert _render(_page(2), counter) == "<rendered 2>"
    with translation.override("en"):
        assert _render(_page(1), counter) == "<rendered 3>"
        assert _render(_page(1), counter) == "<rendered 3>"
    assert _render(_page(1), counter) == "<rendered 1>"


def test_a_write_of_its_families_renders_it_again_and_any_other_write_does_not():
    counter = Counter()
    need = NeedFactory()
    _render(_page(), counter)

    WebinarFactory()
    assert _render(_page(), counter) == "<rendered 1>"

    need.title = "Ändrad rubrik"
    need.save()
    assert _render(_page(), counter) == "<rendered 2>"


def test_the_clock_passing_a_boundary_renders_it_again(monkeypatch):
    CallFactory(closes_at=timezone.now() + timedelta(hours=1))
    counter = Counter()
    _render(_page(), counter)
    assert _render(_page(), counter) == "<rendered 1>"
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _render(_page(), counter) == "<rendered 2>"


def test_a_fragment_stored_under_an_older_version_is_not_used():
    counter = Counter()
    _render(_page(), counter)
    key = _page()._key("part", translation.get_language())
    stored = page_cache.cache.get(key)
    page_cache.cache.set(key, {**stored, "version": "older", "html": "stale"})
    assert _render(_page(), counter) == "<rendered 2>"


def test_a_kept_value_is_computed_once_per_version_and_read_with_the_fragments(counting_cache):
    computed = []

    def count():
        computed.append(1)
        return len(computed) * 10

    assert _page().kept("part", count) == 10
    counting_cache.calls.clear()
    assert _page().kept("part", count) == 10
    assert counting_cache.calls == ["get_many"]  # with the generation, no round trip of its own
    key = _page()._key("part", translation.get_language())
    page_cache.cache.set(key, {**page_cache.cache.get(key), "version": "older"})
    assert _page().kept("part", count) == 20
    NeedFactory()
    assert _page().kept("part", count) == 30
    assert _page().kept("part", count) == 30
    assert _page().get("part") is None  # a value is not HTML


def test_every_fragment_of_a_page_comes_with_the_generation_in_one_round_trip(counting_cache):
    page = PageFragments(("needs",), {"first": 1, "second": 1}, 60)
    source = '{% load fragments %}{% fragment "first" %}a{% endfragment %}{% fragment "second" %}b{% endfragment %}'
    ENGINE.from_string(source).render(Context({"page_fragments": page}))
    counting_cache.calls.clear()

    page = PageFragments(("needs",), {"first": 1, "second": 1}, 60)
    assert ENGINE.from_string(source).render(Context({"page_fragments": page})) == "ab"
    assert counting_cache.calls == ["get_many"]


def test_a_fragment_the_view_did_not_name_is_refused():
    with pytest.raises(ValueError, match="names no fragment 'other'"):
        _render(_page(), Counter(), '{% load fragments %}{% fragment "other" %}x{% endfragment %}')


def test_a_fragment_without_page_fragments_is_refused():
    with pytest.raises(TemplateSyntaxError, match="page_fragments"):
        _render(None, Counter())
    with pytest.raises(TemplateSyntaxError, match="one argument"):
        ENGINE.from_string('{% load fragments %}{% fragment "a" "b" %}x{% endfragment %}')


def test_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="Unknown page families"):
        PageFragments(("nedds",), {"part": 1}, 60)


def test_what_a_fragment_shows_is_escaped_once():
    source = '{% load fragments %}{% fragment "part" %}{{ text }}{% endfragment %}'
    for _ in range(2):
        html = ENGINE.from_string(source).render(Context({"page_fragments": _page(), "text": "<b>&</b>"}))
        assert html == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_the_call_page_reads_its_fragments_with_the_generation_in_one_round_trip(
    client, uncached_pages, counting_cache
):
    call = CallFactory()
    QuestionFactory(call=call, published=True, answer="Ja, det går bra.")
    path = reverse("projects:call_detail", args=[call.pk])
    client.get("/healthz")  # the test's writes make their families stale again when a request ends: here
    first = page_cache.CSRF_INPUT_RE.sub(b"", client.get(path).content).decode()
    counting_cache.calls.clear()

    again = page_cache.CSRF_INPUT_RE.sub(b"", client.get(path).content).decode()

    assert again == first
    assert "Ja, det går bra." in again
    assert counting_cache.calls == ["get_many"]


def test_a_question_answered_shows_on_the_call_page_at_once(client, uncached_pages):
    call = CallFactory()
    path = reverse("projects:call_detail", args=[call.pk])
    client.get(path)
    QuestionFactory(call=call, published=True, answer="Svaret på frågan.")
    assert "Svaret på frågan." in client.get(path).content.decode()
