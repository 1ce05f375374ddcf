"""Reads for secrecy requests and record releases: scoped lookups and what the pages and the PDF show."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from portal.files import attachments_for

from .. import selectors as project_selectors
from ..models import Response
from .fields import Part, Segment, parts_of, segments, spans_of
from .models import RecordRelease, SecrecyMarking

RELEASE_COPY_PURPOSE = "release_copy"


def get_response_for_markings(user, pk) -> Response:
    """A response whose secrecy requests the user may see: the company's own, or one that reached the buyer."""
    response = project_selectors.get_response_for(user, pk)
    if not user.has_perm("projects.view_secrecy_markings", response):
        raise Http404
    return response


def get_response_for_release(user, pk) -> Response:
    """A response the buyer may release (`projects.release_response`, the buyer's visibility rule); 404 otherwise."""
    response = project_selectors.get_response_for(user, pk)
    if not user.has_perm("projects.release_response", response):
        raise Http404
    return response


def get_own_marking(user, response: Response, pk) -> SecrecyMarking:
    """A secrecy request of the response (already fetched through a scoped selector); 404 otherwise."""
    try:
        return SecrecyMarking.objects.get(pk=pk, response=response)
    except (SecrecyMarking.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def markings_of(response: Response) -> list[SecrecyMarking]:
    """The response's secrecy requests, each with the label of its part (`marking.label`); two queries."""
    markings = list(SecrecyMarking.objects.filter(response=response).order_by("created_at", "id"))
    if markings:
        labels = {part.key: part.label for part in parts_of(response)}
        for marking in markings:
            marking.label = labels.get(marking.field, _("A part no longer in the response"))
    return markings


def releases_of(response: Response) -> list[RecordRelease]:
    """Earlier releases of the response, newest first, each with its PDF (`release.pdf`); two queries."""
    releases = list(RecordRelease.objects.filter(response=response).select_related("released_by"))
    if releases:
        from portal.models import Attachment

        files = {
            attachment.object_id: attachment
            for attachment in Attachment.objects.filter(
                content_type__app_label="projects",
                content_type__model="recordrelease",
                object_id__in=[str(release.pk) for release in releases],
                purpose=RELEASE_COPY_PURPOSE,
            )
        }
        for release in releases:
            release.pdf = files.get(str(release.pk))
    return releases


def release_pdf(release: RecordRelease):
    return attachments_for(release, purpose=RELEASE_COPY_PURPOSE).first()


@dataclass
class MarkedPart:
    """A part of the response with its secrecy requests, for the buyer's view and the release form."""

    part: Part
    markings: list
    segments: list[Segment]
    whole: bool


def marked_parts(response: Response, markings: list[SecrecyMarking] | None = None) -> list[MarkedPart]:
    """The parts that have secrecy requests, with their passages highlighted (the buyer's view)."""
    markings = markings_of(response) if markings is None else markings
    by_field: dict[str, list[SecrecyMarking]] = {}
    for marking in markings:
        by_field.setdefault(marking.field, []).append(marking)
    result = []
    for part in parts_of(response):
        own = by_field.get(part.key)
        if not own:
            continue
        for marking in own:
            marking.missing = passage_missing(part, marking)
        whole = any(marking.is_whole_field or marking.missing for marking in own)
        spans = [] if whole else [span for marking in own for span in spans_of(part.text, marking.passage)]
        pieces = [Segment(part.text, marked=True)] if whole else segments(part.text, spans)
        result.append(MarkedPart(part=part, markings=own, segments=pieces, whole=whole))
    return result


def passage_missing(part: Part, marking: SecrecyMarking) -> bool:
    """The passage no longer occurs in the part (the company changed the text after marking it)."""
    return bool(marking.passage) and marking.passage not in part.text


def part_label(response: Response, key: str) -> str:
    for part in parts_of(response):
        if part.key == key:
            return str(part.label)
    return key


# --- the release copy --------------------------------------------------------------------------------------------


@dataclass
class CopyPart:
    label: str
    segments: list[Segment]
    is_file: bool = False
    redacted: bool = False


def release_copy_parts(response: Response, decisions: list[dict]) -> list[CopyPart]:
    """The response as released: every part, the redacted passages (or whole parts) replaced by their provision.

    A redacted passage that no longer occurs in the text redacts the whole part: when in doubt, nothing secret
    goes out. Unmarked parts and parts whose requests were released are shown in full.
    """
    redacted: dict[str, list[dict]] = {}
    for item in decisions:
        if item.get("decision") == RecordRelease.Decision.REDACT:
            redacted.setdefault(item["field"], []).append(item)
    result = []
    for part in parts_of(response):
        items = redacted.get(part.key, [])
        whole = [item for item in items if not item.get("passage") or item["passage"] not in part.text]
        if whole:
            provision = ", ".join(dict.fromkeys(item.get("provision", "") for item in whole))
            pieces = [Segment("", provision=provision, marked=True)]
        else:
            spans = [span for item in items for span in spans_of(part.text, item["passage"], item.get("provision", ""))]
            pieces = segments(part.text, spans)
            pieces = [Segment("", provision=p.provision, marked=True) if p.marked else p for p in pieces]
        is_file = not part.allows_passage
        # A file's label names the file: a redacted file must not show its name there.
        label = _("Attached file") if is_file else part.label
        redacted_whole = bool(whole)
        result.append(CopyPart(label=str(label), segments=pieces, is_file=is_file, redacted=redacted_whole))
    return result


def release_copy_context(release: RecordRelease) -> dict:
    response = release.response
    organisation = response.call.need.organisation
    return {
        "title": f"{response.organisation.name} – {response.call.title}",
        "author": organisation.name,
        "release": release,
        "response": response,
        "call": response.call,
        "buyer": organisation,
        "parts": release_copy_parts(response, release.decisions),
    }
