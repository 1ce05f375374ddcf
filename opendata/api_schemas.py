"""The read API's shapes (django-ninja schemas, pydantic): what each endpoint accepts and answers.

The same classes validate the query string, build the responses and make the OpenAPI document
(`/api/v1/openapi.json`), so the document cannot drift from what is served. Only what the public pages show is
here: no drafts, responses, questions, internal assessments, registrations or a webinar's join link.
"""

from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Annotated

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StringConstraints

from checks.models import GrantCall
from projects.cpv_divisions import DIVISIONS
from projects.models import Call, CallState, Category, Need, Theme

MAX_LIMIT = 100  # items per page; a larger `limit` is refused (400), not capped: a client learns the rule at once
DEFAULT_LIMIT = 20
MAX_CURSOR_LENGTH = 1000

# A filter's text: what `portal.query.clean_param` would strip (control characters, NUL included) is refused.
FilterText = Annotated[str, StringConstraints(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")]
CpvDivision = Enum("CpvDivision", {f"D{code[:2]}": code[:2] for code, *_rest in DIVISIONS}, type=str)


class NeedSort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    CLOSING = "closing"


class CallsFilter(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CallStateFilter(StrEnum):
    OPEN = "open"
    UPCOMING = "upcoming"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    ALL = "all"


class WebinarWhen(StrEnum):
    UPCOMING = "upcoming"
    PAST = "past"
    ALL = "all"


# --- query strings ------------------------------------------------------------------------------------------------


class Page(Schema):
    """Cursor pagination: `cursor` is the opaque token of a response's `next` link; `limit` 1–100 (default 20)."""

    model_config = ConfigDict(extra="forbid")

    cursor: Annotated[str, StringConstraints(max_length=MAX_CURSOR_LENGTH)] | None = Field(
        None, description="The opaque token from a previous page's `next` link. Malformed or changed: 400."
    )
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, 1–{MAX_LIMIT}. More than {MAX_LIMIT}: 400."
    )


class CatalogueFilters(Page):
    """The filters of the public catalogue (`/needs/`, `/calls/`: projects.forms), strict: a value the catalogue's
    form would ignore is refused here (400)."""

    q: FilterText | None = Field(None, description="Search words (prefixes), as the catalogue's search box.")
    theme: Theme | None = None
    category: Category | None = None
    stage: Need.Stage | None = Field(None, description="The need's stage.")
    cpv_division: CpvDivision | None = Field(None, description="The first two digits of a CPV code.")
    organisation: int | None = Field(None, ge=1, le=2**63 - 1, description="The buyer's id (`organisation.id`).")
    sort: NeedSort | None = Field(
        None,
        description="`relevance` (the default with `q`), `newest` (published last first), `closing` (needs: planned "
        "start of procurement soonest; calls: closing soonest). Without: the catalogue's own order.",
    )


class NeedFilters(CatalogueFilters):
    calls: CallsFilter | None = Field(None, description="Needs with an open (or a closed) call.")


class CallFilters(CatalogueFilters):
    state: CallStateFilter = Field(CallStateFilter.OPEN, description="The call's state now; the default is `open`.")
    kind: Call.Kind | None = None


class WebinarFilters(Page):
    when: WebinarWhen = Field(
        WebinarWhen.UPCOMING,
        description="`upcoming` (not ended, soonest first; cancelled ones too), `past` (ended and held, newest first) "
        "or `all` (newest first).",
    )
    series: Annotated[str, StringConstraints(max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")] | None = Field(
        None, description="A series' short name (`series.slug`)."
    )


# --- answers ------------------------------------------------------------------------------------------------------


class Answer(BaseModel):
    """The base of the answers: a plain pydantic model. (ninja's `Schema` reads ORM objects through a wrapper on
    every nested model; the endpoints hand over dicts, and a page of 100 needs validates in a fraction of the time.)"""


class ErrorDetail(Answer):
    code: str = Field(
        description="`invalid_parameter`, `unknown_parameter`, `invalid_cursor`, `not_found`, `method_not_allowed` or "
        "`rate_limited`."
    )
    message: str


class Error(Answer):
    """Every 4xx answer of the API (and of the OCDS endpoints)."""

    error: ErrorDetail


class Organisation(Answer):
    id: int
    name: str


class Cpv(Answer):
    code: str = Field(description="The CPV 2008 code with its check digit, e.g. `09331200-0`.")
    label: str = Field(description="English label.")
    label_sv: str = Field(description="Swedish label (empty when not loaded).")


class NeedRef(Answer):
    id: int
    title: str
    url: str


class Links(Answer):
    url: str = Field(description="This item in the API.")
    html_url: str = Field(description="Its public page.")


class NeedItem(Links):
    id: int
    title: str
    summary: str
    language: str = Field(description="The language its text is written in (`sv` or `en`).")
    organisation: Organisation
    themes: list[Theme]
    category: Category
    stage: Need.Stage
    cpv: list[Cpv]
    estimated_value_sek: int | None
    planned_start: date | None = Field(description="Planned start of the procurement.")
    published_at: datetime | None


class CallItem(Links):
    id: int
    title: str
    kind: Call.Kind
    state: CallState = Field(description="`scheduled`, `open`, `closed` or `cancelled`, by the clock now.")
    language: str
    opens_at: datetime
    closes_at: datetime
    published_at: datetime | None
    verified_companies_only: bool
    responses_sealed: bool
    organisation: Organisation
    need: NeedRef


class CallDetail(CallItem):
    description: str
    questions_to_market: str
    cancel_reason: str = Field(description="Why it was cancelled (empty unless `state` is `cancelled`).")


class NeedDetail(NeedItem):
    problem: str
    desired_effects: str
    affected: str
    calls: list[CallItem] = Field(description="Its published calls, latest opening first.")


class Series(Answer):
    slug: str
    title: str


class Speaker(Answer):
    name: str
    title: str
    organisation: str


class WebinarItem(Links):
    id: int
    title: str
    theme: str
    summary: str
    series: Series | None
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="`published` or `cancelled`.")
    cancellation_message: str
    recording_url: str | None = Field(description="The recording, once the webinar is over and one is published.")
    speakers: list[Speaker]


class WebinarDetail(WebinarItem):
    description: str


class Track(Answer):
    name: str
    description: str
    cap_one_sek: int = Field(description="Cap with one external competence.")
    cap_two_or_more_sek: int | None = Field(description="Cap with two or more (none: the same cap).")


class Criterion(Answer):
    name: str
    description: str
    weight: int


class GrantCallItem(Links):
    id: int
    name: str
    reference_number: str
    theme: str
    language: str
    opens_on: date
    closes_on: date = Field(description="Applications are accepted until the end of this day (Europe/Stockholm).")
    phase: GrantCall.Phase = Field(description="`scheduled`, `open` or `closed`, by today's date.")
    total_budget_sek: int
    tracks: list[Track]


class GrantCallDetail(GrantCallItem):
    description: str
    how_to_apply: str
    criteria: list[Criterion]


def page_of(item: type[Answer], name: str) -> type[Answer]:
    """A page of `item`s: `results` and the `next` link (null on the last page)."""
    return type(
        name,
        (Answer,),
        {
            "__annotations__": {"results": list[item], "next": str | None},
            "next": Field(description="The next page (a URL relative to this host), or null on the last page."),
        },
    )


NeedPage = page_of(NeedItem, "NeedPage")
CallPage = page_of(CallItem, "CallPage")
WebinarPage = page_of(WebinarItem, "WebinarPage")
GrantCallPage = page_of(GrantCallItem, "GrantCallPage")


class Index(Answer):
    resources: dict[str, str]
    openapi: str
    license: str
    publisher: str
