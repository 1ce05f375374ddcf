from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.choices import BaseChoiceIterator, BlankChoiceIterator
from django.utils.formats import localize
from django.utils.functional import lazy
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.dates import DateRangeFormMixin
from portal.files import AttachmentsField, KeepUploadsMixin
from portal.query import QueryFilterForm

from .cpv import format_codes, resolve_codes
from .cpv_divisions import DIVISIONS
from .models import (
    ANSWER_MAX_LENGTH,
    ANSWER_TOO_LONG,
    QUESTION_MAX_LENGTH,
    QUESTION_TOO_LONG,
    TRL_LEVELS,
    Call,
    Category,
    Conclusion,
    MarketGapAssessment,
    Need,
    Procedure,
    Response,
    Theme,
)
from .structured.forms import AnswersMixin, clean_questions_text, questions_help

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class CpvCodesField(forms.CharField):
    """CPV codes as text ("45000000-7, 72000000"): works as a plain field; JavaScript adds a search picker."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("CPV codes"))
        kwargs.setdefault(
            "help_text",
            _("One or more codes separated by commas, with or without the check digit, e.g. 45000000-7, 72000000."),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "data-cpv-picker": reverse_lazy("projects:cpv_search"),
                "autocomplete": "off",
                "spellcheck": "false",
                # The picker's own texts, translated here because the script has no catalogue of its own.
                "data-cpv-label": _("Search for a CPV code to add"),
                "data-cpv-one-result": _("1 result"),
                "data-cpv-results": _("{count} results"),
                "data-cpv-added": _("Added {code}"),
            }
        )

    def to_python(self, value):
        text = super().to_python(value)
        return resolve_codes(text) if text else []

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return format_codes(value)
        return value


def _marked_help(kind: str, text="") -> str:
    # Django renders a field's help text next to it and ties it to the field with aria-describedby, so the
    # marker is read with the field's label.
    marker = _("Public") if kind == "public" else _("Internal")
    if text:
        return format_html('<strong class="status visibility-{}">{}</strong> {}', kind, marker, text)
    return format_html('<strong class="status visibility-{}">{}</strong>', kind, marker)


marked_help = lazy(_marked_help, str)


def public_help(text="") -> str:
    """A field's help text marked "Public": what is typed is published on the web (lazy, translated when shown)."""
    return marked_help("public", text)


def internal_help(text="") -> str:
    """A field's help text marked "Internal": only the organisation sees it in the portal."""
    return marked_help("internal", text)


def mark_fields(form, kind: str, names=None) -> None:
    """Put the Public/Internal marker before the help text of the form's fields (all, or `names`)."""
    for name, field in form.fields.items():
        if names is None or name in names:
            field.help_text = marked_help(kind, field.help_text or "")


class NoSuffixMixin:
    """Labels without a trailing colon (screen readers and tests read the label as written)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _division_choices():
    swedish = (get_language() or "sv").startswith("sv")
    return [("", _("All"))] + [(code[:2], f"{code[:2]} {sv if swedish else en}") for code, _c, en, sv in DIVISIONS]


class ContentLanguageMixin:
    """The text's language (WCAG 3.1.2): Swedish unless the author picks English; left out of a post, Swedish."""

    def _init_language(self):
        field = self.fields["language"]
        field.required = False
        field.widget = forms.RadioSelect(choices=field.choices)
        field.choices = [choice for choice in field.choices if choice[0]]

    def clean_language(self):
        return self.cleaned_data.get("language") or "sv"


class NeedForm(ContentLanguageMixin, NoSuffixMixin, DateRangeFormMixin, forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    cpv = CpvCodesField()

    class Meta:
        model = Need
        fields = [
            "title",
            "language",
            "summary",
            "problem",
            "desired_effects",
            "affected",
            "themes",
            "category",
            "cpv",
            "estimated_value",
            "planned_start",
            "stage",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "problem": forms.Textarea(attrs={"rows": 6}),
            "desired_effects": forms.Textarea(attrs={"rows": 4}),
            "affected": forms.Textarea(attrs={"rows": 3}),
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "estimated_value": _("In Swedish kronor, excluding VAT. Leave empty if not yet known."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "cpv" not in self.initial:
            self.initial["cpv"] = list(self.instance.cpv_codes.all())
        self.fields["estimated_value"].widget.attrs.setdefault("inputmode", "numeric")
        self._init_language()
        # Everything on the need's page is public once the need is published (the assessment is not here).
        mark_fields(self, "public")


SOURCE_FIELDS = {
    "desk_research": "source_desk_research",
    "rfi": "source_rfi",
    "suppliers": "source_suppliers",
}


class AssessmentForm(NoSuffixMixin, forms.ModelForm):
    sources = forms.MultipleChoiceField(
        label=_("Sources"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("desk_research", _("Desk research")),
            ("rfi", _("Request for information (RFI)")),
            ("suppliers", _("Suppliers consulted")),
        ],
    )
    trl = forms.TypedChoiceField(
        label=_("TRL estimate"),
        coerce=int,
        choices=[("", "—"), *TRL_LEVELS],
        help_text=MarketGapAssessment._meta.get_field("trl").help_text,
    )
    chosen_procedure = forms.ChoiceField(
        label=_("Chosen procedure"),
        required=False,
        choices=[("", _("The suggested procedure")), *Procedure.choices],
        help_text=_("Leave as suggested, or choose another and say why below."),
    )

    class Meta:
        model = MarketGapAssessment
        fields = [
            "conclusion",
            "evidence",
            "sources",
            "suppliers_consulted",
            "sources_notes",
            "trl",
            "risks",
            "chosen_procedure",
            "rationale",
            "public_summary",
            "publish_conclusion",
            "publish_trl",
        ]
        widgets = {
            "conclusion": forms.RadioSelect,
            "evidence": forms.Textarea(attrs={"rows": 5}),
            "sources_notes": forms.Textarea(attrs={"rows": 2}),
            "risks": forms.Textarea(attrs={"rows": 3}),
            "rationale": forms.Textarea(attrs={"rows": 3}),
            "public_summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "public_summary": _(
                "Written for the market: what you found and what you are looking for, without internal details. "
                "Shown on the need's page once the need is published; leave empty to publish nothing."
            ),
            "publish_conclusion": _("Shows the conclusion above on the need's page once the need is published."),
            "publish_trl": _("Shows the TRL estimate above on the need's page once the need is published."),
        }

    # What the buyer may publish of a version; every other field is internal.
    public_fields = ("public_summary", "publish_conclusion", "publish_trl")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conclusion"].choices = Conclusion.choices
        mark_fields(self, "internal", [name for name in self.fields if name not in self.public_fields])
        mark_fields(self, "public", self.public_fields)

    def internal_part(self):
        return [field for field in self.visible_fields() if field.name not in self.public_fields]

    def public_part(self):
        return [field for field in self.visible_fields() if field.name in self.public_fields]

    def clean(self):
        from .procedures import suggest_procedure

        data = super().clean()
        chosen_sources = set(data.get("sources") or [])
        for choice, field in SOURCE_FIELDS.items():
            data[field] = choice in chosen_sources
        if data.get("source_suppliers") and not data.get("suppliers_consulted"):
            self.add_error("suppliers_consulted", _("Say how many suppliers you consulted."))
        if data.get("conclusion") and data.get("trl"):
            suggestion = suggest_procedure(conclusion=data["conclusion"], trl=data["trl"])
            self.suggestion = suggestion
            chosen = data.get("chosen_procedure")
            if chosen and chosen != suggestion.procedure and not (data.get("rationale") or "").strip():
                self.add_error("rationale", _("You chose another procedure than the suggested one: say why."))
        return data


class CallForm(KeepUploadsMixin, ContentLanguageMixin, NoSuffixMixin, DateRangeFormMixin, forms.ModelForm):
    attachments = AttachmentsField(label=_("Attachments"))

    class Meta:
        model = Call
        fields = [
            "kind",
            "title",
            "language",
            "description",
            "questions_to_market",
            "opens_at",
            "closes_at",
            "verified_companies_only",
            "responses_sealed",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 6}),
            "questions_to_market": forms.Textarea(attrs={"rows": 5}),
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
        }
        help_texts = {
            "opens_at": _("Swedish time. The call opens at this time once you have published it."),
            "closes_at": _("Swedish time. Responses can be changed until this time."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        self.fields["kind"].choices = Call.Kind.choices
        self.fields["questions_to_market"].help_text = questions_help()
        self._init_language()
        # Everything on a published call is public: the call's page shows every field and attachment.
        mark_fields(self, "public")

    def clean_questions_to_market(self):
        return clean_questions_text(self.cleaned_data["questions_to_market"])

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The call must close after it opens."))
        return data


class CancelCallForm(NoSuffixMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Shown on the call page."),
    )


class ResponseForm(KeepUploadsMixin, AnswersMixin, NoSuffixMixin, forms.ModelForm):
    """A draft keeps whatever is filled in; `submitting` (the submit button) requires the summary and the TRL."""

    required_to_submit = ("summary", "trl")  # marked "(required to submit)" next to their labels

    trl = forms.TypedChoiceField(
        label=_("TRL of your solution"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—"), *TRL_LEVELS],
        help_text=Response._meta.get_field("trl").help_text,
    )
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args, submitting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting

    def clean(self):
        data = super().clean()
        if self.submitting:
            if not (data.get("summary") or "").strip() and "summary" not in self.errors:
                self.add_error("summary", _("Write a summary of your solution before you submit the response."))
            if data.get("trl") is None and "trl" not in self.errors:
                self.add_error("trl", _("Choose the TRL of your solution before you submit the response."))
        return data

    class Meta:
        model = Response
        fields = ["summary", "description", "trl", "references", "price_indication"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "references": forms.Textarea(attrs={"rows": 3}),
        }


class QuestionForm(NoSuffixMixin, forms.Form):
    same_unbound_html = True  # portal.templatetags.form_marks.form_fields

    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=QUESTION_MAX_LENGTH,
        error_messages={"required": _("Write your question."), "max_length": QUESTION_TOO_LONG},
        help_text=public_help(
            _(
                "At most 2 000 characters. The buyer reviews the question first; it is published with its answer "
                "for every company, without your company's name."
            )
        ),
    )


def _answer_field():
    return forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=ANSWER_MAX_LENGTH,
        error_messages={"required": _("Write an answer."), "max_length": ANSWER_TOO_LONG},
        help_text=_("At most 8 000 characters."),
    )


class AnswerForm(NoSuffixMixin, forms.Form):
    """The buyer's moderation of one question: its public wording (until it is published) and its answer."""

    public_text = forms.CharField(
        label=_("Public wording"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=QUESTION_MAX_LENGTH,
        error_messages={"required": _("Write the question as it is to be published."), "max_length": QUESTION_TOO_LONG},
        help_text=_(
            "The question as every company will read it. Remove anything that tells who asked, such as the "
            "company's name."
        ),
    )
    answer = _answer_field()

    def __init__(self, *args, question, **kwargs):
        kwargs.setdefault("initial", {"public_text": question.shown_text, "answer": question.answer})
        super().__init__(*args, **kwargs)
        if not question.wording_is_editable:
            self.fields["public_text"].disabled = True
            self.fields["public_text"].help_text = _("Published: the wording can no longer change.")


class RejectQuestionForm(NoSuffixMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Give a reason. It is mailed to the company that asked.")},
        help_text=_("Mailed to the company that asked. The question is never published."),
    )


class InterestProfileForm(NoSuffixMixin, forms.Form):
    cpv = CpvCodesField(
        help_text=_("A code also matches every code below it: 45000000 matches all construction work."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=500,
        help_text=_("Separate words with commas. A call matches if its title or description contains one."),
    )


def _widget_attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html renders: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif value is not False:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


class QuickSelect(forms.Select):
    """A `<select>` written in Python: the HTML of Django's select.html and select_option.html, character for
    character, without a template include per option. The catalogues' filters have hundreds of options (the
    organisations, the CPV divisions); through the templates they were most of a catalogue page's time
    (docs/performance.md, issue 20). tests/projects/test_catalogue_fragments.py compares both renderings.

    The process also keeps the last RENDERED_SIZE selects it rendered, keyed by everything the HTML is made of (the
    language, name, value, attributes and the options' values and labels as text), so that the organisations'
    select of a catalogue page is written once per process while its options stay the same."""

    RENDERED_SIZE = 256
    _rendered: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        choices = self.choices
        if not isinstance(choices, list) or any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        final_attrs = self.build_attrs(self.attrs, attrs)
        key = (
            get_language(),
            name,
            tuple(self.format_value(value)),
            tuple((str(k), str(v)) for k, v in final_attrs.items()),
            tuple((str(option), str(label)) for option, label in choices),
        )
        html = self._rendered.get(key)
        if html is None:
            html = super().render(name, value, attrs, renderer)
            if len(self._rendered) >= self.RENDERED_SIZE:
                self._rendered.clear()
            self._rendered[key] = html
        return html

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_widget_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(option["value"])}"{_widget_attrs(option["attrs"])}>'
                    f"{conditional_escape(localize(option['label']))}</option>\n"  # select_option.html's last line
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class KeptOptions(BaseChoiceIterator):
    """A filter's options as (pk, name), made once where they are kept (catalogue.publisher_choices) and used by
    every form after: Django normalizes a list of choices each time it is set on a field, which for the catalogue's
    thousand organisations at scale 5 was a third of the page's time (docs/performance.md). `pks` is the set of
    their keys."""

    def __init__(self, options):
        self.options = tuple(options)
        self.pks = frozenset(pk for pk, _name in self.options)

    def __iter__(self):
        return iter(self.options)

    def __len__(self):
        return len(self.options)


class _OrganisationFilterField(forms.ModelChoiceField):
    """The organisation filter. Given the options (`kept_pks`, from the cache: selectors.publishers() as the form's
    `organisation_choices`), a value is checked against them instead of a query: the same values pass (a primary
    key as `int()` reads it, one of the options) and the cleaned value is the primary key, not the row."""

    kept_pks: frozenset | None = None

    def to_python(self, value):
        if self.kept_pks is None or value in self.empty_values:
            return super().to_python(value)
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = None
        if pk not in self.kept_pks:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return pk


class _FilterForm(NoSuffixMixin, QueryFilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    theme = forms.ChoiceField(
        label=_("Theme"), required=False, choices=[("", _("All")), *Theme.choices], widget=QuickSelect
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *Category.choices], widget=QuickSelect
    )
    cpv_division = forms.ChoiceField(label=_("CPV division"), required=False, widget=QuickSelect)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All")), *Need.Stage.choices], widget=QuickSelect
    )
    organisation = _OrganisationFilterField(
        label=_("Organisation"), required=False, queryset=None, empty_label=_("All"), widget=QuickSelect
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, widget=QuickSelect)
    closing_label = _("Planned start")

    def __init__(self, *args, organisations=None, organisation_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cpv_division"].choices = _division_choices()
        self.fields["q"].widget.input_type = "search"
        self.fields["sort"].choices = [
            ("", _("Default order")),
            ("relevance", _("Relevance")),
            ("newest", _("Newest")),
            ("closing", self.closing_label),
        ]
        from portal.models import Organisation

        self.fields["organisation"].queryset = (
            organisations if organisations is not None else Organisation.objects.none()
        )
        if organisation_choices is not None:
            # The options of `organisations`, read from the cache (catalogue.publisher_choices): shown and checked
            # without a query.
            organisation = self.fields["organisation"]
            if not isinstance(organisation_choices, KeptOptions):
                organisation_choices = KeptOptions(organisation_choices)
            organisation.widget.choices = BlankChoiceIterator(organisation_choices, [("", organisation.empty_label)])
            organisation.kept_pks = organisation_choices.pks


class NeedFilterForm(_FilterForm):
    calls = forms.ChoiceField(
        label=_("Calls"),
        required=False,
        choices=[("", _("All")), ("open", _("With an open call")), ("closed", _("With a closed call"))],
        widget=QuickSelect,
    )


class CallFilterForm(_FilterForm):
    closing_label = _("Closing soonest")
    state = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("open", _("Open")),
            ("upcoming", _("Opening later")),
            ("closed", _("Closed")),
            ("cancelled", _("Cancelled")),
            ("all", _("All")),
        ],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Call.Kind.choices])
