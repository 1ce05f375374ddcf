"""Reads of the checks app. Every object a user reaches is fetched through a scoped helper here;
"missing" and "not yours" both raise Http404."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.rules import active_organisation, is_portal_admin, is_staff_role
from portal.selectors import organisation_owners

from .models import (
    Application,
    ConflictOfInterest,
    Criterion,
    Decision,
    GrantCall,
    Review,
    Score,
    StateChange,
    weighted_average,
)

S = Application.State


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


def applications_for(user) -> QuerySet[Application]:
    """Applications of the organisation the user acts for."""
    organisation = active_organisation(user)
    if organisation is None:
        return Application.objects.none()
    return _application_base().filter(organisation=organisation)


def get_application_for(user, pk) -> Application:
    """An application of the organisation the user acts for; 404 for anything else."""
    return _get(applications_for(user).select_related("decision", "final_report"), pk)


def get_application_for_staff(user, pk) -> Application:
    """Any application that has been submitted (drafts are the applicant's own), for handlers and admins."""
    if not is_staff_role(user):
        raise Http404
    return _get(
        _application_base().exclude(state=S.DRAFT).select_related("decision", "final_report"),
        pk,
    )


def people_to_mail(application) -> list:
    """Who is mailed about an application: the contact person and the organisation's owners, once each."""
    people = {application.contact.pk: application.contact}
    for owner in organisation_owners(application.organisation):
        people.setdefault(owner.pk, owner)
    return list(people.values())


def decisions_of(application) -> list:
    """Every decision on the application, newest first: the one that stands and those corrected (FL 36 §), each
    with its letters (newest first) and who presented and decided it."""
    return list(
        Decision.objects.filter(for_application=application)
        .select_related("decided_by", "presented_by", "corrects")
        .prefetch_related("letters")
        .order_by("-decided_at", "-id")
    )


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


def conflict_for(user, application) -> ConflictOfInterest | None:
    """The handler's conflict with this application or its organisation, if any (cached per user)."""
    cache = getattr(user, "_check_conflicts_cache", None)
    if cache is None:
        cache = list(ConflictOfInterest.objects.filter(handler=user))
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
                % {"requested": application.requested_amount, "total": total},
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
                    "requested": application.requested_amount,
                    "count": max(application.competence_count, 1),
                    "cap": cap,
                },
            )
        )
    return missing


# --- Handler queue -----------------------------------------------------------------------------------------------

UNDER_HANDLING = "under_handling"

QUEUE_SORTS = {
    "submitted": ("submitted_at", "id"),
    "-submitted": ("-submitted_at", "-id"),
    "amount": ("requested_amount", "id"),
    "-amount": ("-requested_amount", "-id"),
    # Applications without reviews last either way (PostgreSQL would put NULL first when descending).
    "score": (F("average_score").asc(nulls_last=True), "id"),
    "-score": (F("average_score").desc(nulls_last=True), "-id"),
    "reference": ("reference",),
}


def _reviews_of_outer():
    return Review.objects.filter(application=OuterRef("pk")).order_by().values("application")


def review_queue(user, *, call=None, track=None, state=None, assigned=None, sort="submitted") -> QuerySet[Application]:
    """Submitted applications for handlers, filtered and sorted; drafts never appear.

    `state`: one state, or UNDER_HANDLING (submitted, in review, completion requested, final report submitted).
    `assigned`: "me" (assigned to the user) or "none" (unassigned).
    """
    queryset = (
        Application.objects.exclude(state=S.DRAFT)
        .select_related("call", "track", "organisation", "assigned_to")
        # Scalar subqueries, not a join with GROUP BY over every wide row: the database sorts and cuts the
        # page first and computes the two numbers for the rows shown only.
        .annotate(
            average_score=Subquery(_reviews_of_outer().annotate(value=Avg("weighted_score")).values("value")),
            review_count=Coalesce(Subquery(_reviews_of_outer().annotate(value=Count("pk")).values("value")), 0),
        )
    )
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
    return queryset.order_by(*QUEUE_SORTS.get(sort, QUEUE_SORTS["submitted"]))


def reviews_of(application) -> QuerySet[Review]:
    return application.reviews.select_related("handler").prefetch_related(
        Prefetch(
            "scores", queryset=Score.objects.select_related("criterion").order_by("criterion__position", "criterion_id")
        )
    )


def review_by(application, handler) -> Review | None:
    return reviews_of(application).filter(handler=handler).first()


def average_score(application, reviews: list[Review] | None = None) -> Decimal | None:
    """Mean of the reviews' weighted averages (handlers only); from `reviews` when the page has them already."""
    if reviews is None:
        return application.reviews.aggregate(value=Avg("weighted_score"))["value"]
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
    average = Review.objects.filter(application__call=call).aggregate(value=Avg("weighted_score"))["value"]
    criteria = list(call.criteria.annotate(average=Avg("scores__score")))
    return CallOverview(
        call=call,
        counts=counts,
        requested=requested,
        granted=granted,
        left=call.total_budget - granted,
        average=average,
        criterion_averages=[(criterion, criterion.average) for criterion in criteria],
    )


def export_rows(call) -> QuerySet[Application]:
    """Applications of a call for the CSV export, with everything prefetched (no query per row)."""
    return (
        Application.objects.filter(call=call)
        .exclude(state=S.DRAFT)
        .select_related("track", "organisation", "decision", "assigned_to")
        .prefetch_related(Prefetch("reviews", queryset=Review.objects.prefetch_related("scores")))
        .annotate(average_score=Avg("reviews__weighted_score"))
        .order_by("reference")
    )


def export_table(call) -> tuple[list, list[list]]:
    """(criteria, rows) for the call's CSV export: one row per application that left the draft state, with
    its review figures (average per criterion, recommendations counted approve/reject/unsure) and decision."""
    criteria = list(call.criteria.all())
    rows = []
    for application in export_rows(call):
        reviews = list(application.reviews.all())
        per_criterion = []
        for criterion in criteria:
            values = [s.score for r in reviews for s in r.scores.all() if s.criterion_id == criterion.pk]
            per_criterion.append(f"{sum(values) / len(values):.2f}" if values else "")
        recommendations = "/".join(
            str(sum(1 for r in reviews if r.recommendation == value)) for value in ("approve", "reject", "unsure")
        )
        decision = getattr(application, "decision", None)
        rows.append(
            [
                application.reference,
                application.organisation.name,
                application.title,
                application.track.name,
                application.get_state_display(),
                timezone.localtime(application.submitted_at).strftime("%Y-%m-%d") if application.submitted_at else "",
                application.requested_amount or 0,
                str(application.assigned_to or ""),
                len(reviews),
                f"{application.average_score:.2f}" if application.average_score is not None else "",
                *per_criterion,
                recommendations,
                decision.get_outcome_display() if decision else "",
                decision.granted_amount if decision else "",
                decision.reasoning if decision else "",
            ]
        )
    return criteria, rows


def compute_weighted(scores) -> Decimal | None:
    return weighted_average((score.score, score.criterion.weight) for score in scores)
