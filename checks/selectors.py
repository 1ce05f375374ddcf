"""Reads of the checks app. Every object a user reaches is fetched through a scoped helper here;
"missing" and "not yours" both raise Http404."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.amounts import group_digits
from portal.rules import active_organisation, is_portal_admin, is_staff_role
from portal.selectors import organisation_owners

from .models import (
    Application,
    BudgetLine,
    ConflictOfInterest,
    Criterion,
    Decision,
    DecisionProposal,
    FinalReport,
    GrantCall,
    Review,
    Score,
    StateChange,
    weighted_average,
)

S = Application.State

# The purposes of an application's own attachments (portal.files): the applicant's and the final report's.
APPLICANT_FILES = "application"
FINAL_REPORT_FILES = "final_report"


def _get(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- Calls -------------------------------------------------------------------------------------------------------


def published_calls() -> QuerySet[GrantCall]:
    return GrantCall.objects.filter(status=GrantCall.Status.PUBLISHED).prefetch_related("tracks")


def calls_for(user) -> QuerySet[GrantCall]:
    """Published calls for everyone; drafts too for portal admins."""
    if is_portal_admin(user):
        return GrantCall.objects.prefetch_related("tracks")
    return published_calls()


def get_call_for(user, pk) -> GrantCall:
    return _get(calls_for(user).prefetch_related("criteria"), pk)


def all_calls() -> QuerySet[GrantCall]:
    return GrantCall.objects.annotate(
        application_count=Count("applications", filter=~Q(applications__state=S.DRAFT))
    ).order_by("-opens_on", "-id")


def budget_granted(call) -> int:
    """Sum granted in a call (approved decisions, also after the final report)."""
    return (
        Application.objects.filter(call=call, decision__outcome="approved").aggregate(
            total=Sum("decision__granted_amount")
        )["total"]
        or 0
    )


# --- Applications ------------------------------------------------------------------------------------------------


def _application_base() -> QuerySet[Application]:
    return Application.objects.select_related(
        "call", "track", "organisation", "contact", "assigned_to"
    ).prefetch_related("expertise_lines", "budget_lines")


def _with_thread_flag(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """`has_messages` on one application's page: an empty thread (checks/messages) costs no query."""
    from .messages.models import Message

    return queryset.annotate(has_messages=Exists(Message.objects.filter(application=OuterRef("pk"))))


def applications_for(user) -> QuerySet[Application]:
    """Applications of the organisation the user acts for."""
    organisation = active_organisation(user)
    if organisation is None:
        return Application.objects.none()
    return _application_base().filter(organisation=organisation)


def get_application_for(user, pk) -> Application:
    """An application of the organisation the user acts for; 404 for anything else."""
    return _get(
        _with_thread_flag(applications_for(user).select_related("need", "decision__corrects", "final_report")), pk
    )


def get_application_for_staff(user, pk) -> Application:
    """Any application that has been submitted (drafts are the applicant's own), for handlers and admins."""
    if not is_staff_role(user):
        raise Http404
    return _get(
        _with_thread_flag(_application_base().exclude(state=S.DRAFT).select_related("decision", "final_report")),
        pk,
    )


def get_application_page_for_staff(user, pk) -> Application:
    """`get_application_for_staff` for the handler's page of the application, in one query with what the page
    shows beside it: the linked need, the decision that stands with who decided and presented it and the decision
    it corrects, the pending proposal with who presented it, and `granted_in_call` (the sum granted in the call,
    as `budget_granted`)."""
    granted = (
        Decision.objects.filter(application__call=OuterRef("call_id"), outcome=Decision.Outcome.APPROVED)
        .order_by()
        .values("application__call")
        .annotate(total=Sum("granted_amount"))
        .values("total")
    )
    if not is_staff_role(user):
        raise Http404
    application = _get(
        _with_thread_flag(
            _application_base()
            .exclude(state=S.DRAFT)
            # At most one pending proposal per application (a unique constraint): a join, not a query of its own.
            .annotate(
                pending=FilteredRelation("proposals", condition=Q(proposals__status=DecisionProposal.Status.PENDING)),
                granted_in_call=Coalesce(Subquery(granted), 0),
            )
            .select_related(
                "need",
                "decision__decided_by",
                "decision__presented_by",
                "decision__corrects",
                "final_report",
                "pending__proposed_by",
            )
        ),
        pk,
    )
    # Application.pending_proposal reads no more (no attribute when the join found none).
    application._pending_proposal = getattr(application, "pending", None)
    return application


def letter_and_decisions(application) -> tuple:
    """The newest decision letter and the decisions for an application's page: no query before a decision; one
    (the letters) while the decision that stands corrects none, as it is then the only one; two after a
    correction (FL 36 §), every decision with its `letter_list` (newest first), read with the letters once."""
    decision = getattr(application, "decision", None)
    if decision is None:
        return None, []
    letters = list(application.letters.order_by("-version", "-id"))
    if decision.corrects_id is None:
        return (letters[0] if letters else None), [decision]
    # Every decision on the application, newest first: the one that stands and those corrected (FL 36 §).
    decisions = list(
        Decision.objects.filter(for_application=application)
        .select_related("decided_by", "presented_by", "corrects")
        .order_by("-decided_at", "-id")
    )
    for each in decisions:
        each.letter_list = [letter for letter in letters if letter.decision_id == each.pk]
    return (letters[0] if letters else None), decisions


def page_files(application, user) -> dict:
    """Every file an application's page lists, in one query: the applicant's (`services.APPLICANT_FILES`), the
    final report's (`services.FINAL_REPORT_FILES`) and, by message id, those of the thread's messages the user
    may see (internal notes' for staff only). Keyed by purpose; the messages' under "messages"."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from portal.models import Attachment

    from .messages.models import MESSAGE_FILES, Message

    wanted = Q(
        content_type=ContentType.objects.get_for_model(Application),
        object_id=str(application.pk),
        purpose__in=[APPLICANT_FILES, FINAL_REPORT_FILES],
    )
    if getattr(application, "has_messages", True):
        messages = Message.objects.filter(application=application)
        if not is_staff_role(user):
            messages = messages.filter(internal=False)
        wanted |= Q(
            content_type=ContentType.objects.get_for_model(Message),
            purpose=MESSAGE_FILES,
            object_id__in=messages.order_by().values(text_id=Cast("pk", CharField())),
        )
    files: dict = {APPLICANT_FILES: [], FINAL_REPORT_FILES: [], "messages": {}}
    for attachment in Attachment.objects.filter(wanted).order_by("created_at", "id"):
        if attachment.purpose == MESSAGE_FILES:
            files["messages"].setdefault(attachment.object_id, []).append(attachment)
        else:
            files[attachment.purpose].append(attachment)
    return files


def people_to_mail(application) -> list:
    """Who is mailed about an application: the contact person and the organisation's owners, once each."""
    people = {application.contact.pk: application.contact}
    for owner in organisation_owners(application.organisation):
        people.setdefault(owner.pk, owner)
    return list(people.values())


def handlers_with_decide_right() -> QuerySet:
    """Every active handler, with `is_decider` (a member of the deciders' group), by name: the admin's page."""
    from django.contrib.auth import get_user_model

    from portal.rules import HANDLERS_GROUP

    from .rules import DECIDERS_GROUP

    User = get_user_model()
    deciders = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=DECIDERS_GROUP)
    return (
        User.objects.filter(is_active=True, groups__name=HANDLERS_GROUP)
        .annotate(is_decider=Exists(deciders))
        .order_by("last_name", "first_name", "email")
        .distinct()
    )


def get_handler(pk: int):
    """An active handler (for the decide right), or 404."""
    return _get(handlers_with_decide_right(), pk)


def history_of(application) -> QuerySet[StateChange]:
    return application.state_changes.select_related("by")


def report_completion_request(application) -> StateChange | None:
    """The handler's request to complete the final report, while the applicant has still to send it again."""
    if not application.awaits_final_report:
        return None
    last = application.state_changes.order_by("-created_at", "-id").first()
    if last is not None and last.from_state == S.FINAL_REPORT_SUBMITTED:
        return last
    return None


def active_conflicts() -> QuerySet[ConflictOfInterest]:
    """Conflicts of interest declared and not lifted by an admin (`ConflictOfInterest.is_active`)."""
    return ConflictOfInterest.objects.filter(lifted_at__isnull=True)


def counting_reviews() -> QuerySet[Review]:
    """Reviews that count: not by a handler with an active conflict with the application or its organisation.

    A declared conflict takes the handler's earlier scores out of every average, the export and the handler's
    page of the application (förvaltningslagen 16–18 §§: a disqualified official takes no part in the handling).
    """
    conflicted = (
        active_conflicts()
        .filter(handler=OuterRef("handler"))
        .filter(Q(application=OuterRef("application")) | Q(organisation=OuterRef("application__organisation")))
    )
    return Review.objects.exclude(Exists(conflicted))


def conflicts_of(application, viewer) -> list[ConflictOfInterest]:
    """Every conflict declared on the application or its organisation, lifted ones too, oldest first: the other
    handlers see who declared, when and why.

    The same query reads the viewer's own active conflicts, kept for `conflict_for` (one query for the page).
    """
    on_application = Q(application=application) | Q(organisation=application.organisation_id)
    rows = list(
        ConflictOfInterest.objects.filter(on_application | Q(handler=viewer, lifted_at__isnull=True))
        .select_related("handler", "lifted_by")
        .order_by("created_at", "id")
    )
    viewer._check_conflicts_cache = [row for row in rows if row.handler_id == viewer.pk and row.is_active]
    return [
        row
        for row in rows
        if row.application_id == application.pk or row.organisation_id == application.organisation_id
    ]


def get_conflict_for(user, application, pk) -> ConflictOfInterest:
    """One conflict declared on `application` (a submitted one, see `get_application_for_staff`) or on its
    organisation, for portal admins, who may lift it; 404 for anyone else and for another application's."""
    if not is_portal_admin(user):
        raise Http404
    return _get(
        ConflictOfInterest.objects.filter(
            Q(application=application) | Q(organisation=application.organisation_id)
        ).select_related("handler", "lifted_by"),
        pk,
    )


def conflict_for(user, application) -> ConflictOfInterest | None:
    """The handler's active conflict with this application or its organisation, if any (cached per user)."""
    cache = getattr(user, "_check_conflicts_cache", None)
    if cache is None:
        cache = list(active_conflicts().filter(handler=user))
        user._check_conflicts_cache = cache
    for conflict in cache:
        if conflict.application_id == application.pk or conflict.organisation_id == application.organisation_id:
            return conflict
    return None


@dataclass
class MissingItem:
    field: str
    message: str

    @property
    def anchor(self) -> str:
        """The id of the form field to fix it in (application_form.html)."""
        return {"expertise": "id_expertise-0-provider", "budget": "id_budget-0-kind"}.get(
            self.field, f"id_{self.field}"
        )


def missing_items(application) -> list[MissingItem]:
    """What must be fixed before the application can be submitted (empty list: ready)."""
    missing: list[MissingItem] = []
    for field in ("title", "purpose", "background", "expected_results"):
        if not getattr(application, field).strip():
            label = Application._meta.get_field(field).verbose_name
            missing.append(MissingItem(field, _("%(field)s is missing.") % {"field": str(label).capitalize()}))
    if application.period_start is None or application.period_end is None:
        missing.append(MissingItem("period_start", _("The period (start and end) is missing.")))
    elif application.period_end < application.period_start:
        missing.append(MissingItem("period_end", _("The period ends before it starts.")))
    expertise = [line for line in application.expertise_lines.all() if line.provider or line.competence or line.fee]
    if not expertise:
        missing.append(MissingItem("expertise", _("Add at least one external competence (provider, competence, fee).")))
    for number, line in enumerate(expertise, start=1):
        if not (line.provider and line.competence and line.fee):
            missing.append(
                MissingItem(
                    "expertise",
                    _("External competence %(n)s needs a provider, a competence and a fee.") % {"n": number},
                )
            )
    lines = [line for line in application.budget_lines.all()]
    if not lines:
        missing.append(MissingItem("budget", _("Add at least one budget line.")))
    for number, line in enumerate(lines, start=1):
        if not line.amount:
            missing.append(MissingItem("budget", _("Budget line %(n)s has no amount.") % {"n": number}))
    total = application.lines_total
    if application.requested_amount is None:
        missing.append(MissingItem("requested_amount", _("The requested amount is missing.")))
    elif lines and application.requested_amount != total:
        missing.append(
            MissingItem(
                "requested_amount",
                _(
                    "The requested amount (%(requested)s SEK) does not equal "
                    "the sum of the budget lines (%(total)s SEK)."
                )
                % {"requested": group_digits(application.requested_amount), "total": group_digits(total)},
            )
        )
    cap = application.cap
    if application.requested_amount is not None and application.requested_amount > cap:
        missing.append(
            MissingItem(
                "requested_amount",
                _(
                    "The requested amount (%(requested)s SEK) is above the cap of the track for %(count)s external "
                    "competence(s): %(cap)s SEK."
                )
                % {
                    "requested": group_digits(application.requested_amount),
                    "count": max(application.competence_count, 1),
                    "cap": group_digits(cap),
                },
            )
        )
    return missing


# --- Handler queue -----------------------------------------------------------------------------------------------

UNDER_HANDLING = "under_handling"

# The queue's tabs ("views"). Each is defined once, in `queue_view_filter`.
NEEDS_ACTION = "needs_action"
MINE = "mine"
UNASSIGNED = "unassigned"
AWAITING_DECISION = "awaiting_decision"
OVERDUE = "overdue"
APPLICANT_LATE = "applicant_late"
ALL = "all"
QUEUE_VIEWS = (NEEDS_ACTION, MINE, UNASSIGNED, AWAITING_DECISION, OVERDUE, APPLICANT_LATE, ALL)

# The agency's turn: submitted (to be assigned and reviewed), in review (also after the applicant sent a
# completion back), a final report to handle. Not: completion requested (the applicant's turn), decided, closed,
# withdrawn.
NEEDS_ACTION_STATES = frozenset({S.SUBMITTED, S.IN_REVIEW, S.FINAL_REPORT_SUBMITTED})
# Waiting longer than this since the applicant's last action is overdue (förvaltningslagen 9 §: handle a matter
# as simply, quickly and cheaply as possible; the agency's own handling target is two weeks per step).
OVERDUE_DAYS = 14

QUEUE_SORTS = {
    "submitted": ("submitted_at", "id"),
    "-submitted": ("-submitted_at", "-id"),
    "amount": ("requested_amount", "id"),
    "-amount": ("-requested_amount", "-id"),
    # Applications without reviews last either way (PostgreSQL would put NULL first when descending).
    "score": (F("average_score").asc(nulls_last=True), "id"),
    "-score": (F("average_score").desc(nulls_last=True), "-id"),
    "reference": ("reference",),
    "waiting": ("waiting_since", "id"),
}


def _reviews_of_outer():
    return counting_reviews().filter(application=OuterRef("pk")).order_by().values("application")


def last_reply_by():
    """The reply deadline of the application's latest completion request (a scalar subquery on `OuterRef("pk")`)."""
    return Subquery(
        StateChange.objects.filter(application=OuterRef("pk"), to_state=S.COMPLETION_REQUESTED)
        .order_by("-created_at", "-id")
        .values("reply_by")[:1]
    )


def final_report_due_expression():
    """`Application.final_report_due` in SQL: the period's end plus the call's `final_report_days`."""
    return ExpressionWrapper(
        F("period_end") + F("call__final_report_days") * timedelta(days=1), output_field=DateField()
    )


def applicant_late_q(*, today=None) -> Q:
    """The applicant is late (the "applicant late" tab, its row marker and the dashboard's count):

    - a completion is requested and its reply date (`StateChange.reply_by`) has passed, or
    - approved, no final report submitted, and the final report's due date (`final_report_due`) has passed.
    """
    today = today or timezone.localdate()
    completion = Q(state=S.COMPLETION_REQUESTED) & Q(LessThan(last_reply_by(), today))
    report = (
        Q(state=S.APPROVED)
        & ~Q(Exists(FinalReport.objects.filter(application=OuterRef("pk"))))
        & Q(LessThan(final_report_due_expression(), today))
    )
    return completion | report


def queue_view_filter(view: str, user, *, now=None) -> Q:
    """What each tab of the queue shows (one place to change a definition):

    - needs action: in NEEDS_ACTION_STATES;
    - mine / unassigned: under handling (completion requested included) and assigned to the user / to nobody;
    - awaiting decision: in review with at least one review (the closest state to "ready to decide" there is);
    - overdue: needs action and waiting more than OVERDUE_DAYS days since the applicant's last action (the
      agency is late);
    - applicant late: the applicant missed a completion's reply date or the final report's due date
      (`applicant_late_q`);
    - all: everything submitted (decided, closed and withdrawn too).
    """
    if view == MINE:
        return Q(state__in=Application.UNDER_HANDLING_STATES, assigned_to=user)
    if view == UNASSIGNED:
        return Q(state__in=Application.UNDER_HANDLING_STATES, assigned_to__isnull=True)
    if view == AWAITING_DECISION:
        return Q(Exists(_reviews_of_outer()), state=S.IN_REVIEW)
    if view == OVERDUE:
        limit = (now or timezone.now()) - timedelta(days=OVERDUE_DAYS)
        return Q(state__in=NEEDS_ACTION_STATES, waiting_since__lt=limit)
    if view == APPLICANT_LATE:
        return applicant_late_q(today=timezone.localdate(now) if now else None)
    if view == ALL:
        return Q()
    return Q(state__in=NEEDS_ACTION_STATES)


def review_queue(
    user,
    *,
    view=ALL,
    call=None,
    track=None,
    state=None,
    assigned=None,
    search="",
    sort="submitted",
    now=None,
) -> QuerySet[Application]:
    """Submitted applications for handlers, filtered and sorted; drafts never appear.

    `view`: one of QUEUE_VIEWS (see `queue_view_filter`).
    `state`: one state, or UNDER_HANDLING (submitted, in review, completion requested, final report submitted).
    `assigned`: "me" (assigned to the user) or "none" (unassigned).
    `search`: words in the reference number, the organisation's name or the title.
    Each row has `average_score`, `review_count` and `applicant_late` (`applicant_late_q`: the applicant missed a
    date); `waiting_since` (the applicant's last move) is a column of its own, indexed with the id, so the
    "overdue" tab and the sort by days waiting read an index.
    """
    queryset = (
        Application.objects.exclude(state=S.DRAFT)
        .select_related("call", "track", "organisation", "assigned_to")
        # Scalar subqueries, not a join with GROUP BY over every wide row: the database sorts and cuts the
        # page first and computes the numbers for the rows shown only.
        .annotate(
            average_score=Subquery(_reviews_of_outer().annotate(value=Avg("weighted_score")).values("value")),
            review_count=Coalesce(Subquery(_reviews_of_outer().annotate(value=Count("pk")).values("value")), 0),
        )
    )
    today = timezone.localdate(now) if now else None
    queryset = queryset.annotate(
        applicant_late=ExpressionWrapper(applicant_late_q(today=today), output_field=BooleanField())
    )
    queryset = queryset.filter(queue_view_filter(view, user, now=now))
    if call:
        queryset = queryset.filter(call_id=call)
    if track:
        queryset = queryset.filter(track_id=track)
    if state == UNDER_HANDLING:
        queryset = queryset.filter(state__in=Application.UNDER_HANDLING_STATES)
    elif state:
        queryset = queryset.filter(state=state)
    if assigned == "me":
        queryset = queryset.filter(assigned_to=user)
    elif assigned == "none":
        queryset = queryset.filter(assigned_to__isnull=True)
    for word in search.split()[:5]:
        queryset = queryset.filter(
            Q(reference__icontains=word) | Q(organisation__name__icontains=word) | Q(title__icontains=word)
        )
    return queryset.order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["submitted"]))


def is_overdue(application, *, now=None) -> bool:
    """The row-level twin of the "overdue" tab (`queue_view_filter`)."""
    since = getattr(application, "waiting_since", None)
    limit = (now or timezone.now()) - timedelta(days=OVERDUE_DAYS)
    return application.state in NEEDS_ACTION_STATES and since is not None and since < limit


def days_waiting(application, *, now=None) -> int | None:
    """Whole days since the applicant's last action (`Application.waiting_since`)."""
    since = getattr(application, "waiting_since", None)
    if since is None:
        return None
    return max(0, ((now or timezone.now()) - since).days)


def reviews_of(application) -> QuerySet[Review]:
    """The reviews that count (`counting_reviews`), with their scores."""
    return (
        counting_reviews()
        .filter(application=application)
        .select_related("handler")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=Score.objects.select_related("criterion").order_by("criterion__position", "criterion_id"),
            )
        )
    )


def review_by(application, handler) -> Review | None:
    return application.reviews.filter(handler=handler).prefetch_related("scores").first()


def average_score(application, reviews: list[Review] | None = None) -> Decimal | None:
    """Mean of the reviews' weighted averages (handlers only); from `reviews` when the page has them already."""
    if reviews is None:
        return counting_reviews().filter(application=application).aggregate(value=Avg("weighted_score"))["value"]
    scores = [review.weighted_score for review in reviews if review.weighted_score is not None]
    return sum(scores) / len(scores) if scores else None


# --- Overview ----------------------------------------------------------------------------------------------------


@dataclass
class CallOverview:
    call: GrantCall
    counts: list[tuple[str, int]]
    requested: int
    granted: int
    left: int
    average: Decimal | None
    criterion_averages: list[tuple[Criterion, Decimal | None]]

    @property
    def used_percent(self) -> float:
        if not self.call.total_budget:
            return 0.0
        return min(100.0, 100.0 * self.granted / self.call.total_budget)

    @property
    def used_width(self) -> str:
        """SVG width (locale-independent) of the granted part of the bar."""
        return f"{self.used_percent * 4:.1f}"

    @property
    def requested_width(self) -> str:
        return f"{self.requested_percent * 4:.1f}"

    @property
    def requested_percent(self) -> float:
        if not self.call.total_budget:
            return 0.0
        return min(100.0, 100.0 * self.requested / self.call.total_budget)


def call_overview(call) -> CallOverview:
    """Counts per state, requested and granted sums, budget left and average scores of one call."""
    submitted = Application.objects.filter(call=call).exclude(state__in=[S.DRAFT, S.WITHDRAWN])
    per_state = dict(
        Application.objects.filter(call=call).values_list("state").annotate(n=Count("id")).values_list("state", "n")
    )
    counts = [(label, per_state.get(value, 0)) for value, label in S.choices]
    requested = submitted.aggregate(total=Sum("requested_amount"))["total"] or 0
    granted = budget_granted(call)
    counting = counting_reviews().filter(application__call=call)
    average = counting.aggregate(value=Avg("weighted_score"))["value"]
    criteria = list(call.criteria.annotate(average=Avg("scores__score", filter=Q(scores__review__in=counting))))
    return CallOverview(
        call=call,
        counts=counts,
        requested=requested,
        granted=granted,
        left=call.total_budget - granted,
        average=average,
        criterion_averages=[(criterion, criterion.average) for criterion in criteria],
    )


RECOMMENDATIONS = ("approve", "reject", "unsure")


def export_rows(call=None) -> QuerySet[Application]:
    """Applications (of a call) for the exports, with everything prefetched (no query per row)."""
    queryset = Application.objects.exclude(state=S.DRAFT)
    if call is not None:
        queryset = queryset.filter(call=call)
    return (
        queryset.select_related("call", "track", "organisation", "decision", "assigned_to")
        .prefetch_related(Prefetch("reviews", queryset=counting_reviews().prefetch_related("scores")))
        .annotate(average_score=Subquery(_reviews_of_outer().annotate(value=Avg("weighted_score")).values("value")))
        .order_by("reference")
    )


def _export_row(application, reviews, per_criterion=()) -> list:
    """One row of an export: numbers as numbers (ints, Decimals), texts in the reader's language; the writer
    (CSV or .xlsx) formats them."""
    decision = getattr(application, "decision", None)
    return [
        application.reference,
        application.organisation.name,
        application.title,
        application.call.reference_number,
        application.track.name,
        application.get_state_display(),
        timezone.localtime(application.submitted_at).date() if application.submitted_at else None,
        application.requested_amount or 0,
        str(application.assigned_to or ""),
        len(reviews),
        application.average_score.quantize(Decimal("0.01")) if application.average_score is not None else None,
        *per_criterion,
        # One column per recommendation, counted (the header names it in words).
        *[sum(1 for review in reviews if review.recommendation == value) for value in RECOMMENDATIONS],
        decision.get_outcome_display() if decision else "",
        decision.granted_amount if decision else None,
        decision.reasoning if decision else "",
    ]


def export_table(call) -> tuple[list, list[list]]:
    """(criteria, rows) for the call's export: one row per application that left the draft state, with
    its review figures (average per criterion, recommendations counted) and decision."""
    criteria = list(call.criteria.all())
    rows = []
    for application in export_rows(call):
        reviews = list(application.reviews.all())
        per_criterion = []
        for criterion in criteria:
            values = [s.score for r in reviews for s in r.scores.all() if s.criterion_id == criterion.pk]
            per_criterion.append((Decimal(sum(values)) / len(values)).quantize(Decimal("0.01")) if values else None)
        rows.append(_export_row(application, reviews, per_criterion))
    return criteria, rows


def ticked_ids(values) -> list[int]:
    """The ids posted by the queue's checkboxes: numbers that can be ids only (no overflow), at most 500."""
    return [int(value) for value in values if str(value).isdigit() and len(str(value)) <= 18][:500]


def selection_export_table(user, pks) -> list[list]:
    """Rows of the applications ticked in the queue (any calls: no per-criterion columns)."""
    numbers = ticked_ids(pks)
    return [_export_row(a, list(a.reviews.all())) for a in export_rows().filter(pk__in=numbers)]


def compute_weighted(scores) -> Decimal | None:
    return weighted_average((score.score, score.criterion.weight) for score in scores)


def with_reported_costs(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Add `reported_costs` (the sum of the actual costs reported, or None), `granted` (the decision's amount, or
    None) and `costs_over_grant` (their difference) to each row: the queue flags a final report whose costs exceed
    the grant. Scalar subqueries, computed for the rows shown only."""
    reported = (
        BudgetLine.objects.filter(application=OuterRef("pk"), actual_amount__isnull=False)
        .values("application")
        .annotate(value=Sum("actual_amount"))
        .values("value")
    )
    granted = Decision.objects.filter(application=OuterRef("pk")).values("granted_amount")
    return queryset.annotate(reported_costs=Subquery(reported), granted=Subquery(granted)).annotate(
        costs_over_grant=F("reported_costs") - F("granted")
    )
