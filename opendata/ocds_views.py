"""The OCDS endpoints (docs/projects.md, "Open data: OCDS"): a need's release package and record package, and the
release package of everything changed since a date, paginated. JSON for everyone; errors are JSON too, in the
shape the read API uses: `{"error": {"code": "...", "message": "..."}}`."""

import base64
import binascii
import json
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.dates import EARLIEST, LATEST
from portal.views.pages import PublicView

from . import ocds, ocds_selectors
from .ocds_merge import compile_release

CONTENT_TYPE = "application/json"
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
SINCE_PARAMETERS = {"since", "cursor", "page_size"}


class BadRequest(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def error_response(code: str, message: str, status: int) -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": code, "message": str(message)}}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def not_found(message: str | None = None) -> JsonResponse:
    return error_response("not_found", message or _("There is no published need with this id."), 404)


# The open-data page (URL name `opendata:index`), which says what is published, how often and under what licence:
# the package's publication policy (OCDS package metadata `publicationPolicy`).
PUBLICATION_POLICY_PATH = "/oppna-data/"


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _publisher() -> dict:
    publisher = {"name": settings.OPEN_DATA_PUBLISHER_NAME}
    if settings.OPEN_DATA_PUBLISHER_URI:
        publisher["uri"] = settings.OPEN_DATA_PUBLISHER_URI
    return publisher


def package_meta(uri: str, published_date: str) -> dict:
    """The fields every package of the portal starts with (the publisher and the licence set by the operator, the
    open-data page as the publication policy)."""
    meta = {"uri": uri, "version": ocds.OCDS_VERSION, "publishedDate": published_date, "publisher": _publisher()}
    if settings.OPEN_DATA_LICENSE:
        meta["license"] = settings.OPEN_DATA_LICENSE
    meta["publicationPolicy"] = _absolute(PUBLICATION_POLICY_PATH)
    return meta


def _package_text(meta: dict, key: str, items: list[str]) -> str:
    """The package as JSON text: the stored releases are put in as they were stored, never parsed again."""
    head = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    return f'{head[:-1]},"{key}":[{",".join(items)}]}}'


def json_response(text: str, *, next_url: str | None = None) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type=CONTENT_TYPE)
    # Open data: any site may read it from a browser (no credentials are involved).
    response["Access-Control-Allow-Origin"] = "*"
    if next_url:
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


class OcdsView(PublicView):
    http_method_names = ["get", "head", "options"]


class NeedReleasesView(OcdsView):
    """The release package of one published need: every release it has had, oldest first."""

    def get(self, request, pk):
        releases = ocds_selectors.releases_of_need(pk)
        if not releases:
            return not_found()
        meta = package_meta(_absolute(request.path), ocds.iso(releases[-1].date))
        return json_response(_package_text(meta, "releases", [release.json for release in releases]))


class NeedRecordView(OcdsView):
    """The record package of one published need: its releases and the compiled release (OCDS merging)."""

    def get(self, request, pk):
        releases = ocds_selectors.releases_of_need(pk)
        if not releases:
            return not_found()
        # A process's releases share its OCID; were the operator's prefix changed, the newest OCID is the record's.
        ocid = releases[-1].ocid
        data = [json.loads(release.json) for release in releases if release.ocid == ocid]
        record = {"ocid": ocid, "releases": data, "compiledRelease": compile_release(data)}
        package = package_meta(_absolute(request.path), ocds.iso(releases[-1].date))
        package["packages"] = [_absolute(reverse("opendata:ocds_need_releases", args=[releases[-1].need_id]))]
        package["records"] = [record]
        return json_response(json.dumps(package, ensure_ascii=False, separators=(",", ":")))


def parse_since(value: str | None) -> datetime | None:
    """`YYYY-MM-DD` (from 00:00 UTC that day) or a date and time with a time zone (`2026-05-01T08:00:00Z`)."""
    if value is None or value == "":
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.min, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRequest(
            "invalid_since",
            _("“since” must be a date (YYYY-MM-DD) or a date and time with a time zone (YYYY-MM-DDTHH:MM:SSZ)."),
        ) from None
    if moment.tzinfo is None:
        raise BadRequest("invalid_since", _("“since” needs a time zone: end the time with Z for UTC."))
    if not EARLIEST <= moment.astimezone(UTC).date() <= LATEST:
        raise BadRequest(
            "invalid_since",
            _("“since” must lie from %(earliest)s to %(latest)s.") % {"earliest": EARLIEST, "latest": LATEST},
        )
    return moment


def parse_page_size(value: str | None) -> int:
    """The number of releases a page holds: 100 unless given, at most 500 (a larger number gives 500)."""
    if value is None or value == "":
        return PAGE_SIZE
    try:
        size = int(value.strip())
    except ValueError:
        raise BadRequest("invalid_page_size", _("“page_size” must be a whole number from 1.")) from None
    if size < 1:
        raise BadRequest("invalid_page_size", _("“page_size” must be a whole number from 1."))
    return min(size, MAX_PAGE_SIZE)


def make_cursor(release) -> str:
    text = f"{release.date.astimezone(UTC).isoformat()}|{release.pk}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSOR = gettext_noop("“cursor” is not a cursor of this list: follow the “next” link.")


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The (date, id) of the last release of the previous page, from the opaque `cursor` of a `next` link."""
    if value is None or value == "":
        return None
    try:
        text = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4)).decode()
        moment, pk = text.split("|")
        after = (datetime.fromisoformat(moment), int(pk))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("invalid_cursor", _(BAD_CURSOR)) from None
    if after[0].tzinfo is None:
        raise BadRequest("invalid_cursor", _(BAD_CURSOR))
    return after


class ReleasesSinceView(OcdsView):
    """Every release of the published needs dated `since` or later (everything without it), oldest first, a page
    at a time: the next page is at `links.next` and in the `Link` header."""

    def get(self, request):
        unknown = sorted(set(request.GET) - SINCE_PARAMETERS)
        if unknown:
            return error_response(
                "unknown_parameter",
                _("Unknown parameter: %(names)s. This list takes since, cursor and page_size.")
                % {"names": ", ".join(name[:50] for name in unknown[:5])},
                400,
            )
        try:
            since = parse_since(request.GET.get("since"))
            size = parse_page_size(request.GET.get("page_size"))
            after = parse_cursor(request.GET.get("cursor"))
        except BadRequest as error:
            return error_response(error.code, error.message, 400)
        releases = ocds_selectors.releases_since(since, after=after, limit=size + 1)
        if not releases:
            return not_found(_("No release of a published need is dated at or after this moment."))
        page, more = releases[:size], len(releases) > size
        next_url = None
        meta = package_meta(_absolute(request.get_full_path()), ocds.iso(max(release.date for release in page)))
        if more:
            query = {key: request.GET[key] for key in ("since", "page_size") if request.GET.get(key)}
            query["cursor"] = make_cursor(page[-1])
            next_url = _absolute(f"{request.path}?{urlencode(query)}")
            meta["links"] = {"next": next_url}
        return json_response(_package_text(meta, "releases", [release.json for release in page]), next_url=next_url)
