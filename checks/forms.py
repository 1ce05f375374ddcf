from django import forms
from django.db.models import Q
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from portal.amounts import AmountField, format_sek
from portal.dates import DateRangeFormMixin
from portal.files import AttachmentsField, KeepUploadsMixin
from portal.models import User
from portal.query import QueryFilterForm
from portal.templatetags.language_parts import in_lang
from projects.forms import ContentLanguageMixin

from .models import Application, BudgetLine, Decision, FinalReport, GrantCall, HandlerSettings, Review
from .selectors import active_conflicts

INTERNAL = "internal"
MAX_SEK = 1_000_000_000  # far above any grant; keeps numbers inside the database column


class NoColon:
    """Labels without a trailing colon (the portal's style; browser tests find fields by their label)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class GrantCallForm(ContentLanguageMixin, NoColon, DateRangeFormMixin, forms.ModelForm):
    class Meta:
        model = GrantCall
        fields = [
            "name",
            "language",
            "reference_number",
            "theme",
            "description",
            "how_to_apply",
            "opens_on",
            "closes_on",
            "total_budget",
            "final_report_days",
            "appeal_text",
        ]
        widgets = {
            "opens_on": DATE,
            "closes_on": DATE,
            "description": forms.Textarea(attrs={"rows": 6}),
            "appeal_text": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"total_budget": AmountField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_language()
        # Left empty: the call keeps its number of days (60 for a new call).
        self.fields["final_report_days"].required = False

    def clean_final_report_days(self):
        return self.cleaned_data.get("final_report_days") or self.instance.final_report_days

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_on"), cleaned.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The call must close on or after the day it opens."))
        return cleaned


class TrackForm(NoColon, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Track name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    cap_one = AmountField(label=_("Cap, one external competence (SEK)"), min_value=1, max_value=MAX_SEK)
    cap_two_or_more = AmountField(
        label=_("Cap, two or more external competences (SEK)"),
        min_value=1,
        max_value=MAX_SEK,
        required=False,
        help_text=_("Leave empty if the cap is the same whatever the number of competences."),
    )
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=1000, initial=0)

    def clean(self):
        cleaned = super().clean()
        one, more = cleaned.get("cap_one"), cleaned.get("cap_two_or_more")
        if one and more and more < one:
            self.add_error("cap_two_or_more", _("The cap for two or more competences cannot be lower than for one."))
        return cleaned


class CriterionForm(NoColon, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Criterion"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, initial=1)
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=1000, initial=0)


# A posted row count is believed only up to MAX_ROWS: Django's default (2000 rows) let one forged request
# build and render thousands of rows. More rows than that is a form error.
MAX_ROWS = 30
ROW_LIMITS = {"max_num": MAX_ROWS, "absolute_max": MAX_ROWS, "validate_max": True}

TrackFormSet = forms.formset_factory(TrackForm, extra=1, can_delete=True, **ROW_LIMITS)
CriterionFormSet = forms.formset_factory(CriterionForm, extra=1, can_delete=True, **ROW_LIMITS)


def rows_from(formset) -> list[dict]:
    """Field dicts of a formset's filled-in rows, with `delete` set for rows marked for removal and `row` the
    form's index."""
    rows = []
    for index, form in enumerate(formset.forms):
        if not form.has_changed() and not form.cleaned_data.get("id"):
            continue
        data = dict(form.cleaned_data)
        data["delete"] = data.pop("DELETE", False)
        data["row"] = index  # where a service's refusal of this row is shown (services._row_field)
        if data.get("position") is None:
            data["position"] = 0
        rows.append(data)
    return rows


class ApplicationForm(ContentLanguageMixin, KeepUploadsMixin, NoColon, DateRangeFormMixin, forms.ModelForm):
    attachments = AttachmentsField(label=_("Attachments"))
    # A draft may leave these empty; selectors.missing_items lists them until they are filled in.
    required_to_submit = ("purpose", "background", "expected_results", "period_start", "period_end", "requested_amount")

    class Meta:
        model = Application
        fields = [
            "track",
            "need",
            "contact",
            "title",
            "language",
            "purpose",
            "background",
            "expected_results",
            "period_start",
            "period_end",
            "requested_amount",
        ]
        widgets = {
            "period_start": DATE,
            "period_end": DATE,
            "purpose": forms.Textarea(attrs={"rows": 4}),
            "background": forms.Textarea(attrs={"rows": 4}),
            "expected_results": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "requested_amount": _("Must equal the sum of the budget lines and stay within the track's cap."),
            "purpose": _("What the external expertise will help you find out or do."),
            "background": _("The need, and where you are in the procurement."),
        }

    def __init__(self, *args, call, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_language()
        self.fields["track"].queryset = call.tracks.all()
        self.fields["track"].empty_label = None
        self.fields["track"].label_from_instance = track_label
        self.fields["track"].widget = forms.RadioSelect(choices=self.fields["track"].choices)
        from projects.models import Need

        self.fields["need"].queryset = Need.objects.filter(organisation=organisation).order_by("title")
        self.fields["need"].help_text = _("Optional: one of your organisation's registered needs.")
        self.fields["need"].empty_label = _("No linked need")
        # A need of another organisation (or one since deleted) is not in the list: say so next to the field.
        self.fields["need"].error_messages["invalid_choice"] = _(
            "That need is not one of your organisation's registered needs. Choose one of them, or no linked need."
        )
        self.fields["contact"].error_messages["invalid_choice"] = _(
            "The contact person must be a member of your organisation."
        )
        self.fields["contact"].queryset = User.objects.filter(memberships__organisation=organisation).order_by("email")
        self.fields["contact"].label_from_instance = lambda user: f"{user.get_full_name() or user.email} <{user.email}>"
        self.fields["contact"].empty_label = None
        self.fields["requested_amount"] = AmountField(
            label=self.fields["requested_amount"].label,
            help_text=self.fields["requested_amount"].help_text,
            required=False,
            min_value=0,
            max_value=MAX_SEK,
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return cleaned

    def application_fields(self) -> dict:
        """The keyword arguments of services.create_application / save_application, from the valid form."""
        data = self.cleaned_data
        return {
            "track": data["track"],
            "need": data["need"],
            "contact": data["contact"],
            "title": data["title"],
            "language": data["language"],
            "purpose": data["purpose"],
            "background": data["background"],
            "expected_results": data["expected_results"],
            "requested_amount": data["requested_amount"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
        }


def marked_text(template, **values) -> str:
    """A label or help text (`template` with `%(name)s` parts, translated) whose parts are escaped, except text
    already marked up: a call's name or a criterion's passed through `in_lang` keeps its `<span lang>` (WCAG 3.1.2)."""
    return mark_safe(conditional_escape(template) % {key: conditional_escape(value) for key, value in values.items()})


def track_label(track) -> str:
    """The track's radio label: its name (marked with `lang` when the call's language is not the page's) and caps.

    The call's tracks are read through `call.tracks`, so `track.call` is known without a query."""
    from .templatetags.checks_tags import sek

    name = in_lang(track.name, track.call)
    if track.cap_two_or_more and track.cap_two_or_more != track.cap_one:
        return marked_text(
            _("%(name)s (up to %(one)s for one external competence, %(more)s for two or more)"),
            name=name,
            one=sek(track.cap_one),
            more=sek(track.cap_two_or_more),
        )
    return marked_text(_("%(name)s (up to %(one)s)"), name=name, one=sek(track.cap_one))


class ExpertiseForm(NoColon, forms.Form):
    required_to_submit = ("provider", "competence", "fee")  # of a row in use (selectors.missing_items)

    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    competence = forms.CharField(label=_("Competence"), max_length=300, required=False)
    fee = AmountField(label=_("Fee (SEK)"), min_value=0, max_value=MAX_SEK, required=False)


class BudgetLineForm(NoColon, forms.Form):
    required_to_submit = ("kind", "amount")  # of a row in use (selectors.missing_items)

    kind = forms.ChoiceField(
        label=_("Kind of cost"),
        choices=[
            ("", "—"),
            *BudgetLine.Kind.choices,
            (INTERNAL, _("Internal cost (own staff, premises) – not eligible")),
        ],
        required=False,
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    amount = AmountField(label=_("Amount (SEK)"), min_value=0, max_value=MAX_SEK, required=False)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == INTERNAL:
            self.add_error(
                "kind",
                _(
                    "Only external costs are eligible: fees for experts, test beds, labs and other external services. "
                    "Remove this line or change it."
                ),
            )
        elif not kind and (cleaned.get("description") or cleaned.get("amount") is not None):
            self.add_error("kind", _("Choose the kind of cost."))
        return cleaned


ExpertiseFormSet = forms.formset_factory(ExpertiseForm, extra=2, can_delete=True, **ROW_LIMITS)
BudgetFormSet = forms.formset_factory(BudgetLineForm, extra=2, can_delete=True, **ROW_LIMITS)


def line_rows(formset) -> list[dict]:
    """Filled-in rows of a line formset, without the removed ones."""
    rows = []
    for form in formset.forms:
        data = {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
        if form.cleaned_data.get("DELETE") or not any(value not in (None, "") for value in data.values()):
            continue
        rows.append(data)
    return rows


class MessageForm(NoColon, forms.Form):
    message = forms.CharField(label=_("Message to the applicant"), widget=forms.Textarea(attrs={"rows": 5}))


class PeriodEndForm(NoColon, forms.Form):
    """A handler ends the period now or sets a new end date (checks.services.change_period_end)."""

    period_end = forms.DateField(
        label=_("New end of the period"),
        widget=DATE,
        help_text=_(
            "The period ends at the end of this day. Yesterday's date ends it now: the final report can be "
            "submitted at once."
        ),
    )
    reason = forms.CharField(
        label=_("Reason (recorded in the log)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResubmitForm(NoColon, forms.Form):
    message = forms.CharField(
        label=_("Message to the handler (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(NoColon, forms.Form):
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=User.objects.none(), required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.rules import HANDLERS_GROUP

        handlers = User.objects.filter(groups__name=HANDLERS_GROUP).order_by("email")
        if application is not None:
            # Handlers with an active conflict are not offered (services.assign_application refuses them too).
            conflicted = active_conflicts().filter(
                Q(application=application) | Q(organisation=application.organisation_id)
            )
            handlers = handlers.exclude(pk__in=conflicted.values("handler"))
        self.fields["handler"].queryset = handlers


class ConflictForm(NoColon, forms.Form):
    SCOPE_APPLICATION = "application"
    SCOPE_ORGANISATION = "organisation"
    scope = forms.ChoiceField(
        label=_("The conflict concerns"),
        choices=[
            (SCOPE_APPLICATION, _("This application")),
            (SCOPE_ORGANISATION, _("Every application of the organisation")),
        ],
        widget=forms.RadioSelect,
        initial=SCOPE_APPLICATION,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class LiftConflictForm(NoColon, forms.Form):
    reason = forms.CharField(
        label=_("Why the conflict no longer stands"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the conflict and shown to the handlers."),
    )


class ReviewForm(NoColon, forms.Form):
    """A score 1–5 and a comment per criterion of the call, and a recommendation. The criteria come from
    `call.criteria` (their `call` known without a query): their names and descriptions carry the call's `lang`."""

    SCORES = [("", "—"), *[(str(n), str(n)) for n in range(1, 6)]]

    def __init__(self, *args, criteria, review=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        existing = {score.criterion_id: score for score in review.scores.all()} if review else {}
        for criterion in self.criteria:
            current = existing.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=marked_text(_("Score: %(name)s"), name=in_lang(criterion.name, criterion.call)),
                choices=self.SCORES,
                coerce=int,
                help_text=in_lang(criterion.description, criterion.call),
                initial=current.score if current else "",
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=marked_text(_("Comment: %(name)s"), name=in_lang(criterion.name, criterion.call)),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=current.comment if current else "",
            )
        self.fields["recommendation"] = forms.ChoiceField(
            label=_("Recommendation"),
            choices=Review.Recommendation.choices,
            widget=forms.RadioSelect,
            initial=review.recommendation if review else None,
        )

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            criterion.pk: (self.cleaned_data[f"score_{criterion.pk}"], self.cleaned_data[f"comment_{criterion.pk}"])
            for criterion in self.criteria
        }


class DecisionForm(NoColon, forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    granted_amount = AmountField(
        label=_("Granted amount (SEK)"),
        min_value=1,
        max_value=MAX_SEK,
        required=False,
        help_text=_("Only when approving."),
    )
    reasoning = forms.CharField(label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 5}))

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == Decision.Outcome.APPROVED
            and not cleaned.get("granted_amount")
            and "granted_amount" not in self.errors  # one error per field: "not an amount" says it already
        ):
            self.add_error("granted_amount", _("Enter the granted amount."))
        return cleaned


class CorrectionForm(NoColon, forms.Form):
    """A correction (rättelse, förvaltningslagen 36 §): the corrected decision's amount and reasons, and why."""

    reason = forms.CharField(
        label=_("What is corrected and why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a wrong amount or an error in the reasons. It is shown in the new letter."),
    )
    granted_amount = AmountField(
        label=_("Granted amount (SEK)"),
        min_value=1,
        max_value=MAX_SEK,
        required=False,
        help_text=_("Only when approving."),
    )
    reasoning = forms.CharField(label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 5}))


class FinalReportForm(KeepUploadsMixin, NoColon, forms.ModelForm):
    attachments = AttachmentsField(label=_("Attachments (invoices, reports)"))

    class Meta:
        model = FinalReport
        fields = ["results", "outcome", "procurement_started", "procedure"]
        widgets = {"results": forms.Textarea(attrs={"rows": 5}), "outcome": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"outcome": _("Did a procurement start? With which procedure? What did you learn?")}

    def __init__(self, *args, budget_lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget_lines = list(budget_lines)
        for line in self.budget_lines:
            self.fields[f"actual_{line.pk}"] = AmountField(
                label=_("Actual cost (SEK): %(kind)s – %(description)s")
                % {"kind": line.get_kind_display(), "description": line.description or "—"},
                min_value=0,
                max_value=MAX_SEK,
                initial=line.actual_amount,
                help_text=_("Budgeted: %(amount)s") % {"amount": format_sek(line.amount or 0)},
            )

    def actual_costs(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[f"actual_{line.pk}"] for line in self.budget_lines}


class QueueFilterForm(NoColon, QueryFilterForm):
    VIEW_LABELS = {
        "needs_action": _("Needs action"),
        "mine": _("Mine"),
        "unassigned": _("Unassigned"),
        "awaiting_decision": _("Awaiting decision"),
        "overdue": _("Overdue"),
        "applicant_late": _("Applicant late"),
        "all": _("All"),
    }
    view = forms.ChoiceField(
        label=_("Show"), required=False, choices=list(VIEW_LABELS.items()), widget=forms.HiddenInput
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Reference number, organisation or title."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    call = forms.ModelChoiceField(
        label=_("Grant call"), queryset=GrantCall.objects.all(), required=False, empty_label=_("All")
    )
    track = forms.TypedChoiceField(label=_("Track"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            ("", _("All")),
            ("under_handling", _("Under handling (not decided or final report to handle)")),
            *[c for c in Application.State.choices if c[0] != Application.State.DRAFT],
        ],
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("All")), ("me", _("Assigned to me")), ("none", _("Unassigned"))],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("submitted", _("Submitted, oldest first")),
            ("-submitted", _("Submitted, newest first")),
            ("-amount", _("Requested amount, highest first")),
            ("amount", _("Requested amount, lowest first")),
            ("-score", _("Average score, highest first")),
            ("reference", _("Reference number")),
            ("waiting", _("Days waiting, longest first")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A callable: the tracks are read only when the field is rendered or a track is chosen (the queue stores
        # its rendered filter form as a fragment, so most requests need neither).
        self.fields["track"].choices = self.track_choices

    @staticmethod
    def track_choices():
        from .models import Track

        return [("", _("All"))] + [
            (track.pk, f"{track.call.reference_number}: {track.name}") for track in Track.objects.select_related("call")
        ]


class QueueBatchForm(NoColon, forms.Form):
    """The ticked applications of the queue and what to do with them (assign, or export as CSV or .xlsx)."""

    ASSIGN, CSV, XLSX = "assign", "csv", "xlsx"
    action = forms.ChoiceField(choices=[(ASSIGN, ASSIGN), (CSV, CSV), (XLSX, XLSX)])
    application = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": _("Tick at least one application.")}
    )
    handler = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False, empty_label=_("Choose a handler")
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        from portal.rules import HANDLERS_GROUP

        self.fields["handler"].queryset = User.objects.filter(groups__name=HANDLERS_GROUP).order_by("email")
        self.fields["application"].choices = [(pk, pk) for pk in choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.ASSIGN and not cleaned.get("handler") and "handler" not in self.errors:
            self.add_error("handler", _("Choose the handler to assign."))
        return cleaned


class NotificationSettingsForm(NoColon, forms.Form):
    """A handler's notification settings (checks.notifications.save_notification_settings)."""

    mode = forms.ChoiceField(
        label=_("How do you want to be told of new work?"),
        choices=HandlerSettings.Mode.choices,
        widget=forms.RadioSelect,
        help_text=_("The daily digest is sent from 07:00 on days when something has happened."),
    )
    calls = forms.ModelMultipleChoiceField(
        label=_("Grant calls you follow"),
        queryset=GrantCall.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "You are told of every application submitted in a call you follow, and of completions and final "
            "reports in it while nobody is assigned. Applications assigned to you and proposals awaiting your "
            "decision are always told."
        ),
    )

    def __init__(self, *args, calls=None, **kwargs):
        super().__init__(*args, **kwargs)
        if calls is not None:
            self.fields["calls"].queryset = calls
        self.fields["calls"].label_from_instance = lambda call: marked_text(
            "%(name)s (%(reference)s)", name=in_lang(call.name, call), reference=call.reference_number
        )
