"""The OCDS 1.1 release of a published need: what the portal shows publicly about it, in the standard's terms.

One need is one contracting process (one OCID); its market-dialogue calls are the `tender` in status `planning`.
Every field and the rule it follows is listed in docs/projects.md ("Open data: OCDS"). Only what the public pages
show goes in: the published need, its published calls with their files, amendments and published answers, the
part of the market-gap assessment the buyer published, and the chosen procedure once the need has moved on to the
procurement (see `_procurement_method`). Never drafts, responses, questions before they are published, or the
internal assessment.

`build_releases(needs)` reads everything for a batch of needs in a constant number of queries and returns each
need's release without `id`, `date` and `tag` (the sync in `ocds_services` adds them when it stores a new one).
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime, time
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.models import Call, Need, Procedure

from . import ocds_selectors

OCDS_VERSION = "1.1"
# org-id.guide: Sweden's Bolagsverket register; an organisationsnummer as ten digits without the hyphen.
ORGANISATION_SCHEME = "SE-BLV"
CURRENCY = "SEK"
# The tags this portal publishes: the first release of a process, and every later one (OCDS releaseTag codelist).
TAG_FIRST = "planning"
TAG_UPDATE = "planningUpdate"
# A need still before its procurement: its process is being planned; from the procurement on it is scheduled
# with the procedure chosen (OCDS tenderStatus codelist).
STATUS_PLANNING = "planning"
STATUS_PLANNED = "planned"
MOVED_ON = (Need.Stage.PROCUREMENT, Need.Stage.FOLLOW_UP)
# OCDS method codelist, as the OCDS for eForms profile maps the directive's procedures (BT-105): a competitive
# dialogue and an innovation partnership invite only qualified suppliers to tender. The other choices of the
# portal do not fix a procedure of the directive (pre-commercial procurement is outside it; functional
# requirements and "ordinary" may be open or restricted), so they are named in procurementMethodDetails only.
PROCUREMENT_METHODS = {
    Procedure.COMPETITIVE_DIALOGUE: "selective",
    Procedure.INNOVATION_PARTNERSHIP: "selective",
}


def ocid_for(need_id: int) -> str:
    """The need's Open Contracting ID: the operator's registered prefix, then `need-` and the need's id."""
    return f"{settings.OCDS_OCID_PREFIX}-need-{need_id}"


def iso(moment: datetime) -> str:
    """A moment as OCDS date-time, in UTC to the second (the same text sorts as the same time)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_midnight(day) -> str:
    """A date without a time (the planned start of the procurement) as midnight in Swedish time, with its offset."""
    moment = timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
    return moment.isoformat()


def digest(content: dict) -> str:
    """What identifies a release's content (its `id`, `date` and `tag` left out)."""
    public = {key: value for key, value in content.items() if key not in ("id", "date", "tag")}
    text = json.dumps(public, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# Stands in for the one argument of a URL while its pattern is reversed once (reverse() itself is slow).
_PLACEHOLDER = {int: 987654321, uuid.UUID: uuid.UUID("00000000-0000-4000-8000-000000000000")}


@lru_cache
def _url_parts(name: str, kind: type) -> tuple[str, str]:
    path = reverse(name, args=[_PLACEHOLDER[kind]])
    before, after = path.split(str(_PLACEHOLDER[kind]))
    return before, after


def _url(name: str, arg, fragment: str = "") -> str:
    """The absolute URL of a page of the site (`SITE_URL`), as `reverse(name, args=[arg])` makes it."""
    before, after = _url_parts(name, uuid.UUID if isinstance(arg, uuid.UUID) else int)
    return f"{settings.SITE_URL}{before}{arg}{after}" + (f"#{fragment}" if fragment else "")


def _organisation_digits(org_number: str | None) -> str:
    return "".join(ch for ch in org_number or "" if ch.isdigit())


def party_of(organisation) -> dict:
    """The buyer as an OCDS party: identified by its organisationsnummer (SE-BLV), named as on the site."""
    digits = _organisation_digits(organisation.org_number)
    if digits:
        party_id = f"{ORGANISATION_SCHEME}-{digits}"
        identifier = {"scheme": ORGANISATION_SCHEME, "id": digits, "legalName": organisation.name}
    else:
        # An organisation that lost its number in an identity dispute: no identifier until it gives one again.
        party_id = f"{settings.OCDS_OCID_PREFIX}-organisation-{organisation.pk}"
        identifier = None
    party = {"id": party_id, "name": organisation.name}
    if identifier:
        party["identifier"] = identifier
    party["roles"] = ["buyer", "procuringEntity"]
    return party


def _items(need: Need, codes: list) -> list[dict]:
    """One item, the need itself, classified by its CPV codes (the lowest code first, the rest additional)."""
    if not codes:
        return []

    def classification(code) -> dict:
        return {"scheme": "CPV", "id": code.code, "description": code.label_for(need.language)}

    item = {"id": "1", "description": need.title, "classification": classification(codes[0])}
    if len(codes) > 1:
        item["additionalClassifications"] = [classification(code) for code in codes[1:]]
    return [item]


def _labelled(label, text, *, separator: str = ": ") -> str:
    """`Label: text`, or nothing when the text is empty."""
    text = str(text or "").strip()
    return f"{label}{separator}{text}" if text else ""


def _joined(*parts: str) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _planning(need: Need, assessment) -> dict:
    planning = {}
    if need.problem.strip():
        planning["rationale"] = need.problem.strip()
    need_page = {
        "id": "need",
        "documentType": "needsAssessment",
        "title": need.title,
        "url": _url("projects:need_detail", need.pk),
        "format": "text/html",
        "language": need.language,
    }
    description = _joined(
        _labelled(_("Desired effects"), need.desired_effects),
        _labelled(_("Who is affected"), need.affected),
    )
    if description:
        need_page["description"] = description
    if need.published_at:
        need_page["datePublished"] = iso(need.published_at)
    documents = [need_page]
    if assessment is not None and assessment.has_public_part:
        documents.append(_market_analysis(need, assessment))
    planning["documents"] = documents
    return planning


def _market_analysis(need: Need, assessment) -> dict:
    """The part of the current market-gap assessment the buyer published (the rest is internal)."""
    parts = [assessment.public_summary]
    if assessment.publish_conclusion:
        parts.append(_labelled(_("Conclusion"), assessment.get_conclusion_display()))
    if assessment.publish_trl:
        parts.append(_labelled(_("TRL estimate"), assessment.get_trl_display()))
    return {
        "id": "market-analysis",
        "documentType": "marketStudies",
        "title": _("Market analysis"),
        "description": _joined(*parts),
        "url": _url("projects:need_detail", need.pk, fragment="assessment-heading"),
        "format": "text/html",
        "language": need.language,
        "datePublished": iso(assessment.created_at),
    }


def _procurement_method(need: Need, assessment) -> dict:
    """The outcome of the dialogue once the need has moved on to the procurement: the procedure the buyer chose.

    Before that the choice is part of the internal assessment and is not published; from the procurement on the
    procedure is public anyway (it is stated in the procurement's notice, LOU 2016:1145 10 kap.)."""
    if need.stage not in MOVED_ON or assessment is None or not assessment.chosen_procedure:
        return {}
    fields = {}
    method = PROCUREMENT_METHODS.get(assessment.chosen_procedure)
    if method:
        fields["procurementMethod"] = method
    fields["procurementMethodDetails"] = str(Procedure(assessment.chosen_procedure).label)
    return fields


def _published(question) -> datetime:
    """When a published answer was published (rows from before `published_at` was kept: when it was asked)."""
    return question.published_at or question.answered_at or question.created_at


def _call_documents(call: Call, data: ocds_selectors.PublicDialogue) -> list[dict]:
    notice = {
        "id": f"call-{call.pk}",
        "documentType": "plannedProcurementNotice",
        "title": call.title,
        "description": _joined(
            f"{call.get_kind_display()}: {call.description}",
            _labelled(_("Questions to the market"), call.questions_to_market, separator=":\n"),
        ),
        "url": _url("projects:call_detail", call.pk),
        "format": "text/html",
        "language": call.language,
        "datePublished": iso(call.published_at),
    }
    documents = [notice]
    added, replaced = data.amendment_marks(call.pk)
    for attachment in data.attachments.get(call.pk, []):
        document = {
            "id": f"attachment-{attachment.uuid}",
            "title": attachment.filename,
            "url": _url("portal:attachment_download", attachment.uuid),
            "format": attachment.mime_type,
            "datePublished": iso(max(attachment.created_at, call.published_at)),
        }
        notes = [_("A file of the call “%(title)s”.") % {"title": call.title}]
        if attachment.pk in added:
            notes.append(_("Added by amendment %(number)s.") % {"number": added[attachment.pk]})
        if attachment.pk in replaced:
            notes.append(_("Replaced by amendment %(number)s.") % {"number": replaced[attachment.pk]})
        document["description"] = " ".join(notes)
        documents.append(document)
    questions = data.questions.get(call.pk, [])
    if questions:
        documents.append(
            {
                "id": f"call-{call.pk}-answers",
                "documentType": "clarifications",
                "title": _("Questions and answers: %(title)s") % {"title": call.title},
                "description": "\n\n".join(
                    _labelled(_("Question"), question.shown_text) + "\n" + _labelled(_("Answer"), question.answer)
                    for question in questions
                ),
                "url": _url("projects:call_detail", call.pk, fragment="questions"),
                "format": "text/html",
                "language": call.language,
                "datePublished": iso(min(_published(question) for question in questions)),
                "dateModified": iso(max(question.corrected_at or _published(question) for question in questions)),
            }
        )
    return documents


def _call_milestones(call: Call, now: datetime) -> list[dict]:
    """The call's opening and closing as engagement milestones (OCDS milestoneType `engagement`)."""
    state = call.state_at(now)  # by the clock: a call past its closing time is closed, moved or not
    kind = str(call.get_kind_display())
    opened = max(call.opens_at, call.published_at)
    opens = {
        "id": f"call-{call.pk}-opens",
        "title": _("The call “%(title)s” opens") % {"title": call.title},
        "type": "engagement",
        "code": "callOpens",
        "description": kind,
        "dueDate": iso(call.opens_at),
    }
    closes = {
        "id": f"call-{call.pk}-closes",
        "title": _("The call “%(title)s” closes") % {"title": call.title},
        "type": "engagement",
        "code": "callCloses",
        "description": kind,
        "dueDate": iso(call.closes_at),
    }
    if state == Call.State.CANCELLED:
        if call.opened_at is not None:
            opens.update(status="met", dateMet=iso(opened))
        else:
            opens.update(status="notMet", dateModified=iso(call.updated_at))
        closes.update(
            status="notMet",
            dateModified=iso(call.updated_at),
            description=_joined(kind, _labelled(_("Cancelled"), call.cancel_reason)),
        )
    elif state == Call.State.CLOSED:
        opens.update(status="met", dateMet=iso(opened))
        closes.update(status="met", dateMet=iso(call.closes_at))
    elif state == Call.State.OPEN:
        opens.update(status="met", dateMet=iso(opened))
        closes["status"] = "scheduled"
    else:
        opens["status"] = "scheduled"
        closes["status"] = "scheduled"
    return [opens, closes]


def _amendments(call: Call, data: ocds_selectors.PublicDialogue) -> list[dict]:
    return [
        {
            "id": f"call-{call.pk}-amendment-{amendment.number}",
            "date": iso(amendment.created_at),
            "description": amendment.text,
        }
        for amendment in data.amendments.get(call.pk, [])
    ]


def _enquiry_period(calls: list[Call]) -> dict:
    """From the first opening to the last closing of the calls that were not cancelled: the market dialogue."""
    held = [call for call in calls if not call.is_cancelled]
    if not held:
        return {}
    start = min(call.opens_at for call in held)
    end = max(call.closes_at for call in held)
    return {"startDate": iso(start), "endDate": iso(end), "durationInDays": (end - start).days}


def _tender(need: Need, party: dict, data: ocds_selectors.PublicDialogue, now: datetime) -> dict:
    assessment = data.assessments.get(need.pk)
    calls = data.calls.get(need.pk, [])
    tender = {
        "id": ocid_for(need.pk),
        "title": need.title,
        "description": need.summary,
        "status": STATUS_PLANNED if need.stage in MOVED_ON else STATUS_PLANNING,
        "procuringEntity": {"id": party["id"], "name": party["name"]},
    }
    items = _items(need, data.cpv_codes.get(need.pk, []))
    if items:
        tender["items"] = items
    if need.estimated_value:
        tender["value"] = {"amount": need.estimated_value, "currency": CURRENCY}
    tender.update(_procurement_method(need, assessment))
    if need.planned_start:
        tender["tenderPeriod"] = {"startDate": local_midnight(need.planned_start)}
    enquiry_period = _enquiry_period(calls)
    if enquiry_period:
        tender["enquiryPeriod"] = enquiry_period
    if calls:
        tender["hasEnquiries"] = any(data.questions.get(call.pk) for call in calls)
    documents = [document for call in calls for document in _call_documents(call, data)]
    if documents:
        tender["documents"] = documents
    milestones = [milestone for call in calls for milestone in _call_milestones(call, now)]
    if milestones:
        tender["milestones"] = milestones
    amendments = [amendment for call in calls for amendment in _amendments(call, data)]
    if amendments:
        tender["amendments"] = amendments
    return tender


def build_release(need: Need, data: ocds_selectors.PublicDialogue, now: datetime) -> dict:
    """The need's release without `id`, `date` and `tag`, in the language its text is written in."""
    with translation.override(need.language):
        party = party_of(need.organisation)
        return {
            "ocid": ocid_for(need.pk),
            "initiationType": "tender",
            "language": need.language,
            "parties": [party],
            "buyer": {"id": party["id"], "name": party["name"]},
            "planning": _planning(need, data.assessments.get(need.pk)),
            "tender": _tender(need, party, data, now),
        }


def build_releases(needs: list[Need], *, now: datetime) -> dict[int, dict]:
    """The current release (without `id`, `date` and `tag`) of each of `needs` (published ones, with their
    organisation), read in a constant number of queries; the calls' states are those at `now`."""
    data = ocds_selectors.public_dialogue([need.pk for need in needs])
    return {need.pk: build_release(need, data, now) for need in needs}
