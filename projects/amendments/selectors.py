"""Reads for amendments: a call's amendments with their files, the marks on the call's file list, what changed
since a company last saved its response, and the amendments of a need (for the decision support)."""

from dataclasses import dataclass, field

from django.db.models import Prefetch

from ..models import Call, Need, Response
from .models import Amendment, AmendmentFile


def amendments_of(call: Call) -> list[Amendment]:
    """The call's amendments, first first, each with its files (`files`) and the files they replace (two queries)."""
    files = AmendmentFile.objects.select_related("attachment", "replaces").order_by("id")
    return list(
        Amendment.objects.filter(call=call).prefetch_related(Prefetch("files", queryset=files)).order_by("number")
    )


@dataclass
class CallAmendments:
    """What the call page shows about amendments."""

    amendments: list[Amendment]
    # Attachment id → number of the amendment that replaced it / that added it.
    replaced: dict[int, int] = field(default_factory=dict)
    added: dict[int, int] = field(default_factory=dict)

    @property
    def latest(self) -> Amendment | None:
        return self.amendments[-1] if self.amendments else None


def call_amendments(call: Call) -> CallAmendments:
    amendments = amendments_of(call)
    result = CallAmendments(amendments)
    for amendment in amendments:
        for each in amendment.files.all():
            result.added[each.attachment_id] = amendment.number
            if each.replaces_id:
                result.replaced[each.replaces_id] = amendment.number
    return result


def amended_since_saved(response: Response | None, known: CallAmendments | None = None) -> Amendment | None:
    """The latest amendment of the response's call if it came after the response was last saved, else None.

    Only for a draft or submitted response: a withdrawn one is no longer in the dialogue. `known`: the call's
    amendments when the page has read them already (the call page), so they are not read twice."""
    if response is None or response.status not in (Response.Status.DRAFT, Response.Status.SUBMITTED):
        return None
    if known is not None:
        latest = known.latest
    else:
        latest = Amendment.objects.filter(call_id=response.call_id).order_by("-number").first()
    if latest is None or latest.created_at <= response.updated_at:
        return None
    return latest


def amendments_of_need(need: Need) -> list[Amendment]:
    """Every amendment of the need's calls, by call and number, with their files (for the decision support)."""
    files = AmendmentFile.objects.select_related("attachment", "replaces").order_by("id")
    return list(
        Amendment.objects.filter(call__need=need)
        .select_related("call")
        .prefetch_related(Prefetch("files", queryset=files))
        .order_by("call__opens_at", "call_id", "number")
    )
