"""Forms tell which fields must be filled in, and errors on groups are tied to the group (docs/accessibility.md).

WCAG 3.3.2: every form page of every role is walked (the role-access table); each field of each form the page
renders carries "(obligatoriskt)" in its label exactly when the field is required, "(krävs för att skicka in)"
exactly when a draft may leave it empty, and a form with markers explains them above its fields.
WCAG 1.3.1, 3.3.1, 2.4.3: a radio or checkbox group is a fieldset with a legend, each input is described by the
group's error, and the error summary links to the first input.
"""

import lxml.html
import pytest
from django import forms
from django.forms.formsets import BaseFormSet
from django.urls import reverse

from checks.models import Application
from portal.form_rendering import REQUIRED, REQUIRED_TO_SUBMIT, field_marker
from tests.access import ROLES, build_world
from tests.checks.factories import make_application
from tests.factories import make_company_user, make_handler
from tests.projects.factories import CallFactory
from tests.test_role_access import _cases
from tests.webinars.factories import WebinarFactory

MARKER = {REQUIRED: "(obligatoriskt)", REQUIRED_TO_SUBMIT: "(krävs för att skicka in)"}
NOTE = {
    REQUIRED: "Fält markerade med (obligatoriskt) måste fyllas i.",
    REQUIRED_TO_SUBMIT: "Fält markerade med (krävs för att skicka in) kan lämnas tomma i ett utkast, men måste fyllas "
    "i innan du skickar in.",
}
# Fields each role's pages show (a floor, so that a change that hides the forms from this test is noticed).
MIN_FIELDS = {"anonymous": 40, "buyer": 200, "company": 70, "handler": 100, "admin": 160, "unverified_buyer": 45}
NOT_HTML = ("download", "csv", "export", "ics", "calendar", "status", "letter", "json", "healthz", "readyz")


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _label_text(tree, field) -> str | None:
    """The text of the label (or, for a group, the legend) the page shows for a bound field; None if not shown."""
    if field.use_fieldset:
        first = tree.get_element_by_id(field.anchor_id, None)
        if first is None:
            return None
        fieldset = next(first.iterancestors("fieldset"), None)
        legend = fieldset.find("legend") if fieldset is not None else None
        return _text(legend) if legend is not None else ""
    if tree.get_element_by_id(field.id_for_label, None) is None:
        return None
    labels = tree.xpath("//label[@for=$id]", id=field.id_for_label)
    return " ".join(_text(label) for label in labels)


def _forms_in(response):
    contexts = response.context if isinstance(response.context, list) else [response.context]
    seen = set()
    for context in contexts:
        if context is None:
            continue
        for value in context.flatten().values():
            found = value.forms if isinstance(value, BaseFormSet) else [value]
            for form in found:
                if isinstance(form, forms.BaseForm) and id(form) not in seen:
                    seen.add(id(form))
                    yield form


def _problems(path, response) -> tuple[list[str], int]:
    """What is wrong with the page's markers, and how many fields were checked."""
    problems, checked = [], 0
    tree = lxml.html.fromstring(response.content.decode())
    for form in _forms_in(response):
        for field in form.visible_fields():
            if not field.label or not field.auto_id:
                continue
            text = _label_text(tree, field)
            if text is None:  # the page does not show this field
                continue
            if field.use_fieldset and not text:
                problems.append(f"{path}: {type(form).__name__}.{field.name} is a group without a legend")
            expected = field_marker(field)
            checked += 1
            for kind, marker in MARKER.items():
                if (marker in text) != (expected == kind):
                    problems.append(f"{path}: {type(form).__name__}.{field.name} label {text!r}, expected {expected}")
    # An input the browser announces as required says so in its label too.
    for element in tree.xpath("//*[self::input or self::select or self::textarea][@required and not(@disabled)]"):
        checked += 1
        if element.get("type") == "radio":
            fieldset = next(element.iterancestors("fieldset"), None)
            text = _text(fieldset.find("legend")) if fieldset is not None else ""
        else:
            text = " ".join(_text(label) for label in tree.xpath("//label[@for=$id]", id=element.get("id") or ""))
        if MARKER[REQUIRED] not in text:
            problems.append(f"{path}: required {element.get('name')} has the label {text!r}")
    # A form with markers explains them above its fields.
    for form in tree.xpath("//form"):
        notes = " ".join(_text(note) for note in form.xpath(".//*[contains(@class, 'required-note')]"))
        for kind in MARKER:
            if form.xpath(".//span[@class='field-marker' and normalize-space()=$m]", m=MARKER[kind]):
                if NOTE[kind] not in notes:
                    problems.append(f"{path}: a form marks {MARKER[kind]} without saying what it means")
    return problems, checked


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_form_marks_exactly_its_required_fields(client, role):
    world = build_world()
    if world[role] is not None:
        client.force_login(world[role])
    problems, fields_checked = [], 0
    for case in _cases(world):
        if case.method != "get" or case.expected_for(role) != 200:
            continue
        if any(word in f"{case.name} {case.query}".lower() for word in NOT_HTML):
            continue
        path = reverse(case.name, kwargs=case.kwargs) + (f"?{case.query}" if case.query else "")
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page_problems, checked = _problems(path, response)
        problems += page_problems
        fields_checked += checked
    assert fields_checked > MIN_FIELDS[role], f"only {fields_checked} fields checked as {role}"
    assert not problems, "\n".join(sorted(set(problems)))


# --- the markers on two forms, read as a person would --------------------------------------------------------------


def _labels(page: str) -> dict[str, str]:
    tree = lxml.html.fromstring(page)
    return {label.get("for"): _text(label) for label in tree.xpath("//label[@for]")}


@pytest.mark.django_db
def test_webinar_registration_marks_name_and_email_but_not_the_organisation(client):
    page = client.get(reverse("webinars:detail", args=[WebinarFactory().pk])).content.decode()

    labels = _labels(page)
    assert labels["id_name"] == "Namn (obligatoriskt)"
    assert labels["id_email"] == "E-postadress (obligatoriskt)"
    assert labels["id_organisation"] == "Organisation"
    assert NOTE[REQUIRED] in page


@pytest.mark.django_db
def test_the_markers_are_in_english_on_english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(reverse("webinars:detail", args=[WebinarFactory().pk])).content.decode()

    labels = _labels(page)
    assert (labels["id_name"], labels["id_organisation"]) == ("Name (required)", "Organisation")
    assert "Fields marked (required) must be filled in." in page


@pytest.mark.django_db
def test_a_response_marks_what_a_draft_may_leave_empty(client):
    call = CallFactory()
    client.force_login(make_company_user())

    page = client.get(reverse("projects:response_edit", args=[call.pk])).content.decode()

    labels = _labels(page)
    assert labels["id_summary"].endswith(" (krävs för att skicka in)")
    assert labels["id_trl"].endswith(" (krävs för att skicka in)")
    assert "(" not in labels["id_description"]
    assert NOTE[REQUIRED_TO_SUBMIT] in page


# --- a radio group with an error -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_error_on_a_radio_group_is_tied_to_the_group_and_its_inputs(client):
    application = make_application(state=Application.State.IN_REVIEW)
    client.force_login(make_handler())

    response = client.post(reverse("checks:propose", args=[application.pk]), {"reasoning": "Bra"})

    assert response.status_code == 400
    tree = lxml.html.fromstring(response.content.decode())
    summary_links = [a.get("href") for a in tree.xpath("//*[@data-error-summary]//a")]
    assert summary_links == ["#id_outcome_0"]  # an input that takes focus, not the group's <div id="id_outcome">
    first = tree.get_element_by_id("id_outcome_0")
    assert (first.tag, first.get("type")) == ("input", "radio")
    fieldset = next(first.iterancestors("fieldset"))
    assert _text(fieldset.find("legend")) == "Beslut (obligatoriskt)"
    error = fieldset.xpath(".//*[@id='id_outcome_error']")[0]
    assert _text(error) == "Detta fält måste fyllas i."
    radios = fieldset.xpath(".//input[@type='radio']")
    assert len(radios) == 2
    assert all(radio.get("aria-describedby") == "id_outcome_error" for radio in radios)
    assert all(radio.get("aria-invalid") == "true" for radio in radios)


def test_an_error_summary_links_to_an_element_that_takes_focus():
    class Form(forms.Form):
        themes = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)
        starts = forms.SplitDateTimeField()
        title = forms.CharField()

    form = Form(data={})

    assert [form[name].anchor_id for name in ("themes", "starts", "title")] == [
        "id_themes_0",
        "id_starts_0",
        "id_title",
    ]
    assert form["themes"].subwidgets[1].data["attrs"]["aria-describedby"] == "id_themes_error"


def test_the_forms_label_suffix_comes_before_the_marker_never_after_it():
    """A form that keeps Django's colon: "Namn: (obligatoriskt)", and no colon after a question mark."""
    from django import forms as django_forms
    from django.utils import translation

    class Form(django_forms.Form):
        name = django_forms.CharField(label="Namn")
        why = django_forms.CharField(label="Varför?")
        note = django_forms.CharField(label="Notering", required=False)

    form = Form()
    with translation.override("sv"):
        assert form["name"].label_tag() == (
            '<label for="id_name">Namn: <span class="field-marker">(obligatoriskt)</span></label>'
        )
        assert form["why"].label_tag() == (
            '<label for="id_why">Varför? <span class="field-marker">(obligatoriskt)</span></label>'
        )
        assert form["note"].label_tag() == '<label for="id_note">Notering:</label>'
