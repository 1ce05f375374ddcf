"""`{% form_fields form %}`: the same HTML as `includes/form.html`; kept per language only for unbound forms that
declare they render the same for everyone."""

import pytest
from django import forms
from django.template.loader import get_template
from django.utils import translation

from portal.templatetags import form_marks
from projects.forms import QuestionForm


def _included(form) -> str:
    return get_template("includes/form.html").render({"form": form})


@pytest.fixture(autouse=True)
def _fresh():
    form_marks._unbound_html.clear()
    yield
    form_marks._unbound_html.clear()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_an_unbound_question_form_is_rendered_once_per_language(language):
    with translation.override(language):
        first = form_marks.form_fields(QuestionForm())
        assert first == _included(QuestionForm())
        assert 'name="text"' in first
        assert list(form_marks._unbound_html) == [("projects.forms.QuestionForm:None", language)]
        assert form_marks.form_fields(QuestionForm()) == first


def test_the_languages_are_kept_apart():
    with translation.override("sv"):
        swedish = form_marks.form_fields(QuestionForm())
    with translation.override("en"):
        english = form_marks.form_fields(QuestionForm())
    assert swedish != english
    assert "Your question" in english and "Your question" not in swedish


def test_a_bound_form_with_errors_and_a_form_with_initial_values_are_never_kept():
    bound = QuestionForm({"text": ""})
    assert not bound.is_valid()
    html = form_marks.form_fields(bound)
    assert html == _included(bound) and "error-summary" in html
    assert form_marks.form_fields(QuestionForm(initial={"text": "Min fråga"})).count("Min fråga") == 1
    assert form_marks._unbound_html == {}


def test_a_form_that_does_not_declare_it_is_always_rendered():
    class NameForm(forms.Form):
        name = forms.CharField()

    assert form_marks.form_fields(NameForm()) == _included(NameForm())
    assert form_marks._unbound_html == {}
