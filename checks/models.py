"""Innovation checks (Checkar för innovationsupphandling): grant calls, applications, reviews, decisions.

Models are thin: fields, constraints and simple derived values. Every write goes
through `checks.services`; every read a user can reach goes through `checks.selectors`.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rules.contrib.models import RulesModel

from portal.cache import CachedPageManager
from portal.dates import validate_date_in_range
from projects.models import content_language_field

from . import rules as r
from .decision_letters.models import DecisionLetter  # noqa: F401  (Django finds an app's models here)
from .messages.models import ApplicationSnapshot, Message  # noqa: F401


class GrantCall(RulesModel):
    """A call for innovation-check applications (utlysning)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("grant call", "Published")

    name = models.CharField(_("name"), max_length=200)
    reference_number = models.CharField(
        _("reference number"), max_length=40, unique=True, help_text=_("The agency's diarienummer, e.g. 2022-00194.")
    )
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    # The language the call is written in (WCAG 3.1.2): its name, description, terms, tracks, criteria and appeal
    # text. Pages and the decision letter in the other language mark these texts with `lang`.
    language = content_language_field()
    description = models.TextField(_("description"), help_text=_("Purpose of the call and its terms."))
    how_to_apply = models.TextField(_("how to apply"), blank=True)
    opens_on = models.DateField(_("opens"), validators=[validate_date_in_range])
    closes_on = models.DateField(
        _("closes"),
        help_text=_("Applications can be submitted until the end of this day."),
        validators=[validate_date_in_range],
    )
    total_budget = models.PositiveBigIntegerField(_("total budget (SEK)"))
    final_report_days = models.PositiveSmallIntegerField(
        _("final report due (days after the period ends)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("The final report is due this many days after the application's period ends."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    appeal_text = models.TextField(
        _("how to appeal (decision letters)"),
        blank=True,
        help_text=_(
            "What the decision letters of this call say about appealing (förvaltningslagen 33 §). Leave empty "
            "for the standard text: the decision cannot be appealed."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("grant call")
        verbose_name_plural = _("grant calls")
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="grantcall_closes_after_opens"
            ),
        ]
        rules_permissions = {
            "view": r.is_published_call | r.is_portal_admin,
            "add": r.is_portal_admin,
            "change": r.is_portal_admin,
            "publish": r.is_portal_admin & ~r.is_published_call,
            "apply": r.acts_for_verified_public_body & r.is_open_call,
            "view_overview": r.is_staff_role,
        }

    class Phase(models.TextChoices):
        """Where a call stands for everyone (public pages and the admin's list alike): `GrantCall.phase`."""

        DRAFT = "draft", _("Draft – not published")
        SCHEDULED = "scheduled", _("Opens soon")
        OPEN = "open", _("Open for applications")
        CLOSED = "closed", _("Closed")

    def __str__(self):
        return f"{self.name} ({self.reference_number})"

    @property
    def phase(self) -> "GrantCall.Phase":
        """The one status shown for the call, on the public pages and the admin's pages."""
        if not self.is_published:
            return self.Phase.DRAFT
        if self.is_open:
            return self.Phase.OPEN
        if self.is_closed:
            return self.Phase.CLOSED
        return self.Phase.SCHEDULED

    @property
    def has_fixed_rules(self) -> bool:
        """An application has left the draft state: tracks, caps and criteria can no longer be lowered, removed
        or reweighted (services.save_call checks this on the locked call row)."""
        return self.pk is not None and self.applications.exclude(state=Application.State.DRAFT).exists()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_open(self) -> bool:
        today = timezone.localdate()
        return self.is_published and self.opens_on <= today <= self.closes_on

    @property
    def is_closed(self) -> bool:
        return self.is_published and timezone.localdate() > self.closes_on


class Track(models.Model):
    """A track of a call with its caps. Numbering and caps change per year: data, not code."""

    call = models.ForeignKey(GrantCall, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("grant call"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class CapField(models.TextChoices):
        """The two caps, named in the audit log's "cap changed" rows (their `field`)."""

        CAP_ONE = "cap_one", _("cap for one external competence")
        CAP_TWO_OR_MORE = "cap_two_or_more", _("cap for two or more external competences")

    cap_one = models.PositiveIntegerField(_("cap, one external competence (SEK)"))
    cap_two_or_more = models.PositiveIntegerField(
        _("cap, two or more external competences (SEK)"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the cap is the same whatever the number of competences."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    def cap_for(self, competences: int) -> int:
        if competences >= 2 and self.cap_two_or_more:
            return max(self.cap_two_or_more, self.cap_one)
        return self.cap_one

    @property
    def highest_cap(self) -> int:
        return self.cap_for(2)


class Criterion(models.Model):
    """An assessment criterion, scored 1–5 by handlers; its weight counts in the weighted average."""

    call = models.ForeignKey(GrantCall, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("grant call"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class ReferenceCounter(models.Model):
    """The last reference number given per year. Locked with select_for_update to stay gapless."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("reference counter")


class Application(RulesModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("check application", "Submitted")
        IN_REVIEW = "in_review", _("In review")
        COMPLETION_REQUESTED = "completion_requested", _("Completion requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        FINAL_REPORT_SUBMITTED = "final_report_submitted", _("Final report submitted")
        CLOSED = "closed", _("Closed")
        WITHDRAWN = "withdrawn", pgettext_lazy("check application", "Withdrawn")

    # The rules on the state, each written once: services, selectors, checks/rules.py (and through it views and
    # templates) ask these sets or the properties below. Which state may follow which is services.TRANSITIONS.
    EDITABLE_STATES = frozenset({State.DRAFT, State.COMPLETION_REQUESTED})
    WITHDRAWABLE_STATES = frozenset({State.DRAFT, State.SUBMITTED})
    REVIEWABLE_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.COMPLETION_REQUESTED})
    UNDER_HANDLING_STATES = REVIEWABLE_STATES | {State.FINAL_REPORT_SUBMITTED}
    CORRECTABLE_STATES = frozenset({State.APPROVED, State.REJECTED})
    # The applicant's moves (submitting, sending a completion back, submitting the final report): each sets
    # `waiting_since`, from which the handler queue counts the days waiting (`is_applicant_move`).
    APPLICANT_MOVE_TARGETS = frozenset({State.SUBMITTED, State.FINAL_REPORT_SUBMITTED})

    call = models.ForeignKey(
        GrantCall, on_delete=models.PROTECT, related_name="applications", verbose_name=_("grant call")
    )
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="applications", verbose_name=_("track"))
    organisation = models.ForeignKey(
        "portal.Organisation",
        on_delete=models.PROTECT,
        related_name="check_applications",
        verbose_name=_("organisation"),
    )
    need = models.ForeignKey(
        "projects.Need",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="check_applications",
        verbose_name=_("linked need"),
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("contact person")
    )
    title = models.CharField(_("title"), max_length=200)
    # The language the applicant writes in (WCAG 3.1.2); the thread, the final report and the decision's reasons
    # take it too. Pages and the decision letter in the other language mark these texts with `lang`.
    language = content_language_field()
    purpose = models.TextField(_("purpose"), blank=True)
    background = models.TextField(_("background"), blank=True)
    expected_results = models.TextField(_("expected results"), blank=True)
    requested_amount = models.PositiveIntegerField(_("requested amount (SEK)"), null=True, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True, validators=[validate_date_in_range])
    period_end = models.DateField(_("period end"), null=True, blank=True, validators=[validate_date_in_range])
    state = models.CharField(_("state"), max_length=30, choices=State.choices, default=State.DRAFT, db_index=True)
    reference = models.CharField(_("reference number"), max_length=20, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The moment of the applicant's last move (`is_applicant_move`), set by services._move: the queue's "days
    # waiting", its "overdue" tab and its sort read it through an index instead of the state history.
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned handler"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        # The handler queue is sorted by submission or by the time waiting: an index scan stops at the page.
        indexes = [
            models.Index(fields=["submitted_at", "id"], name="application_submitted"),
            models.Index(fields=["waiting_since", "id"], name="application_waiting"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="application_period_in_order",
            ),
        ]
        rules_permissions = {
            # Drafts are the applicant's own (selectors.get_application_for_staff); this also guards attachments.
            "view": r.is_org_member | (r.is_staff_role & ~r.is_draft),
            "add": r.acts_for_verified_public_body,
            "change": r.is_applicant & r.is_editable,
            "submit": r.is_applicant & r.is_draft,
            "resubmit": r.is_applicant & r.awaits_completion,
            "withdraw": r.is_applicant & r.is_withdrawable,
            "report": r.is_applicant & r.can_submit_final_report,
            "change_period": r.is_handler & r.awaits_final_report & ~r.has_conflict,
            "view_internal": r.is_staff_role,
            "assign": r.is_handler & r.is_under_handling,
            "assign_self": r.is_handler & r.is_under_handling & ~r.has_conflict,
            "review": r.is_handler & r.is_reviewable & ~r.has_conflict,
            "request_completion": r.is_handler & r.is_in_review & ~r.has_conflict,
            # Four eyes: a handler proposes (föredragande), another handler with the right to decide decides.
            "propose": r.is_handler & r.is_in_review & ~r.has_conflict,
            "propose_correction": r.is_handler & r.is_correctable & ~r.has_conflict,
            "decide": (
                r.is_decider
                & (r.is_in_review | r.is_correctable)
                & r.has_pending_proposal
                & ~r.presents_proposal
                & ~r.has_conflict
            ),
            "accept_report": r.is_handler & r.has_final_report_to_handle & ~r.has_conflict,
            "declare_conflict": r.is_handler,
            "retry_letter": r.is_handler,
        }

    def __str__(self):
        return f"{self.reference or _('Draft')}: {self.title}"

    @classmethod
    def is_applicant_move(cls, from_state: str, to_state: str) -> bool:
        """A move the applicant makes: submitting, sending a completion back, submitting the final report. From
        then on the application waits for the agency (`waiting_since`)."""
        return to_state in cls.APPLICANT_MOVE_TARGETS or from_state == cls.State.COMPLETION_REQUESTED

    @property
    def is_draft(self) -> bool:
        """Not yet submitted: only the applicant sees it, and it can be submitted."""
        return self.state == self.State.DRAFT

    @property
    def is_editable(self) -> bool:
        """The applicant can change it: as a draft, or while the handler asks for a completion."""
        return self.state in self.EDITABLE_STATES

    @property
    def awaits_completion(self) -> bool:
        """The handler asked for a completion: the applicant changes it and sends it back."""
        return self.state == self.State.COMPLETION_REQUESTED

    @property
    def is_withdrawable(self) -> bool:
        return self.state in self.WITHDRAWABLE_STATES

    @property
    def is_correctable(self) -> bool:
        """A decision stands that can be corrected (FL 36 §) by a new decision: until the final report comes."""
        return self.state in self.CORRECTABLE_STATES

    @property
    def pending_proposal(self):
        """The proposal for a decision that waits for a decider, or None (one query, kept on the object)."""
        if not hasattr(self, "_pending_proposal"):
            self._pending_proposal = (
                self.proposals.filter(status=DecisionProposal.Status.PENDING).select_related("proposed_by").first()
            )
        return self._pending_proposal

    @property
    def is_reviewable(self) -> bool:
        """Handlers can score it."""
        return self.state in self.REVIEWABLE_STATES

    @property
    def is_in_review(self) -> bool:
        """Handlers can ask for a completion or decide."""
        return self.state == self.State.IN_REVIEW

    @property
    def is_under_handling(self) -> bool:
        """Submitted and not finished: it can be assigned to a handler."""
        return self.state in self.UNDER_HANDLING_STATES

    @property
    def awaits_final_report(self) -> bool:
        """Approved: the applicant submits the final report."""
        return self.state == self.State.APPROVED

    @property
    def has_final_report_to_handle(self) -> bool:
        """The final report is submitted: the handler accepts it or sends it back."""
        return self.state == self.State.FINAL_REPORT_SUBMITTED

    @property
    def competence_count(self) -> int:
        return len([line for line in self.expertise_lines.all() if line.provider or line.competence])

    @property
    def lines_total(self) -> int:
        return sum(line.amount or 0 for line in self.budget_lines.all())

    @property
    def cap(self) -> int:
        return self.track.cap_for(self.competence_count)

    @property
    def final_report_due(self):
        """The call's number of days (`GrantCall.final_report_days`) after the period ends."""
        if self.period_end is None:
            return None
        return self.period_end + datetime.timedelta(days=self.call.final_report_days)

    @property
    def final_report_opens_on(self):
        """The first day a final report can be submitted: the day after the period ends."""
        if self.period_end is None:
            return None
        return self.period_end + datetime.timedelta(days=1)

    @property
    def period_has_ended(self) -> bool:
        """The period is over (an application without a period has nothing to wait for)."""
        return self.period_end is None or self.period_end < timezone.localdate()

    @property
    def can_submit_final_report(self) -> bool:
        """Approved and the period is over: the applicant submits the final report."""
        return self.awaits_final_report and self.period_has_ended

    @property
    def actual_total(self) -> int | None:
        """The sum of the actual external costs reported (None before any are reported)."""
        amounts = [line.actual_amount for line in self.budget_lines.all() if line.actual_amount is not None]
        return sum(amounts) if amounts else None

    @property
    def actual_difference(self) -> int | None:
        """Actual minus budgeted external costs, over all budget lines (None before any are reported)."""
        actual = self.actual_total
        return None if actual is None else actual - self.lines_total

    @property
    def cost_overrun(self) -> int:
        """How much the reported actual costs exceed the granted amount (0 when they do not)."""
        decision = getattr(self, "decision", None)
        if decision is None or self.actual_total is None:
            return 0
        return max(0, self.actual_total - decision.granted_amount)


class ExpertiseLine(models.Model):
    """One external competence the grant pays for."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="expertise_lines")
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    competence = models.CharField(_("competence"), max_length=300, blank=True)
    fee = models.PositiveIntegerField(_("fee (SEK)"), null=True, blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("external expertise")
        verbose_name_plural = _("external expertise")
        ordering = ["id"]

    def __str__(self):
        return f"{self.provider}: {self.competence}"


class BudgetLine(models.Model):
    """A cost line. Only external costs are eligible, so there is no kind for internal costs."""

    class Kind(models.TextChoices):
        EXPERTISE = "expertise", _("External expertise fee")
        TESTBED = "testbed", _("Test bed or lab fee")
        OTHER = "other_external", _("Other external fee")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="budget_lines")
    kind = models.CharField(_("kind of cost"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = models.PositiveIntegerField(_("amount (SEK)"), null=True, blank=True)
    actual_amount = models.PositiveIntegerField(_("actual cost (SEK)"), null=True, blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.amount}"

    @property
    def difference(self) -> int | None:
        """Actual minus budgeted cost (None before the actual cost is reported)."""
        if self.actual_amount is None:
            return None
        return self.actual_amount - (self.amount or 0)


class StateChange(models.Model):
    """The history the applicant sees: every transition with its message (e.g. a completion request)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=30, choices=Application.State.choices)
    to_state = models.CharField(max_length=30, choices=Application.State.choices)
    message = models.TextField(_("message"), blank=True)
    # A completion request's reply deadline (checks/messages): required by `services.request_completion`.
    reply_by = models.DateField(_("reply by"), null=True, blank=True, validators=[validate_date_in_range])
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class ConflictOfInterest(models.Model):
    """A handler's declared conflict with one application or with a whole organisation."""

    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_conflicts")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="conflicts"
    )
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)
    # Only a portal admin lifts a conflict, with a reason (services.lift_conflict); the row stays as the record.
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) | Q(organisation__isnull=False), name="conflict_has_target"
            ),
        ]

    def __str__(self):
        return f"{self.handler}: {self.application or self.organisation}"

    @property
    def is_active(self) -> bool:
        """Declared and not lifted: the handler's scores do not count and they cannot handle the application."""
        return self.lifted_at is None


class Review(models.Model):
    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        UNSURE = "unsure", _("Unsure")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices)
    weighted_score = models.DecimalField(_("weighted score"), max_digits=4, decimal_places=2, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "handler"], name="review_one_per_handler")]

    def __str__(self):
        return f"{self.handler} – {self.application}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_one_per_criterion"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="score_1_to_5"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


def weighted_average(pairs) -> Decimal | None:
    """Weighted average of (score, weight) pairs, two decimals; None without scores."""
    pairs = [(score, weight) for score, weight in pairs if score is not None]
    total_weight = sum(weight for _score, weight in pairs)
    if not total_weight:
        return None
    value = Decimal(sum(score * weight for score, weight in pairs)) / Decimal(total_weight)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Decision(models.Model):
    """A decision on an application. `application` points at the decision that stands; a decision corrected
    (rättelse, FL 36 §) by a later one loses it and keeps `for_application`, so the history shows both."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="decision", null=True, blank=True
    )
    for_application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="decisions", null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    granted_amount = models.PositiveIntegerField(_("granted amount (SEK)"), default=0)
    reasoning = models.TextField(_("reasoning"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, related_name="corrected_by", null=True, blank=True
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.for_application or self.application}"

    @property
    def is_approved(self) -> bool:
        return self.outcome == self.Outcome.APPROVED

    @property
    def is_corrected(self) -> bool:
        """A later decision corrected this one (it stays in the history)."""
        return self.application_id is None


class DecisionProposal(models.Model):
    """A handler's proposal for a decision (föredragning); another handler with the right to decide decides it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        DECIDED = "decided", _("Decided")
        REPLACED = "replaced", _("Replaced by a later proposal")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="proposals")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Decision.Outcome.choices)
    granted_amount = models.PositiveIntegerField(_("granted amount (SEK)"), default=0)
    reasoning = models.TextField(_("reasoning"))
    corrects = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decision = models.OneToOneField(Decision, on_delete=models.SET_NULL, related_name="proposal", null=True, blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("decision proposal")
        verbose_name_plural = _("decision proposals")
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(status="pending"), name="one_pending_proposal_per_application"
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.get_status_display()}): {self.application}"

    @property
    def is_approved(self) -> bool:
        return self.outcome == Decision.Outcome.APPROVED

    @property
    def is_correction(self) -> bool:
        return self.corrects_id is not None


class FinalReport(models.Model):
    class Procedure(models.TextChoices):
        NOT_STARTED = "not_started", _("No procurement started (yet)")
        OPEN = "open", _("Open procedure")
        RESTRICTED = "restricted", _("Restricted procedure")
        COMPETITIVE_DIALOGUE = "competitive_dialogue", _("Competitive dialogue")
        NEGOTIATED = "negotiated", _("Negotiated procedure")
        INNOVATION_PARTNERSHIP = "innovation_partnership", _("Innovation partnership")
        PRE_COMMERCIAL = "pre_commercial", _("Pre-commercial procurement")
        OTHER = "other", _("Other")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="final_report")
    results = models.TextField(_("results"))
    outcome = models.TextField(_("what the expertise led to"))
    procurement_started = models.BooleanField(_("a procurement has started"), default=False)
    procedure = models.CharField(
        _("procedure"), max_length=30, choices=Procedure.choices, default=Procedure.NOT_STARTED
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("final report")
        verbose_name_plural = _("final reports")

    def __str__(self):
        return str(self.application)


# --- Notifications to handlers (checks/notifications.py) ----------------------------------------------------------


class HandlerSettings(models.Model):
    """How a handler wants to hear of new work: a mail at once (the default) or one daily digest."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("A mail for each event, at once")
        DIGEST = "digest", _("One mail a day with everything new (daily digest)")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="check_settings")
    mode = models.CharField(_("how to be told"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("handler's notification settings")
        verbose_name_plural = _("handlers' notification settings")

    def __str__(self):
        return f"{self.user_id}: {self.mode}"


class GrantCallFollow(models.Model):
    """A handler follows a grant call: they are told of every application submitted in it."""

    call = models.ForeignKey(GrantCall, on_delete=models.CASCADE, related_name="follows", verbose_name=_("grant call"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("followed since"), default=timezone.now)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("follower of a grant call")
        verbose_name_plural = _("followers of grant calls")
        constraints = [models.UniqueConstraint(fields=["call", "user"], name="grantcall_follow_once")]

    def __str__(self):
        return f"{self.user_id} → {self.call_id}"


class HandlerNotice(models.Model):
    """One event told to one handler: mailed at once (`mailed_at` set when written) or waiting for the digest."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("A new application in a call you follow")
        ASSIGNED = "assigned", _("An application was assigned to you")
        RETURNED = "returned", _("The applicant sent a completion back")
        FINAL_REPORT = "final_report", _("A final report has arrived")
        PROPOSAL = "proposal", _("A proposal awaits your decision")

    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("happened at"), default=timezone.now)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    in_digest = models.BooleanField(_("sent in a digest"), default=False)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("handler notice")
        verbose_name_plural = _("handler notices")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["handler", "created_at"], condition=Q(mailed_at__isnull=True), name="handlernotice_waiting"
            )
        ]

    def __str__(self):
        return f"{self.handler_id}: {self.kind} {self.application_id}"
