"""Needs, market-gap assessments and the market dialogue (calls, responses, questions, interest profiles).

Models stay thin: writes go through `projects.services`, reads through
`projects.selectors`, permissions are the predicates in `projects.rules`.
"""

import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rules.contrib.models import RulesModel

from portal.cache import CachedPageManager
from portal.clock import database_now
from portal.dates import validate_date_in_range

from . import rules as r
from .amendments.models import Amendment, AmendmentFile  # noqa: F401  (Django finds an app's models here)
from .decision_support.models import DecisionDocument  # noqa: F401  (Django finds an app's models here)
from .following.models import CallFollow, CallNoticeOptOut  # noqa: F401  (Django finds an app's models here)
from .meetings.models import MeetingBooking, MeetingSettings, MeetingSlot  # noqa: F401  (as above)
from .records.models import RecordRelease, SecrecyMarking  # noqa: F401  (Django finds an app's models here)
from .response_history.models import ResponseVersion  # noqa: F401  (Django finds an app's models here)
from .structured.models import MarketQuestion, QuestionAnswer  # noqa: F401


class Theme(models.TextChoices):
    SUSTAINABILITY = "hallbarhet", _("Sustainability")
    RESILIENCE = "resiliens", _("Resilience")
    SECURITY = "sakerhet", _("Security")


class Category(models.TextChoices):
    ELECTRONICS = "elektronik", _("Electronics")
    INFRASTRUCTURE = "infrastruktur", _("Infrastructure")
    FOOD = "livsmedel", _("Food")
    BUILDINGS = "byggnader", _("Buildings and building materials")
    RECYCLING = "atervinning", _("Recycling")
    SERVICES = "tjanster", _("Services")
    CARE = "vard", _("Health and social care")
    TRANSPORT = "transport", _("Transport")
    ENERGY = "energi", _("Energy")
    IT = "it", _("IT")
    OTHER = "ovrigt", _("Other")


TRL_HELP = _(
    "Technology readiness level as defined by the EU (Horizon 2020): "
    "1 basic principles observed; 2 technology concept formulated; 3 experimental proof of concept; "
    "4 technology validated in lab; 5 technology validated in relevant environment; "
    "6 technology demonstrated in relevant environment; 7 system prototype demonstrated in operational "
    "environment; 8 system complete and qualified; 9 actual system proven in operational environment."
)

TRL_LEVELS = [
    (1, _("TRL 1 – basic principles observed")),
    (2, _("TRL 2 – technology concept formulated")),
    (3, _("TRL 3 – experimental proof of concept")),
    (4, _("TRL 4 – technology validated in lab")),
    (5, _("TRL 5 – technology validated in relevant environment")),
    (6, _("TRL 6 – technology demonstrated in relevant environment")),
    (7, _("TRL 7 – system prototype demonstrated in operational environment")),
    (8, _("TRL 8 – system complete and qualified")),
    (9, _("TRL 9 – actual system proven in operational environment")),
]


def _trl_field(verbose_name, **kwargs):
    return models.PositiveSmallIntegerField(
        verbose_name,
        choices=TRL_LEVELS,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=TRL_HELP,
        **kwargs,
    )


class CpvCode(models.Model):
    """One code of the Common Procurement Vocabulary (CPV 2008), loaded by `manage.py load_cpv`.

    `label` is the English label, `label_sv` the official Swedish one (empty until loaded). `terms_sv` and
    `terms_en` hold the labels' search terms (`projects.analysis.index_text`), each after a space, so that the
    picker finds a word start with `LIKE '% term%'` on any database.
    """

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    check_digit = models.CharField(_("check digit"), max_length=1)
    label = models.CharField(_("label"), max_length=400)
    label_sv = models.CharField(_("Swedish label"), max_length=400, blank=True)
    terms_sv = models.TextField(editable=False, blank=True, default="")
    terms_en = models.TextField(editable=False, blank=True, default="")

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("CPV code")
        verbose_name_plural = _("CPV codes")
        ordering = ["code"]

    def __str__(self):
        return f"{self.full_code} {self.display_label}"

    def save(self, *args, **kwargs):
        self.set_terms()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "terms_sv", "terms_en"}
        super().save(*args, **kwargs)

    def set_terms(self) -> None:
        """Fill `terms_sv` and `terms_en` from the labels (bulk writes call this themselves)."""
        from .analysis import index_text

        self.terms_sv = " " + index_text(self.label_sv) if self.label_sv else ""
        self.terms_en = " " + index_text(self.label) if self.label else ""

    @property
    def full_code(self) -> str:
        return f"{self.code}-{self.check_digit}"

    @property
    def division(self) -> str:
        return self.code[:2]

    def label_for(self, language: str | None) -> str:
        """The label in `language` ("sv…" gives the Swedish label when loaded; anything else the English one)."""
        if self.label_sv and (language or "sv").startswith("sv"):
            return self.label_sv
        return self.label

    @property
    def display_label(self) -> str:
        """The label in the active language (the reader's, in a request, a mail or a document)."""
        from django.utils.translation import get_language

        return self.label_for(get_language())


CONTENT_LANGUAGE_HELP = _(
    "The language the text is written in. Pages in the other language mark it, so that screen readers read it "
    "with the right pronunciation."
)


def content_language_field():
    """The language a need's or call's text is written in (WCAG 3.1.2: marked with lang where it differs)."""
    return models.CharField(
        _("language of the text"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="sv",
        help_text=CONTENT_LANGUAGE_HELP,
    )


class Need(RulesModel):
    class Stage(models.TextChoices):
        NEED = "behov", _("Need analysis")
        MARKET_ANALYSIS = "marknadsanalys", _("Market analysis")
        DIALOGUE = "dialog", _("Dialogue")
        PROCUREMENT = "upphandling", _("Procurement")
        FOLLOW_UP = "uppfoljning", _("Follow-up")

    class Visibility(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.PROTECT, related_name="needs", verbose_name=_("organisation")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000, help_text=_("A few sentences shown in the catalogue."))
    language = content_language_field()
    problem = models.TextField(_("problem description"), blank=True)
    desired_effects = models.TextField(_("desired effects"), blank=True)
    affected = models.TextField(_("who is affected"), blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    cpv_codes = models.ManyToManyField(CpvCode, blank=True, related_name="needs", verbose_name=_("CPV codes"))
    estimated_value = models.PositiveBigIntegerField(_("estimated value (SEK)"), null=True, blank=True)
    planned_start = models.DateField(
        _("planned start of procurement"), null=True, blank=True, validators=[validate_date_in_range]
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.NEED)
    visibility = models.CharField(_("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, validators=[validate_date_in_range])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The analysed terms (projects.search_index), kept up to date by projects.services; the database's index
    # (FTS5 on SQLite, the GIN-indexed `search_vector` on PostgreSQL) is built from them.
    search_title = models.TextField(default="", blank=True, editable=False)
    search_summary = models.TextField(default="", blank=True, editable=False)
    search_body = models.TextField(default="", blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["visibility", "stage"]),
            # The catalogue: published needs, newest first; an index scan stops at the page.
            models.Index(
                fields=["-published_at", "-created_at", "-id"],
                condition=models.Q(visibility="published"),
                name="need_catalogue_order",
            ),
        ]
        rules_permissions = {
            "view": r.need_is_published | r.is_org_member,
            "change": r.can_edit_need,
            "publish": r.can_edit_need & ~r.need_is_published,
            "unpublish": r.can_edit_need & r.need_can_be_unpublished,
            "delete": r.can_edit_need & r.need_can_be_deleted,
            "assess": r.can_edit_need,
            "create_call": r.can_create_call,
        }

    def __str__(self):
        return self.title

    @property
    def is_published(self) -> bool:
        return self.visibility == self.Visibility.PUBLISHED

    @property
    def can_be_unpublished(self) -> bool:
        """A published need goes back to draft only while none of its calls has been published."""
        return self.is_published and not self.calls.filter(published_at__isnull=False).exists()

    @property
    def can_be_deleted(self) -> bool:
        """Only a draft need without calls can be deleted."""
        return not self.is_published and not self.calls.exists()

    @property
    def current_assessment(self):
        """The latest assessment (uses a prefetched `assessments` if present)."""
        return max(self.assessments.all(), key=lambda a: a.version, default=None)

    def get_themes_display(self) -> list[str]:
        labels = dict(Theme.choices)
        return [str(labels.get(t, t)) for t in self.themes or []]


class Conclusion(models.TextChoices):
    NEW_DEVELOPMENT = "new_development", _("New development needed (no solution exists)")
    UNTESTED = "untested", _("Untested solutions exist (verify them)")
    OTHER_MARKET = "other_market", _("Solutions exist on another market (adapt them)")
    AVAILABLE = "available", _("The market covers the need (ordinary procurement)")


class Procedure(models.TextChoices):
    PCP = "pcp", _("Pre-commercial procurement")
    INNOVATION_PARTNERSHIP = "innovation_partnership", _("Innovation partnership")
    COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Competitive dialogue")
    FUNCTIONAL = "functional", _("Procurement with functional requirements")
    ORDINARY = "ordinary", _("Ordinary procurement")


class MarketGapAssessment(models.Model):
    """One version of a need's market-gap assessment. The newest version is the current one."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("need"))
    version = models.PositiveIntegerField(_("version"))
    conclusion = models.CharField(_("conclusion"), max_length=20, choices=Conclusion.choices)
    evidence = models.TextField(_("evidence"), help_text=_("What you found and how you know it."))
    source_desk_research = models.BooleanField(_("desk research"), default=False)
    source_rfi = models.BooleanField(_("request for information (RFI)"), default=False)
    source_suppliers = models.BooleanField(_("suppliers consulted"), default=False)
    suppliers_consulted = models.PositiveIntegerField(_("number of suppliers consulted"), null=True, blank=True)
    sources_notes = models.TextField(_("notes on sources"), blank=True)
    trl = _trl_field(_("TRL estimate"))
    risks = models.TextField(_("risks"), blank=True)
    suggested_procedure = models.CharField(
        _("suggested procedure"), max_length=30, choices=Procedure.choices, blank=True
    )
    chosen_procedure = models.CharField(_("chosen procedure"), max_length=30, choices=Procedure.choices)
    rationale = models.TextField(_("why this procedure"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    # What the buyer publishes of this version; the rest is internal (not published on the web, though still an
    # official document that anyone may request under TF 2 kap.). Members of the organisation see everything.
    public_summary = models.TextField(
        _("public summary"),
        blank=True,
        max_length=2000,
        help_text=_("Written for the market. Shown on the published need; leave empty to publish nothing."),
    )
    publish_conclusion = models.BooleanField(_("publish the conclusion"), default=False)
    publish_trl = models.BooleanField(_("publish the TRL estimate"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("market-gap assessment")
        verbose_name_plural = _("market-gap assessments")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["need", "version"], name="assessment_version_unique"),
            models.CheckConstraint(condition=models.Q(trl__gte=1, trl__lte=9), name="assessment_trl_range"),
        ]

    def __str__(self):
        return f"{self.need} v{self.version}"

    @property
    def organisation(self):
        return self.need.organisation

    @property
    def has_public_part(self) -> bool:
        """Whether anything of this version is published (the summary, the conclusion or the TRL)."""
        return bool(self.public_summary.strip()) or self.publish_conclusion or self.publish_trl

    @property
    def published_parts(self) -> list[str]:
        """Names of what this version publishes, for its organisation's overview."""
        parts = []
        if self.public_summary.strip():
            parts.append(str(_("the public summary")))
        if self.publish_conclusion:
            parts.append(str(_("the conclusion")))
        if self.publish_trl:
            parts.append(str(_("the TRL estimate")))
        return parts

    @property
    def sources(self) -> list[str]:
        result = []
        if self.source_desk_research:
            result.append(str(_("desk research")))
        if self.source_rfi:
            result.append(str(_("request for information (RFI)")))
        if self.source_suppliers:
            result.append(str(_("suppliers consulted")))
        return result


class CallState(models.TextChoices):
    """Every state a call can be in. All but SCHEDULED are stored as they are in `Call.status`; SCHEDULED is a
    stored draft with `published_at` set. Its value is "published", the name of the event that enters it
    (`AuditAction.CALL_PUBLISHED`)."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "published", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# What the clock does to a stored state, in order: (stored state, date field that has passed, state at that moment).
# A scheduled call whose closing time has passed is closed even if the periodic task never opened it.
CALL_TIME_RULES = [
    (CallState.OPEN, "closes_at", CallState.CLOSED),
    (CallState.SCHEDULED, "closes_at", CallState.CLOSED),
    (CallState.SCHEDULED, "opens_at", CallState.OPEN),
]


def stored_call_state_q(state: str) -> models.Q:
    """Calls whose stored state (`Call.state`, no clock) is `state`."""
    if state == CallState.DRAFT:
        return models.Q(status=CallState.DRAFT, published_at__isnull=True)
    if state == CallState.SCHEDULED:
        return models.Q(status=CallState.DRAFT, published_at__isnull=False)
    return models.Q(status=state)


def calls_in_state_q(state: str, now) -> models.Q:
    """Calls that are in `state` at the moment `now`: `Call.state_at` as a condition, from CALL_TIME_RULES."""
    condition = models.Q(pk__in=[])
    for stored in CallState:
        passed = models.Q()  # the earlier rules of this stored state did not apply
        for from_state, field, to_state in CALL_TIME_RULES:
            if from_state != stored:
                continue
            if to_state == state:
                condition |= stored_call_state_q(stored) & passed & models.Q(**{f"{field}__lte": now})
            passed &= ~models.Q(**{f"{field}__lte": now})
        if stored == state:
            condition |= stored_call_state_q(stored) & passed
    return condition


def call_state_expression(now) -> models.Case:
    """`Call.state_at(now)` as an SQL expression (for annotations), from CALL_TIME_RULES."""
    whens = [
        models.When(stored_call_state_q(from_state) & models.Q(**{f"{field}__lte": now}), then=models.Value(to_state))
        for from_state, field, to_state in CALL_TIME_RULES
    ]
    whens += [models.When(stored_call_state_q(state), then=models.Value(state.value)) for state in CallState]
    return models.Case(*whens, output_field=models.CharField())


class Call(RulesModel):
    """A market dialogue published from a need."""

    class Kind(models.TextChoices):
        RFI = "rfi", _("Request for information (RFI)")
        CONSULTATION = "consultation", _("Preliminary market consultation")
        IDEA_COMPETITION = "idea_competition", _("Idea competition")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    State = CallState
    # publish: draft → scheduled; the clock (periodic task) or publishing at the opening time: scheduled → open;
    # the closing time: open → closed; the buyer: draft, scheduled or open → cancelled.
    TRANSITIONS: dict[str, set[str]] = {
        CallState.DRAFT: {CallState.SCHEDULED, CallState.CANCELLED},
        CallState.SCHEDULED: {CallState.OPEN, CallState.CANCELLED},
        CallState.OPEN: {CallState.CLOSED, CallState.CANCELLED},
        CallState.CLOSED: set(),
        CallState.CANCELLED: set(),
    }

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="calls", verbose_name=_("need"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RFI)
    title = models.CharField(_("title"), max_length=200)
    language = content_language_field()
    description = models.TextField(_("description"))
    # The questions one per line, as the form takes them (trimmed, no blank lines) and as the search indexes them;
    # `projects.structured` makes the numbered rows (`call.market_questions`) from it, which pages and exports show.
    questions_to_market = models.TextField(
        _("questions to the market"), blank=True, help_text=_("What you want companies to answer, one per line.")
    )
    opens_at = models.DateTimeField(_("opens"), validators=[validate_date_in_range])
    closes_at = models.DateTimeField(_("closes"), validators=[validate_date_in_range])
    verified_companies_only = models.BooleanField(
        _("only verified companies may respond"),
        default=False,
        help_text=_(
            "Companies are verified by a portal administrator against Bolagsverket's register. If you tick this, "
            "a company that is not verified cannot submit a response to the call."
        ),
    )
    responses_sealed = models.BooleanField(
        _("keep the responses sealed until the call closes"),
        default=False,
        help_text=_(
            "Like tenders in a procurement: nobody in your organisation can open or download a response, nor see "
            "which companies have answered, until the closing time. Until then you only see how many responses have "
            "arrived. Can be changed until the call opens."
        ),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    alerts_sent_at = models.DateTimeField(_("alerts sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The analysed terms (projects.search_index), kept up to date by projects.services; the database's index
    # (FTS5 on SQLite, the GIN-indexed `search_vector` on PostgreSQL) is built from them.
    search_title = models.TextField(default="", blank=True, editable=False)
    search_summary = models.TextField(default="", blank=True, editable=False)
    search_body = models.TextField(default="", blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["closes_at", "id"]
        indexes = [
            models.Index(fields=["status", "closes_at"]),
            # Open calls soonest closing first (catalogue, dashboards): an index scan that stops at the page.
            models.Index(fields=["closes_at"], name="call_closes_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_closes_after_opens"
            ),
        ]
        rules_permissions = {
            "view": r.call_is_public | r.is_call_org_member,
            "change": r.can_edit_call,
            "publish": r.can_manage_call & r.call_is_publishable,
            "cancel": r.can_manage_call & r.call_is_cancellable,
            "respond": r.can_respond_to_call,
            "ask": r.can_ask_on_call,
            "view_responses": r.can_read_call_responses,
            # The responses' content (the list, the CSV): not while they are sealed.
            "read_responses": r.can_read_call_responses & ~r.call_responses_are_sealed,
        }

    def __str__(self):
        return self.title

    @property
    def organisation(self):
        return self.need.organisation

    # --- the state machine -------------------------------------------------------------------------------------
    # `status` is what is stored; `state` adds the one state the column cannot tell apart: a draft with a
    # publishing time is *scheduled* (published, waiting for its opening time). Every move between states is in
    # TRANSITIONS and made by `projects.services.transition_call`; the dates then decide the state at a moment
    # (`state_at`), the same way in Python and in SQL (`call_state_expression`, `calls_in_state_q` below).

    @property
    def state(self) -> str:
        """The stored state of the machine (no clock): draft, scheduled, open, closed or cancelled."""
        if self.status == self.Status.DRAFT and self.published_at is not None:
            return CallState.SCHEDULED
        return CallState(self.status)

    def state_at(self, now) -> str:
        """The state the dates imply at the moment `now` (see CALL_TIME_RULES)."""
        state = self.state
        for from_state, field, to_state in CALL_TIME_RULES:
            if state == from_state and getattr(self, field) <= now:
                return to_state
        return state

    @property
    def effective_status(self) -> str:
        """The state the dates imply now, so a passed call never shows as open before the periodic task runs."""
        return self.state_at(timezone.now())

    def get_effective_status_display(self) -> str:
        return str(CallState(self.effective_status).label)

    def may_become(self, to: str, *, now=None) -> bool:
        """Whether the machine allows the move to `to` from the state the call is in at `now` (default: now)."""
        return to in self.TRANSITIONS[self.state_at(now or timezone.now())]

    # --- rules on the state: the predicates in projects.rules, the services and the templates use these ---------

    @property
    def is_draft(self) -> bool:
        """Not published: only its organisation sees it."""
        return self.state == CallState.DRAFT

    @property
    def is_published(self) -> bool:
        """Has been published (scheduled, open, closed, or cancelled after publishing)."""
        return self.published_at is not None

    @property
    def is_scheduled(self) -> bool:
        """Published and waiting for its opening time."""
        return self.effective_status == CallState.SCHEDULED

    @property
    def is_open(self) -> bool:
        return self.effective_status == CallState.OPEN

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_editable(self) -> bool:
        """A call can be changed until it opens: as a draft or while scheduled."""
        return self.effective_status in (CallState.DRAFT, CallState.SCHEDULED)

    @property
    def is_publishable(self) -> bool:
        return self.may_become(CallState.SCHEDULED)

    @property
    def is_cancellable(self) -> bool:
        """Draft, scheduled or open by the clock (a call closed by its dates is closed, even before the task)."""
        return self.may_become(CallState.CANCELLED)

    def responses_sealed_at(self, now) -> bool:
        """Whether the responses are still sealed at the moment `now` (a sealed call's, before its closing time)."""
        return self.responses_sealed and now < self.closes_at

    @property
    def responses_are_sealed(self) -> bool:
        """Sealed now by the database's clock, the one the deadline of the responses is checked against."""
        return self.responses_sealed and self.responses_sealed_at(database_now())


class Response(RulesModel):
    """A company's answer to a call. One per company and call."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Moves made by `projects.services.transition_response`, only while the call is open. Editing a withdrawn
    # response makes it a draft again.
    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.WITHDRAWN},
        Status.WITHDRAWN: {Status.SUBMITTED, Status.DRAFT},
    }

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="responses", verbose_name=_("call"))
    organisation = models.ForeignKey(
        "portal.Organisation",
        on_delete=models.PROTECT,
        related_name="call_responses",
        verbose_name=_("company"),
    )
    # A draft may be saved with anything missing; submitting requires the summary and the TRL (the constraint
    # `response_submitted_is_complete`, `projects.response_history.services.require_complete`).
    summary = models.TextField(_("solution summary"), max_length=1000, blank=True)
    description = models.TextField(_("description"), blank=True)
    trl = _trl_field(_("TRL"), null=True, blank=True)
    references = models.TextField(_("references"), blank=True, help_text=_("Earlier deliveries or customers."))
    price_indication = models.PositiveBigIntegerField(
        _("price indication (SEK)"), null=True, blank=True, help_text=_("Optional. A rough estimate, not an offer.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "organisation"], name="response_one_per_company_and_call"),
            models.CheckConstraint(
                condition=models.Q(trl__isnull=True) | models.Q(trl__gte=1, trl__lte=9), name="response_trl_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="submitted") | (models.Q(trl__isnull=False) & ~models.Q(summary="")),
                name="response_submitted_is_complete",
            ),
        ]
        rules_permissions = {
            "view": r.is_org_member | r.response_visible_to_buyer,
            "change": r.can_edit_response,
            "submit": r.can_edit_response & r.response_can_be_submitted,
            "withdraw": r.can_edit_response & r.response_can_be_withdrawn,
        }

    def __str__(self):
        return f"{self.organisation} – {self.call}"

    def may_become(self, to: str) -> bool:
        return to in self.TRANSITIONS[self.status]

    @property
    def is_submitted(self) -> bool:
        """Submitted: the only state the buyer sees."""
        return self.status == self.Status.SUBMITTED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @property
    def has_reached_buyer(self) -> bool:
        """Submitted, or withdrawn after it was submitted: it reached the buyer (a public record, TF 2 kap.)."""
        return self.is_submitted or (self.is_withdrawn and self.submitted_at is not None)

    @property
    def can_be_submitted(self) -> bool:
        return self.may_become(self.Status.SUBMITTED)

    @property
    def can_be_withdrawn(self) -> bool:
        return self.may_become(self.Status.WITHDRAWN)


# Long enough for any clarification question or answer; a longer text is refused by the form and the service.
QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 8000
# With Django's MaxLengthValidator's parameters, so the form and the service give the same message.
QUESTION_TOO_LONG = _("A question can be at most %(limit_value)s characters long; this one has %(show_value)s.")
ANSWER_TOO_LONG = _("An answer can be at most %(limit_value)s characters long; this one has %(show_value)s.")


class Question(RulesModel):
    """A company's clarification question on a call.

    It arrives *pending*: only the buyer organisation (and the asking company, its own) sees it. The buyer edits the
    public wording (so that it does not tell who asked), answers it, and publishes it for everyone, or rejects it
    with a reason that is mailed to the asker. The original wording is kept: it is a public record too.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", pgettext_lazy("question", "Rejected")

    # Moves made by `projects.services._move_question`, called by `publish_answers` (one or several at once) and
    # `reject_question`.
    # A published answer may still be corrected (`answer_question`); that is no move.
    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.PUBLISHED, Status.REJECTED},
        Status.PUBLISHED: set(),
        Status.REJECTED: set(),
    }

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions", verbose_name=_("call"))
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.CASCADE, related_name="call_questions", verbose_name=_("company")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    public_text = models.TextField(
        _("public wording"),
        blank=True,
        max_length=QUESTION_MAX_LENGTH,
        help_text=_("The question as it is published. Remove anything that tells who asked."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    answer = models.TextField(_("answer"), blank=True, max_length=ANSWER_MAX_LENGTH)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, validators=[validate_date_in_range])
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # A published answer that was corrected: when, and the earlier answers ([{"answer": ..., "at": ISO time}]).
    corrected_at = models.DateTimeField(_("corrected"), null=True, blank=True)
    earlier_answers = models.JSONField(_("earlier answers"), default=list, blank=True)
    reject_reason = models.TextField(_("reason for rejecting"), blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["call", "status"], name="question_call_status")]
        rules_permissions = {
            "change": r.can_moderate_question & r.question_is_editable,
            "publish": r.can_moderate_question & r.question_can_be_published,
            "reject": r.can_moderate_question & r.question_can_be_rejected,
        }

    def __str__(self):
        return self.shown_text[:80]

    def may_become(self, to: str) -> bool:
        return to in self.TRANSITIONS[self.status]

    @property
    def shown_text(self) -> str:
        """The wording shown to everyone but the buyer: the public wording (the original until it is edited)."""
        return self.public_text or self.text

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None and bool(self.answer)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_corrected(self) -> bool:
        return self.corrected_at is not None

    @property
    def is_editable(self) -> bool:
        """Wording and answer may be changed while pending; a published answer may be corrected; a rejected
        question and any question of a cancelled call stay as they are."""
        return not self.is_rejected and not self.call.is_cancelled

    @property
    def wording_is_editable(self) -> bool:
        """The public wording can change until it is published: everyone has then read the same text."""
        return self.is_pending and not self.call.is_cancelled

    @property
    def can_be_published(self) -> bool:
        return self.may_become(self.Status.PUBLISHED) and self.is_answered and not self.call.is_cancelled

    @property
    def can_be_rejected(self) -> bool:
        return self.may_become(self.Status.REJECTED) and not self.call.is_cancelled


class InterestProfile(models.Model):
    """What a company wants to hear about. Matching a CPV code matches its descendants."""

    organisation = models.OneToOneField(
        "portal.Organisation",
        on_delete=models.CASCADE,
        related_name="interest_profile",
        verbose_name=_("company"),
    )
    cpv_codes = models.ManyToManyField(CpvCode, blank=True, related_name="+", verbose_name=_("CPV codes"))
    categories = models.JSONField(_("categories"), default=list, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    keywords = models.CharField(_("keywords"), max_length=500, blank=True, help_text=_("Separate words with commas."))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("interest profile")
        verbose_name_plural = _("interest profiles")

    def __str__(self):
        return str(self.organisation)

    @staticmethod
    def split_keywords(keywords: str) -> list[str]:
        """The keywords of a profile: separated by commas, semicolons or new lines."""
        return [word.strip() for word in re.split(r"[,;\n]+", keywords or "") if word.strip()]

    def keyword_list(self) -> list[str]:
        return [word.lower() for word in self.split_keywords(self.keywords)]


class CallAlert(models.Model):
    """A match alert mailed to one person about one call; the constraint makes alerts once per call."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="alerts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now, validators=[validate_date_in_range])

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("call alert")
        verbose_name_plural = _("call alerts")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="call_alert_once_per_user")]

    def __str__(self):
        return f"{self.call} → {self.user}"
