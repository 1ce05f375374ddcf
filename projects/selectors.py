"""Reads of the projects app. Every object a user reaches is fetched through a scoped helper here;
"missing" and "not yours" both raise Http404.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from portal.clock import database_now
from portal.compiled import CompiledQuery, count_of_outer
from portal.models import Membership, Organisation
from portal.rules import active_organisation, org_roles

from . import search_index
from .analysis import query_terms
from .cpv import is_descendant_or_same, significant_prefix
from .models import (
    Call,
    InterestProfile,
    Need,
    Question,
    Response,
    calls_in_state_q,
    stored_call_state_q,
)
from .response_history.selectors import sealed_responses_q, with_latest_version
from .search_text import AnalysedText, keyword_terms, keywords_match
from .search_text import call_text as search_call_text

# --- search ------------------------------------------------------------------------------------------------------


def apply_search(queryset: QuerySet, text: str) -> QuerySet:
    """The rows whose analysed terms begin with every term of the query (projects.analysis), annotated with a
    `rank` (higher is better: title above summary above body). The same hits on SQLite (FTS5) and PostgreSQL
    (`search_vector`); a query without usable terms finds nothing."""
    wanted = query_terms(text or "")
    if not (text or "").strip():
        return queryset
    if not wanted:
        return queryset.none()
    table = queryset.model._meta.db_table
    if connection.vendor == "postgresql":
        # query_terms are letters and digits only, so nothing here is a tsquery operator.
        tsquery = " & ".join(f"{term}:*" for term in wanted)
        return queryset.filter(
            pk__in=RawSQL(f"SELECT id FROM {table} WHERE search_vector @@ to_tsquery('simple', %s)", [tsquery])
        ).annotate(rank=RawSQL(f"ts_rank({table}.search_vector, to_tsquery('simple', %s))", [tsquery], FloatField()))
    fts = search_index.FTS_TABLES[table]
    # Each term quoted (an FTS5 string) and a prefix: no FTS5 operator can come from the query.
    match = " AND ".join(f'"{term}"*' for term in wanted)
    weights = ", ".join(str(weight) for weight in search_index.BM25_WEIGHTS)
    return queryset.filter(pk__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match])).annotate(
        rank=RawSQL(
            f"(SELECT -bm25({fts}, {weights}) FROM {fts} WHERE {fts} MATCH %s AND rowid = {table}.id)",
            [match],
            FloatField(),
        )
    )


SORTS = ("relevance", "newest", "closing")


def order_search(queryset: QuerySet, text: str, sort: str) -> QuerySet:
    """Order a catalogue: `relevance` (the default with a query; ties in the list's own order), `newest`
    (published last first), `closing` (calls closing soonest; needs by the planned start of procurement, soonest
    first). Without a query and a sort the list keeps its own order."""
    default = list(queryset.query.order_by or queryset.model._meta.ordering)
    if sort == "newest":
        return queryset.order_by("-published_at", "-id")
    if sort == "closing" and queryset.model is Call:
        return queryset.order_by("closes_at", "id")
    if sort == "closing":
        return queryset.order_by(F("planned_start").asc(nulls_last=True), "-id")
    if query_terms(text or "") and sort in ("", "relevance"):
        return queryset.order_by("-rank", *default)
    return queryset


def _filter_theme(queryset: QuerySet, theme: str, prefix: str = "") -> QuerySet:
    """Needs (or calls via `prefix`) with the theme in their JSON list of themes, on any database."""
    field = f"{prefix}themes"
    if connection.vendor == "postgresql":
        return queryset.filter(**{f"{field}__contains": [theme]})
    # SQLite has no JSON containment; the JSON text of the list contains the quoted code.
    return queryset.filter(**{f"{field}__icontains": f'"{theme}"'})


# --- needs -------------------------------------------------------------------------------------------------------


def published_needs() -> QuerySet[Need]:
    return Need.objects.filter(visibility=Need.Visibility.PUBLISHED).select_related("organisation")


def filter_needs(queryset: QuerySet[Need], filters: dict) -> QuerySet[Need]:
    """Apply the catalogue filters (cleaned data of NeedFilterForm). Each condition is one line."""
    if filters.get("theme"):
        queryset = _filter_theme(queryset, filters["theme"])
    if filters.get("category"):
        queryset = queryset.filter(category=filters["category"])
    if filters.get("stage"):
        queryset = queryset.filter(stage=filters["stage"])
    if filters.get("organisation"):
        queryset = queryset.filter(organisation=filters["organisation"])
    if filters.get("cpv_division"):
        queryset = queryset.filter(
            Exists(
                Need.cpv_codes.through.objects.filter(
                    need=OuterRef("pk"), cpvcode__code__startswith=filters["cpv_division"]
                )
            )
        )
    if filters.get("calls") == "open":
        queryset = queryset.filter(Exists(Call.objects.filter(open_calls_q(), need=OuterRef("pk"))))
    elif filters.get("calls") == "closed":
        queryset = queryset.filter(Exists(Call.objects.filter(closed_calls_q(), need=OuterRef("pk"))))
    queryset = apply_search(queryset, filters.get("q", ""))
    return order_search(queryset, filters.get("q", ""), filters.get("sort", ""))


def needs_of_organisation(organisation: Organisation) -> QuerySet[Need]:
    """All needs of an organisation, drafts included (for its own members)."""
    return (
        Need.objects.filter(organisation=organisation)
        .select_related("organisation")
        .annotate(call_count=Count("calls"))
        .order_by("-updated_at", "-id")
    )


# The copies of a need's or call's text that the search reads: no page shows them.
SEARCH_FIELDS = ("search_title", "search_summary", "search_body", "search_vector")


def get_need_for(user, pk) -> Need:
    """A need the user may see: published, or a draft of one of their organisations. 404 otherwise.

    Without its CPV codes and assessments: the need's page reads them only when it renders the parts that show them
    (a cached fragment needs neither)."""
    return _only(_need_for, pk=pk, user_id=_user_id(user))


def _user_id(user) -> int:
    return user.pk if user.is_authenticated else 0


def _member_of(user_id, organisation_field: str) -> Exists:
    """The outer row's organisation (`organisation_field`) is one the user belongs to: a subquery on the user's id
    rather than a list of ids, so that the query compiles once for every user (portal.compiled)."""
    return Exists(Membership.objects.filter(user_id=user_id, organisation_id=OuterRef(organisation_field)))


def _only(query: CompiledQuery, **values):
    """The one row of `query` run with `values` (a key that is not a number finds nothing); 404 if none."""
    try:
        values = {name: int(value) for name, value in values.items()}
    except (TypeError, ValueError):
        raise Http404 from None
    found = query.instances(**values)
    if not found:
        raise Http404
    return found[0]


_need_for = CompiledQuery(
    lambda pk, user_id: (
        Need.objects.select_related("organisation", "author")
        .defer(*SEARCH_FIELDS)
        .filter(Q(visibility=Need.Visibility.PUBLISHED) | Q(_member_of(user_id, "organisation_id")), pk=pk)
    ),
    "pk",
    "user_id",
)


def get_own_need(user, pk) -> Need:
    """A need of the organisation the user acts for (for editing). 404 otherwise."""
    organisation = active_organisation(user)
    if organisation is None:
        raise Http404
    try:
        return (
            Need.objects.select_related("organisation")
            .prefetch_related("cpv_codes")
            .get(pk=pk, organisation=organisation)
        )
    except (Need.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def publishers() -> QuerySet[Organisation]:
    """Organisations that have published needs (for the catalogue filter)."""
    # Only public bodies have needs: looking among them alone spares a probe per company.
    return Organisation.objects.filter(
        Exists(Need.objects.filter(organisation=OuterRef("pk"), visibility=Need.Visibility.PUBLISHED)),
        kind=Organisation.Kind.PUBLIC_BODY,
    ).order_by("name")


# --- calls -------------------------------------------------------------------------------------------------------


def open_calls_q(now=None) -> Q:
    """Calls that are open by their dates, whether or not the periodic task has moved them yet."""
    return calls_in_state_q(Call.State.OPEN, now or timezone.now())


def closed_calls_q(now=None) -> Q:
    return calls_in_state_q(Call.State.CLOSED, now or timezone.now())


def upcoming_calls_q(now=None) -> Q:
    return calls_in_state_q(Call.State.SCHEDULED, now or timezone.now())


def public_calls() -> QuerySet[Call]:
    """Published calls of published needs, in any state."""
    return Call.objects.filter(published_at__isnull=False, need__visibility=Need.Visibility.PUBLISHED).select_related(
        "need__organisation"
    )


def filter_calls(queryset: QuerySet[Call], filters: dict) -> QuerySet[Call]:
    """Apply the call catalogue filters (cleaned data of CallFilterForm). Default: open calls."""
    state = filters.get("state") or "open"
    if state == "open":
        queryset = queryset.filter(open_calls_q())
    elif state == "upcoming":
        queryset = queryset.filter(upcoming_calls_q())
    elif state == "closed":
        queryset = queryset.filter(closed_calls_q()).order_by("-closes_at", "-id")
    elif state == "cancelled":
        queryset = queryset.filter(stored_call_state_q(Call.State.CANCELLED)).order_by("-closes_at", "-id")
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("theme"):
        queryset = _filter_theme(queryset, filters["theme"], prefix="need__")
    if filters.get("category"):
        queryset = queryset.filter(need__category=filters["category"])
    if filters.get("stage"):
        queryset = queryset.filter(need__stage=filters["stage"])
    if filters.get("organisation"):
        queryset = queryset.filter(need__organisation=filters["organisation"])
    if filters.get("cpv_division"):
        queryset = queryset.filter(
            Exists(
                Need.cpv_codes.through.objects.filter(
                    need=OuterRef("need_id"), cpvcode__code__startswith=filters["cpv_division"]
                )
            )
        )
    queryset = apply_search(queryset, filters.get("q", ""))
    return order_search(queryset, filters.get("q", ""), filters.get("sort", ""))


def _count_of_outer_call(queryset: QuerySet):
    """A scalar subquery counting the rows of `queryset` of the outer call."""
    return count_of_outer(queryset, "call")


def calls_of_organisation(organisation: Organisation) -> QuerySet[Call]:
    """All calls of an organisation's needs, with the number of submitted responses."""
    return (
        Call.objects.filter(need__organisation=organisation)
        .select_related("need__organisation")
        .annotate(
            submitted_count=_count_of_outer_call(Response.objects.filter(status=Response.Status.SUBMITTED)),
            unanswered_count=_count_of_outer_call(Question.objects.filter(status=Question.Status.PENDING)),
        )
        .order_by("-created_at", "-id")
    )


def get_call_for(user, pk) -> Call:
    """A call the user may see: published (of a published need), or one of their organisations' calls."""
    return _only(_call_for, pk=pk, user_id=_user_id(user))


def _visible_call(pk, user_id):
    return Call.objects.select_related("need__organisation", "created_by").filter(
        Q(published_at__isnull=False, need__visibility=Need.Visibility.PUBLISHED)
        | Q(_member_of(user_id, "need__organisation_id")),
        pk=pk,
    )


_call_for = CompiledQuery(_visible_call, "pk", "user_id")


@dataclass
class CallPage:
    """What the call's page shows about the call and about the person reading it (`call_page_for`)."""

    call: Call
    own_response: Response | None  # the response of the company acted for (`response_of`)
    own_questions: list[Question]  # `own_questions`
    follows: bool  # the user follows the call (projects.following)


def _call_page_queryset(pk, user_id, company_id):
    from .following.models import CallFollow
    from .meetings.models import MeetingSettings, MeetingSlot

    memberships = Membership.objects.filter(user_id=user_id)
    of_call = {"call": OuterRef("pk")}
    unpublished = Question.objects.exclude(status=Question.Status.PUBLISHED)
    return _visible_call(pk, user_id).annotate(
        own_response_id=Subquery(Response.objects.filter(**of_call, organisation_id=company_id).values("pk")[:1]),
        own_question_count=_count_of_outer_call(
            unpublished.filter(organisation_id__in=memberships.values("organisation_id"))
        ),
        user_follows=Exists(CallFollow.objects.filter(**of_call, user_id=user_id)),
        # `meeting_offer` is None unless both exist: the call page asks no more about meetings then.
        has_meeting_settings=Exists(MeetingSettings.objects.filter(**of_call)),
        has_offered_slots=Exists(MeetingSlot.objects.filter(**of_call, status=MeetingSlot.Status.OFFERED)),
    )


_call_page = CompiledQuery(_call_page_queryset, "pk", "user_id", "company_id")


def call_page_for(user, pk) -> CallPage:
    """The call as `get_call_for` gives it, with what its page shows of the reader's own: in one query, compiled
    once per process (portal.compiled), for a visitor as for a company. The company's response and its questions
    are read only when the query found that there are some. 404 as `get_call_for`."""
    company = active_organisation(user)
    company_id = company.pk if company is not None and company.is_company else 0
    call = _only(_call_page, pk=pk, user_id=_user_id(user), company_id=company_id)
    # Read by the meetings panel (projects.meetings.selectors.meeting_offer).
    call.offers_meetings = call.has_meeting_settings and call.has_offered_slots
    own_response = None
    if call.own_response_id is not None:
        own_response = Response.objects.filter(pk=call.own_response_id).first()
        if own_response is not None:
            own_response.call = call
    return CallPage(
        call=call,
        own_response=own_response,
        own_questions=own_questions(call, user) if call.own_question_count else [],
        follows=call.user_follows,
    )


def get_own_call(user, pk) -> Call:
    """A call of the organisation the user acts for. 404 otherwise."""
    organisation = active_organisation(user)
    if organisation is None:
        raise Http404
    try:
        return Call.objects.select_related("need__organisation").get(pk=pk, need__organisation=organisation)
    except (Call.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- responses ---------------------------------------------------------------------------------------------------


def reached_buyer_q() -> Q:
    """Responses that reached the buyer (`Response.has_reached_buyer`): submitted, or withdrawn after that."""
    return Q(status=Response.Status.SUBMITTED) | Q(status=Response.Status.WITHDRAWN, submitted_at__isnull=False)


def received_responses(call: Call) -> QuerySet[Response]:
    """What the buyer's list shows: every response that reached it, withdrawn ones too (a withdrawal deletes
    nothing, TF 2 kap.); never drafts."""
    return (
        Response.objects.filter(reached_buyer_q(), call=call)
        .select_related("organisation")
        .order_by("submitted_at", "id")
    )


def submitted_responses(call: Call) -> QuerySet[Response]:
    """What the buyer sees: submitted responses only, never drafts or withdrawn ones."""
    return (
        Response.objects.filter(call=call, status=Response.Status.SUBMITTED)
        .select_related("organisation")
        .order_by("submitted_at", "id")
    )


def received_readable_responses(call: Call) -> QuerySet[Response]:
    """The buyer's list: every response that reached it (`received_responses`), none while the call keeps them
    sealed, each with its latest version (`with_latest_version`)."""
    return with_latest_version(received_responses(call).exclude(sealed_responses_q(database_now())))


def readable_responses(call: Call) -> QuerySet[Response]:
    """The submitted responses the buyer may read: none while the call keeps them sealed (only their number,
    `submitted_responses(call).count()`, may be shown then)."""
    return with_latest_version(submitted_responses(call).exclude(sealed_responses_q(database_now())))


def response_of(organisation: Organisation | None, call: Call) -> Response | None:
    if organisation is None or not organisation.is_company:
        return None
    return Response.objects.filter(call=call, organisation=organisation).first()


def responses_of_organisation(organisation: Organisation) -> QuerySet[Response]:
    return (
        Response.objects.filter(organisation=organisation)
        .select_related("call__need__organisation")
        .order_by("-updated_at", "-id")
    )


def get_response_for(user, pk) -> Response:
    """The company's own response (any state), or one that reached the buyer (submitted or withdrawn after that)
    for the buyer's organisation, once its seal (if any) has lifted."""
    roles = list(org_roles(user))
    try:
        return (
            Response.objects.select_related("call__need__organisation", "organisation", "author")
            .filter(
                Q(organisation_id__in=roles)
                | (reached_buyer_q() & Q(call__need__organisation_id__in=roles) & ~sealed_responses_q(database_now()))
            )
            .get(pk=pk)
        )
    except (Response.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_own_response(user, pk) -> Response:
    """A response of the company the user acts for. 404 otherwise."""
    organisation = active_organisation(user)
    if organisation is None:
        raise Http404
    try:
        return Response.objects.select_related("call__need__organisation", "organisation").get(
            pk=pk, organisation=organisation
        )
    except (Response.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- questions ---------------------------------------------------------------------------------------------------


def questions_for(call: Call, user) -> dict:
    """The questions on the call page: {"published": for everyone, "own": the user's company's questions that are
    not published (pending or rejected, with their state), "pending_count": for the buyer organisation}."""
    roles = org_roles(user)
    buyer = call.need.organisation_id in roles
    return {
        "published": list(published_questions(call)),
        "own": own_questions(call, user),
        "pending_count": call.questions.filter(status=Question.Status.PENDING).count() if buyer else 0,
    }


def published_questions(call: Call) -> QuerySet[Question]:
    """The call's published questions and answers, which everybody sees, in the order they were asked."""
    return call.questions.filter(status=Question.Status.PUBLISHED).order_by("created_at", "id")


def own_questions(call: Call, user) -> list[Question]:
    """The user's companies' questions on the call that are not published (pending or rejected); none for the
    buyer's organisation."""
    roles = org_roles(user)
    if not roles or call.need.organisation_id in roles:
        return []
    return list(
        call.questions.exclude(status=Question.Status.PUBLISHED)
        .filter(organisation_id__in=list(roles))
        .order_by("created_at", "id")
    )


def questions_to_moderate(call: Call) -> dict:
    """Every question on the buyer's own call, by state. Never joined with the asking organisation or person: the
    buyer's pages do not show who asked."""
    questions = list(call.questions.defer("organisation", "asked_by").order_by("created_at", "id"))
    for question in questions:
        question.call = call
    return {
        "pending": [q for q in questions if q.is_pending],
        "published": [q for q in questions if q.is_published],
        "rejected": [q for q in questions if q.is_rejected],
    }


def get_question_of_own_call(user, call: Call, pk) -> Question:
    """A question on `call`, which the view has fetched with `get_own_call`; 404 for a question of another call."""
    try:
        question = Question.objects.get(pk=pk, call=call)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    question.call = call
    return question


def get_questions_of_own_call(user, call: Call, pks: list) -> list[Question]:
    """The questions `pks` on `call` (from `get_own_call`); 404 if any of them is not a question of that call."""
    try:
        wanted = {int(pk) for pk in pks}
    except (ValueError, TypeError):
        raise Http404 from None
    questions = list(Question.objects.filter(call=call, pk__in=wanted).order_by("pk"))
    if len(questions) != len(wanted):
        raise Http404
    for question in questions:
        question.call = call
    return questions


# --- matching ----------------------------------------------------------------------------------------------------


def profile_matches(
    profile: InterestProfile,
    call: Call,
    profile_codes: list[str],
    need_codes: list[str],
    call_text: AnalysedText | None = None,
) -> bool:
    """A profile matches a call if any of its CPV codes is the need's code or an ancestor of it, or a category or
    theme matches, or any keyword matches the call's indexed terms by the catalogue search's rule
    (projects/search_text.py). An empty profile matches nothing. `call_text` is the call's terms ready for
    look-ups, when the caller tests many profiles against one call."""
    need = call.need
    if any(is_descendant_or_same(code, ancestor) for code in need_codes for ancestor in profile_codes):
        return True
    if need.category in (profile.categories or []):
        return True
    if set(need.themes or []) & set(profile.themes or []):
        return True
    if not keyword_terms(profile.keywords):
        return False
    return keywords_match(profile.keywords, call_text or search_call_text(call))


def _profiles() -> QuerySet[InterestProfile]:
    return InterestProfile.objects.filter(organisation__kind=Organisation.Kind.COMPANY).prefetch_related("cpv_codes")


def profiles_matching(call: Call) -> list[InterestProfile]:
    need_codes = [code.code for code in call.need.cpv_codes.all()]
    text = search_call_text(call)
    return [
        profile
        for profile in _profiles()
        if profile_matches(profile, call, [c.code for c in profile.cpv_codes.all()], need_codes, text)
    ]


def _may_match_profile(profile: InterestProfile, profile_codes: list[str]) -> Q:
    """Calls that may match the profile (a superset of `profile_matches`); matches nothing for an empty profile."""
    condition = Q(pk__in=[])
    if profile_codes:
        code_condition = Q()
        for code in profile_codes:
            code_condition |= Q(cpvcode__code__startswith=significant_prefix(code))
        condition |= Exists(Need.cpv_codes.through.objects.filter(code_condition, need=OuterRef("need")))
    if profile.categories:
        condition |= Q(need__category__in=profile.categories)
    for theme in profile.themes or []:
        if connection.vendor == "postgresql":
            condition |= Q(need__themes__contains=[theme])
        else:
            condition |= Q(need__themes__icontains=f'"{theme}"')
    if keyword_terms(profile.keywords):
        # Keywords match stems, compounds and the category's and themes' labels (the search's rule), which no
        # plain SQL condition says exactly: every call may match, `profile_matches` judges.
        condition = Q()
    return condition


def calls_matching_profile(profile: InterestProfile, calls: QuerySet[Call]) -> list[Call]:
    """The calls of `calls` that match the profile, in their order: the database keeps those that may match
    (`_may_match_profile`), `profile_matches` judges each (the rule of the call alerts). Two queries besides the
    profile's CPV codes (read once: prefetch them); nothing for an empty profile."""
    profile_codes = [c.code for c in profile.cpv_codes.all()]
    candidates = calls.filter(_may_match_profile(profile, profile_codes)).prefetch_related("need__cpv_codes")
    return [
        call
        for call in candidates
        if profile_matches(profile, call, profile_codes, [c.code for c in call.need.cpv_codes.all()])
    ]


def matching_open_calls(organisation: Organisation, limit: int = 20) -> list[Call]:
    """Open calls matching the company's interest profile (empty without a profile)."""
    profile = InterestProfile.objects.filter(organisation=organisation).prefetch_related("cpv_codes").first()
    if profile is None:
        return []
    profile_codes = [c.code for c in profile.cpv_codes.all()]
    calls = (
        public_calls()
        .filter(open_calls_q(), _may_match_profile(profile, profile_codes))
        .prefetch_related("need__cpv_codes")
        .order_by("closes_at", "id")
    )
    # Read in chunks of twice the panel's length, soonest closing first, and stop at `limit` matches. Without
    # keywords the database finds the matches (`_may_match_profile` says the same as `profile_matches`, which
    # stays the judge), so the first chunk is enough; with keywords every open call may match and
    # `profile_matches` judges each, but only until `limit` have matched (it used to read and judge every open
    # call: about 80 ms of the company's dashboard at scale 1).
    chunk = limit * 2
    keywords = bool(keyword_terms(profile.keywords))
    matched = []
    offset = 0
    while True:
        rows = list(calls[offset : offset + chunk])
        for call in rows:
            if profile_matches(profile, call, profile_codes, [c.code for c in call.need.cpv_codes.all()]):
                matched.append(call)
                if len(matched) >= limit:
                    return matched
        if not keywords or len(rows) < chunk:
            return matched
        offset += chunk


# --- public page cache ---------------------------------------------------------------------------------------------


def next_public_change(now):
    """The next moment a call opens or closes by the clock (public pages show its state at render time)."""
    from django.db.models import Min

    # One query (it runs whenever the public pages' cache starts a new generation).
    moments = Call.objects.aggregate(
        opening=Min("opens_at", filter=upcoming_calls_q(now)),
        closing=Min("closes_at", filter=upcoming_calls_q(now) | open_calls_q(now)),
    )
    moments = [moment for moment in moments.values() if moment is not None]
    return min(moments, default=None)
