"""The read API (`/api/v1/`): the public catalogue of needs and calls, the webinars and the grant calls as JSON, with
an OpenAPI 3 description at `/api/v1/openapi.json` (docs/projects.md, "Read API").

django-ninja (docs/architecture.md says why): each endpoint is a function that reads through the apps' public
selectors, exactly what the public pages show, and returns the schema of `api_schemas`. Every URL is wrapped by
`guarded` (api_urls.py): read-only (other methods 405), rate-limited per client address (429 with Retry-After),
and served from the public page cache (portal/cache.py) while nothing it shows has changed. Every 4xx answer has
one shape, `{"error": {"code": ..., "message": ...}}`.
"""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db.models import BigIntegerField, ExpressionWrapper, F, FloatField, Prefetch, prefetch_related_objects
from django.db.models.functions import Cast
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError

from checks import selectors as check_selectors
from portal.cache import cache_public_page
from portal.cache_backends import REDIS_DOWN
from portal.client_ip import client_ip
from projects import selectors as project_selectors
from projects.analysis import query_terms
from projects.models import CpvCode
from webinars import selectors as webinar_selectors
from webinars.ratelimit import allow

from . import api_schemas as schemas
from .api_pagination import InvalidCursor, Key, digest, page

RATE_WINDOW = 60  # seconds; OPEN_DATA_API_REQUESTS_PER_MINUTE requests per client address in each
SAFE_METHODS = ("GET", "HEAD")
JSON = "application/json; charset=utf-8"  # as ninja answers
ERRORS = {400: schemas.Error, 429: schemas.Error}
DETAIL_ERRORS = {400: schemas.Error, 404: schemas.Error, 429: schemas.Error}
# What the need and call lists leave in the database: the long texts only their own pages show, the search copies.
LIST_DEFERRED = (*project_selectors.SEARCH_FIELDS,)
NEED_LIST_DEFERRED = ("problem", "desired_effects", "affected", *LIST_DEFERRED)
# A need's CPV codes without their search terms (long texts no answer shows).
CPV = Prefetch("cpv_codes", queryset=CpvCode.objects.only("code", "check_digit", "label", "label_sv"))
CALL_LIST_DEFERRED = ("description", "questions_to_market", "cancel_reason", *LIST_DEFERRED)

DESCRIPTION = """\
The public catalogue of Innovationsupphandlingsportalen: published needs and their calls to the market,
webinars and grant calls (innovation checks), exactly what the public pages show. Read-only and anonymous.

* **Filters** are those of the public catalogue; an unknown query parameter, or a value outside its list, is
  refused with 400.
* **Pagination** by cursor: a list answers `results` and `next`, the URL of the next page (null on the last).
  `limit` is 1–100 (default 20); more than 100 is refused with 400. A cursor is opaque and valid only with the
  filters it was made for; a malformed or changed one is refused with 400.
* **Errors** (4xx) are always `{"error": {"code": "...", "message": "..."}}`; other methods than GET and HEAD
  answer 405 with that body.
* **Rate limit**: a number of requests per client address and minute; past it, 429 with `Retry-After` (seconds).
"""


class PortalNinjaAPI(NinjaAPI):
    def get_root_path(self, path_params) -> str:
        return reverse("opendata:api_index")


api = PortalNinjaAPI(
    title="Innovationsupphandlingsportalen – read API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="opendata",
    openapi_url=None,  # served by `openapi_json` below, built once per process
    docs_url=None,  # nothing that loads scripts from other hosts; the JSON document is the description
)


# --- errors --------------------------------------------------------------------------------------------------------


def error_response(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status, content_type=JSON)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    problems = []
    for error in exc.errors:
        name = ".".join(str(part) for part in error.get("loc", ())[1:]) or "?"
        problems.append(f"{name}: {error.get('msg', '')}")
    message = _("Invalid query parameter. %(problems)s") % {"problems": "; ".join(problems)}
    return error_response(400, "invalid_parameter", message)


@api.exception_handler(InvalidCursor)
def _bad_cursor(request, exc: InvalidCursor):
    return error_response(
        400, "invalid_cursor", _("The cursor is not valid here: use the next link of a page with the same filters.")
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(404, "not_found", _("There is no such item."))


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/."""
    return error_response(404, "not_found", _("There is no such address in the API. See /api/v1/openapi.json."))


# --- every URL: read-only, rate-limited, cached ------------------------------------------------------------------


def _allow(key: str, limit: int) -> bool:
    """Count one request under `key` (its window is in the key); False past `limit`.

    On Redis one round trip (INCR and EXPIRE in a pipeline) instead of the three of `webinars.ratelimit.allow`
    (ADD, EXISTS, INCRBY), which every answer of the API pays, from the page cache too; it fails open while Redis is
    down, as the portal's cache does (portal/cache_backends.py). Other caches (tests, a laptop): `allow`."""
    backend = caches["default"]  # the backend itself (`django.core.cache.cache` is a proxy)
    if not isinstance(backend, RedisCache):
        return allow("opendata-api", key, limit=limit, window=RATE_WINDOW)
    full_key = backend.make_and_validate_key(f"ratelimit:opendata-api:{key}")
    try:
        pipeline = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipeline.incr(full_key)
        pipeline.expire(full_key, 2 * RATE_WINDOW)  # outlives its window: the next window has another key
        count, _expiry = pipeline.execute()
    except REDIS_DOWN:
        return True
    return count <= limit


def _rate_limited(request) -> JsonResponse | None:
    limit = settings.OPEN_DATA_API_REQUESTS_PER_MINUTE
    now = time.time()
    window = int(now // RATE_WINDOW)  # a fixed window, so that Retry-After is known
    if _allow(f"{client_ip(request)}:{window}", limit):
        return None
    response = error_response(
        429, "rate_limited", _("Too many requests: at most %(limit)s a minute.") % {"limit": limit}
    )
    response["Retry-After"] = str(max(1, int((window + 1) * RATE_WINDOW - now)))
    return response


def guarded(view, *, shows: tuple[str, ...], params: type | None):
    """`view` (a ninja path view) behind the API's rules: other methods 405, unknown query parameters 400 (`params`:
    the schema of those it takes), the rate limit, then the public page cache (`shows`: the families it shows)."""
    cached = cache_public_page(view, shows=shows)
    allowed = frozenset(params.model_fields) if params is not None else frozenset()

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            response = error_response(
                405, "method_not_allowed", _("The API is read-only: only GET and HEAD are allowed.")
            )
            response["Allow"] = ", ".join(SAFE_METHODS)
            return response
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            return error_response(
                400,
                "unknown_parameter",
                _("Unknown query parameter: %(names)s. See /api/v1/openapi.json.") % {"names": ", ".join(unknown)},
            )
        limited = _rate_limited(request)
        if limited is not None:
            return limited
        if request.method == "HEAD":
            # The operations are declared for GET; HEAD is answered the same (the server leaves out the body).
            request.method = "GET"
        response = cached(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"  # anonymous data, no credentials
        return response

    return wrapped


# --- the OpenAPI document ------------------------------------------------------------------------------------------


@functools.cache
def openapi_document() -> dict:
    schema = api.get_openapi_schema(path_prefix=reverse("opendata:api_index"))
    document = {
        **schema,
        "info": {**schema["info"], "license": {"name": "Licence of the data", "url": settings.OPEN_DATA_LICENSE}},
    }
    retry_after = {
        "Retry-After": {"description": "Seconds until a request is allowed again.", "schema": {"type": "integer"}}
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            too_many = operation["responses"].get(429)  # ninja's keys are the status codes as numbers
            if too_many is not None:
                too_many["headers"] = retry_after
    return document


def openapi_json(request):
    return JsonResponse(openapi_document(), content_type=JSON, json_dumps_params={"ensure_ascii": False})


# --- what an item shows ---------------------------------------------------------------------------------------------


def _links(api_url: str, html_url: str, pk) -> dict:
    return {"url": f"{api_url}{pk}/", "html_url": f"{html_url}{pk}/"}


class _Urls:
    """The bases of the items' links, reversed once per request."""

    def __init__(self):
        self.needs = reverse("opendata:api_need_list")
        self.calls = reverse("opendata:api_call_list")
        self.webinars = reverse("opendata:api_webinar_list")
        self.grant_calls = reverse("opendata:api_grantcall_list")
        self.need_pages = reverse("projects:need_list")
        self.call_pages = reverse("projects:call_list")
        self.webinar_pages = reverse("webinars:list")
        self.grant_call_pages = reverse("checks:call_list")


def _organisation(organisation) -> dict:
    return {"id": organisation.pk, "name": organisation.name}


def need_item(need, urls: _Urls) -> dict:
    return {
        **_links(urls.needs, urls.need_pages, need.pk),
        "id": need.pk,
        "title": need.title,
        "summary": need.summary,
        "language": need.language,
        "organisation": _organisation(need.organisation),
        "themes": need.themes,
        "category": need.category,
        "stage": need.stage,
        "cpv": [{"code": cpv.full_code, "label": cpv.label, "label_sv": cpv.label_sv} for cpv in need.cpv_codes.all()],
        "estimated_value_sek": need.estimated_value,
        "planned_start": need.planned_start,
        "published_at": need.published_at,
    }


def call_item(call, urls: _Urls) -> dict:
    need = call.need
    return {
        **_links(urls.calls, urls.call_pages, call.pk),
        "id": call.pk,
        "title": call.title,
        "kind": call.kind,
        "state": call.state,
        "language": call.language,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "published_at": call.published_at,
        "verified_companies_only": call.verified_companies_only,
        "responses_sealed": call.responses_sealed,
        "organisation": _organisation(need.organisation),
        "need": {"id": need.pk, "title": need.title, "url": f"{urls.needs}{need.pk}/"},
    }


def webinar_item(webinar, urls: _Urls) -> dict:
    series = webinar.series
    return {
        **_links(urls.webinars, urls.webinar_pages, webinar.pk),
        "id": webinar.pk,
        "title": webinar.title,
        "theme": webinar.theme,
        "summary": webinar.summary,
        "series": {"slug": series.slug, "title": series.title} if series is not None else None,
        "starts_at": webinar.starts_at,
        "ends_at": webinar.ends_at,
        "status": webinar.status,
        "cancellation_message": webinar.cancellation_message if webinar.is_cancelled else "",
        # As the pages: the recording once the webinar is over; never the join link (registrants only).
        "recording_url": (webinar.recording_url or None) if webinar.is_past else None,
        "speakers": [
            {"name": speaker.name, "title": speaker.title, "organisation": speaker.organisation}
            for speaker in webinar.speakers.all()
        ],
    }


def grant_call_item(call, urls: _Urls) -> dict:
    return {
        **_links(urls.grant_calls, urls.grant_call_pages, call.pk),
        "id": call.pk,
        "name": call.name,
        "reference_number": call.reference_number,
        "theme": call.theme,
        "language": call.language,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "phase": call.phase,
        "total_budget_sek": call.total_budget,
        "tracks": [
            {
                "name": track.name,
                "description": track.description,
                "cap_one_sek": track.cap_one,
                "cap_two_or_more_sek": track.cap_two_or_more,
            }
            for track in call.tracks.all()
        ],
    }


# --- lists ---------------------------------------------------------------------------------------------------------


def _page(request, queryset, order: list[Key], filters: schemas.Page, item, urls: _Urls) -> dict:
    scope = digest({"path": request.path, **filters.model_dump(mode="json", exclude={"cursor", "limit"})})
    rows, cursor = page(queryset, order, cursor=filters.cursor, limit=filters.limit, scope=scope)
    next_url = None
    if cursor is not None:
        query = request.GET.copy()
        query["cursor"] = cursor
        next_url = f"{request.path}?{urlencode(sorted(query.items()))}"
    return {"results": [item(row, urls) for row in rows], "next": next_url}


def _catalogue_filters(filters: schemas.CatalogueFilters) -> dict:
    """The filters as the catalogue's form cleans them (projects.selectors.filter_needs / filter_calls)."""
    values = filters.model_dump(mode="json", exclude={"cursor", "limit"}, exclude_none=True)
    values.setdefault("q", "")
    values.setdefault("sort", "")
    return values


NEWEST = [Key("published_at", descending=True), Key("id", descending=True)]


def _relevance(filters: schemas.CatalogueFilters) -> bool:
    return bool(filters.q and query_terms(filters.q)) and filters.sort in (None, schemas.NeedSort.RELEVANCE)


# The search's `rank` (projects.selectors.apply_search) is a float4 on PostgreSQL, whose text differs from the value
# it is compared as; the list is ordered and its cursor compared on this whole number instead, exact on both databases.
RELEVANCE = Key("relevance", descending=True)


def _with_relevance(queryset, order: list[Key]):
    if order[0] is not RELEVANCE:
        return queryset
    scaled = ExpressionWrapper(F("rank") * 1_000_000, output_field=FloatField())
    return queryset.annotate(relevance=Cast(scaled, BigIntegerField()))


def need_order(filters: schemas.NeedFilters) -> list[Key]:
    """The catalogue's orders (projects.selectors.order_search), each made total by the id."""
    default = [Key("published_at", descending=True), Key("created_at", descending=True), Key("id", descending=True)]
    if filters.sort == schemas.NeedSort.NEWEST:
        return NEWEST
    if filters.sort == schemas.NeedSort.CLOSING:
        return [Key("planned_start"), Key("id", descending=True)]
    if _relevance(filters):
        return [RELEVANCE, *default]
    return default


def call_order(filters: schemas.CallFilters) -> list[Key]:
    """The call catalogue's orders (projects.selectors.filter_calls, order_search)."""
    if filters.state in (schemas.CallStateFilter.CLOSED, schemas.CallStateFilter.CANCELLED):
        default = [Key("closes_at", descending=True), Key("id", descending=True)]
    else:
        default = [Key("closes_at"), Key("id")]
    if filters.sort == schemas.NeedSort.NEWEST:
        return NEWEST
    if filters.sort == schemas.NeedSort.CLOSING:
        return [Key("closes_at"), Key("id")]
    if _relevance(filters):
        return [RELEVANCE, *default]
    return default


@api.get("/", response={200: schemas.Index, 429: schemas.Error}, url_name="api_index", summary="What the API serves")
def index(request):
    urls = _Urls()
    return {
        "resources": {
            "needs": urls.needs,
            "calls": urls.calls,
            "webinars": urls.webinars,
            "grant-calls": urls.grant_calls,
        },
        "openapi": reverse("opendata:api_openapi"),
        "license": settings.OPEN_DATA_LICENSE,
        "publisher": settings.OPEN_DATA_PUBLISHER_NAME,
    }


@api.get(
    "/needs/",
    response={200: schemas.NeedPage, **ERRORS},
    url_name="api_need_list",
    summary="Published needs",
    description="The needs catalogue (`/needs/`) with its filters.",
    tags=["needs"],
)
def need_list(request, filters: Query[schemas.NeedFilters]):
    needs = project_selectors.published_needs().defer(*NEED_LIST_DEFERRED).prefetch_related(CPV)
    needs = project_selectors.filter_needs(needs, _catalogue_filters(filters))
    order = need_order(filters)
    return _page(request, _with_relevance(needs, order), order, filters, need_item, _Urls())


@api.get(
    "/needs/{int:pk}/",
    response={200: schemas.NeedDetail, **DETAIL_ERRORS},
    url_name="api_need_detail",
    summary="A published need with its published calls",
    tags=["needs"],
)
def need_detail(request, pk: int):
    urls = _Urls()
    need = project_selectors.get_need_for(AnonymousUser(), pk)
    prefetch_related_objects([need], CPV)
    calls = project_selectors.public_calls().filter(need=need).defer(*CALL_LIST_DEFERRED).order_by("-opens_at", "-id")
    return {
        **need_item(need, urls),
        "problem": need.problem,
        "desired_effects": need.desired_effects,
        "affected": need.affected,
        "calls": [call_item(call, urls) for call in calls],
    }


@api.get(
    "/calls/",
    response={200: schemas.CallPage, **ERRORS},
    url_name="api_call_list",
    summary="Published calls to the market",
    description="The call catalogue (`/calls/`) with its filters; open calls unless `state` says otherwise.",
    tags=["calls"],
)
def call_list(request, filters: Query[schemas.CallFilters]):
    calls = project_selectors.public_calls().defer(*CALL_LIST_DEFERRED)
    calls = project_selectors.filter_calls(calls, _catalogue_filters(filters))
    order = call_order(filters)
    return _page(request, _with_relevance(calls, order), order, filters, call_item, _Urls())


@api.get(
    "/calls/{int:pk}/",
    response={200: schemas.CallDetail, **DETAIL_ERRORS},
    url_name="api_call_detail",
    summary="A published call",
    tags=["calls"],
)
def call_detail(request, pk: int):
    call = project_selectors.get_call_for(AnonymousUser(), pk)
    return {
        **call_item(call, _Urls()),
        "description": call.description,
        "questions_to_market": call.questions_to_market,
        "cancel_reason": call.cancel_reason if call.is_cancelled else "",
    }


WEBINAR_LISTS = {
    schemas.WebinarWhen.UPCOMING: (webinar_selectors.upcoming_webinars, [Key("starts_at"), Key("id")]),
    schemas.WebinarWhen.PAST: (
        webinar_selectors.past_webinars,
        [Key("starts_at", descending=True), Key("id", descending=True)],
    ),
    schemas.WebinarWhen.ALL: (
        webinar_selectors.public_webinars,
        [Key("starts_at", descending=True), Key("id", descending=True)],
    ),
}


@api.get(
    "/webinars/",
    response={200: schemas.WebinarPage, **ERRORS},
    url_name="api_webinar_list",
    summary="Published (and cancelled) webinars",
    description="As the webinar pages: `upcoming` (`/webinars/`), `past` (`/webinars/past/`), or `all`.",
    tags=["webinars"],
)
def webinar_list(request, filters: Query[schemas.WebinarFilters]):
    selector, order = WEBINAR_LISTS[filters.when]
    webinars = selector()
    if filters.series:
        webinars = webinars.filter(series__slug=filters.series)
    return _page(request, webinars, order, filters, webinar_item, _Urls())


@api.get(
    "/webinars/{int:pk}/",
    response={200: schemas.WebinarDetail, **DETAIL_ERRORS},
    url_name="api_webinar_detail",
    summary="A published (or cancelled) webinar",
    tags=["webinars"],
)
def webinar_detail(request, pk: int):
    webinar = webinar_selectors.get_webinar_for(AnonymousUser(), pk)
    return {**webinar_item(webinar, _Urls()), "description": webinar.description}


@api.get(
    "/grant-calls/",
    response={200: schemas.GrantCallPage, **ERRORS},
    url_name="api_grantcall_list",
    summary="Published grant calls (innovation checks)",
    description="As `/checks/`: latest opening first.",
    tags=["grant calls"],
)
def grant_call_list(request, filters: Query[schemas.Page]):
    order = [Key("opens_on", descending=True), Key("id", descending=True)]
    return _page(request, check_selectors.published_calls(), order, filters, grant_call_item, _Urls())


@api.get(
    "/grant-calls/{int:pk}/",
    response={200: schemas.GrantCallDetail, **DETAIL_ERRORS},
    url_name="api_grantcall_detail",
    summary="A published grant call with its tracks and assessment criteria",
    tags=["grant calls"],
)
def grant_call_detail(request, pk: int):
    call = check_selectors.get_call_for(AnonymousUser(), pk)
    return {
        **grant_call_item(call, _Urls()),
        "description": call.description,
        "how_to_apply": call.how_to_apply,
        "criteria": [
            {"name": criterion.name, "description": criterion.description, "weight": criterion.weight}
            for criterion in call.criteria.all()
        ],
    }
