"""Reads for decision-support documents: scoped lookups, the PDF's context and the need's content fingerprint."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from portal.clock import database_now
from portal.documents import fingerprint_of

from ..amendments.selectors import amendments_of_need
from ..meetings.selectors import meetings_held_count
from ..models import TRL_LEVELS, Call, Conclusion, Need, Procedure, Question, Response, stored_call_state_q
from ..response_history.selectors import sealed_responses_q
from ..structured.selectors import answers_per_call
from .models import DecisionDocument


def get_need_for_documents(user, pk: int) -> Need:
    """The need if the user may see its decision-support documents; 404 for "missing" and "not yours" alike."""
    need = Need.objects.select_related("organisation").filter(pk=pk).first()
    if need is None or not user.has_perm("projects.view_decision_documents", need):
        raise Http404
    return need


def get_decision_document_for(user, pk: int) -> DecisionDocument:
    """A decision-support document the user may see (member of the need's organisation); 404 otherwise."""
    document = DecisionDocument.objects.select_related("need__organisation", "requested_by").filter(pk=pk).first()
    if document is None or not user.has_perm("projects.view_decisiondocument", document):
        raise Http404
    return document


def documents_of(need: Need):
    """All documents of a need, newest first, with who ordered them."""
    return DecisionDocument.objects.filter(need=need).select_related("requested_by").order_by("-version", "-id")


def documents_panel(need: Need) -> dict:
    """What the need page's documents panel shows: the latest order and the ready documents (two queries)."""
    documents = list(documents_of(need))
    return {
        "latest": documents[0] if documents else None,
        "ready": [document for document in documents if document.is_ready],
    }


def need_fingerprint(need: Need) -> str:
    """A hash of everything the document shows; equal hashes mean an unchanged need.

    Only what the buyer may see goes in: whether ordering again makes a new version must not tell the
    buyer that a company started, edited or withdrew a draft (so submitted responses only, as in the PDF).
    """
    calls = list(Call.objects.filter(need=need).order_by("id"))
    data = {
        "need": [need.pk, need.updated_at, need.stage, need.organisation.name, need.organisation.org_number],
        "assessments": list(need.assessments.order_by("version").values_list("id", "version")),
        "calls": [[call.pk, call.updated_at, call.effective_status] for call in calls],
        "responses": list(
            Response.objects.filter(call__need=need, status=Response.Status.SUBMITTED)
            .exclude(sealed_responses_q(database_now()))
            .order_by("id")
            .values_list("id", "updated_at", "organisation__name")
        ),
        "questions": list(
            Question.objects.filter(call__need=need)
            .order_by("id")
            .values_list("id", "answered_at", "answer", "status", "public_text")
        ),
        "meetings_held": meetings_held_count(need),
    }
    return fingerprint_of(data)


# --- the PDF's context -----------------------------------------------------------------------------------------

CONCLUSION_MEANING = {
    Conclusion.NEW_DEVELOPMENT: _(
        "No solution meets the need today. Development is needed: research and development services or an "
        "innovation partnership can buy it."
    ),
    Conclusion.UNTESTED: _(
        "Solutions exist but have not been proven in a setting like ours. Verify them, for example in a pilot "
        "or a test bed, before committing."
    ),
    Conclusion.OTHER_MARKET: _(
        "Solutions exist on another market or in another sector. Adapting them is the main task; a dialogue "
        "with suppliers shows what it takes."
    ),
    Conclusion.AVAILABLE: _(
        "The market already covers the need. An ordinary procurement with functional requirements is enough."
    ),
}

PROCEDURE_MEANING = {
    Procedure.PCP: _(
        "Pre-commercial procurement buys research and development in competing phases, outside LOU "
        "(the research exemption); the buyer does not buy the finished product."
    ),
    Procedure.INNOVATION_PARTNERSHIP: _(
        "An innovation partnership (LOU 6 ch.) develops and then buys a solution that does not exist yet, "
        "with one or more partners, in one procurement."
    ),
    Procedure.COMPETITIVE_DIALOGUE: _(
        "Competitive dialogue lets the buyer develop the solution together with the tenderers before they "
        "submit final tenders; suited to complex needs."
    ),
    Procedure.FUNCTIONAL: _(
        "A procurement with functional requirements describes the need and the effects, not the solution, "
        "so that new solutions can compete."
    ),
    Procedure.ORDINARY: _("An ordinary procurement under LOU, with requirements the market already meets."),
}

NEXT_STEPS = {
    Need.Stage.NEED: [
        _("Describe the problem, the desired effects and who is affected, together with the users."),
        _("Assess the market gap: desk research, talks with suppliers, a request for information."),
        _("Publish the need so that companies can see it."),
    ],
    Need.Stage.MARKET_ANALYSIS: [
        _("Complete the evidence for the market-gap assessment and record the sources."),
        _("Publish a request for information or a preliminary market consultation."),
        _("Consider applying for an innovation check to pay for external expertise."),
    ],
    Need.Stage.DIALOGUE: [
        _("Summarise the responses and answer the remaining questions from the market."),
        _("Decide the procedure and write functional requirements based on what the dialogue showed."),
        _("Plan the procurement: time line, budget, evaluation model and who takes part."),
    ],
    Need.Stage.PROCUREMENT: [
        _("Record the procedure and the dates of the procurement in the portal."),
        _("Keep the dialogue documented and treat all suppliers equally."),
        _("Plan how the effects will be followed up after the contract is signed."),
    ],
    Need.Stage.FOLLOW_UP: [
        _("Measure the effects against the desired effects described for the need."),
        _("Share the experience with other public bodies and with the agency."),
        _("Consider scaling up or procuring the solution more widely."),
    ],
}


@dataclass(frozen=True)
class Bar:
    level: int
    count: int
    x: float
    y: float
    height: float


def suggestion_for(assessment) -> tuple[str, object]:
    """(procedure, reason) the portal suggests: the one stored on the assessment, explained by projects.procedures."""
    if assessment is None:
        return "", None
    from ..procedures import suggest_procedure

    suggestion = suggest_procedure(conclusion=assessment.conclusion, trl=assessment.trl)
    procedure = assessment.suggested_procedure or suggestion.procedure
    if procedure == suggestion.procedure:
        return procedure, suggestion.reason
    return procedure, PROCEDURE_MEANING.get(procedure)


def trl_chart(counts: dict[int, int], *, estimate: int | None = None, width: int = 460, height: int = 170) -> dict:
    """Geometry for a bar chart of responses per TRL 1–9 (drawn as inline SVG by the template).

    The bars are the counts and nothing else; the organisation's own estimate is a separate marker (a line over
    its TRL's slot), so that it shows even where no response is, and the caption can say what each is.
    """
    left, bottom, top = 28, 22, 14
    plot_height = height - bottom - top
    slot = (width - left) / 9
    peak = max(counts.values(), default=0) or 1
    bars = []
    for level in range(1, 10):
        count = counts.get(level, 0)
        bar_height = plot_height * count / peak
        bars.append(
            Bar(level, count, left + (level - 1) * slot + slot * 0.18, top + plot_height - bar_height, bar_height)
        )
    ticks = sorted({0, peak, (peak + 1) // 2})
    marker = None
    if estimate in range(1, 10):
        marker = {
            "level": estimate,
            "x": left + (estimate - 1) * slot + slot / 2,
            "y1": top - 6,
            "y2": top + plot_height,
        }
    return {
        "width": width,
        "height": height,
        "bar_width": slot * 0.64,
        "bars": bars,
        "baseline": top + plot_height,
        "left": left,
        "label_y": height - 6,
        "ticks": [{"value": tick, "y": top + plot_height - plot_height * tick / peak} for tick in ticks],
        "peak": peak,
        "total": sum(counts.get(level, 0) for level in range(1, 10)),
        "estimate": marker,
    }


def chart_alt(counts: dict[int, int], *, estimate: int | None) -> str:
    """The chart's text alternative (the PDF Figure's /Alt, WCAG 1.1.1): every bar's count, and the estimate."""
    bars = ", ".join(f"TRL {level}: {counts.get(level, 0)}" for level in range(1, 10))
    text = _("Bar chart of submitted responses per TRL: %(bars)s.") % {"bars": bars}
    if estimate in range(1, 10):
        text += " " + _("The organisation's own estimate: TRL %(trl)s.") % {"trl": estimate}
    return text


def format_sek(amount) -> str:
    """An amount in whole kronor the Swedish way: 1250000 → "1 250 000 kr" (non-breaking spaces)."""
    whole = int(round(amount))
    return f"{whole:,}".replace(",", "\u00a0") + "\u00a0kr"


def price_indications(calls, responses) -> list[dict]:
    """Per call: how many responses give a price indication, and the lowest, median and highest (formatted)."""
    rows = []
    for call in calls:
        prices = sorted(
            r.price_indication for r in responses if r.call_id == call.pk and r.price_indication is not None
        )
        rows.append(
            {
                "call": call,
                "responses": sum(1 for r in responses if r.call_id == call.pk),
                "with_price": len(prices),
                "min": format_sek(prices[0]) if prices else None,
                "median": format_sek(statistics.median(prices)) if prices else None,
                "max": format_sek(prices[-1]) if prices else None,
            }
        )
    return rows


def decision_support_context(document: DecisionDocument) -> dict:
    """Everything templates/documents/decision_support.html shows (a handful of queries, none per row)."""
    need = Need.objects.select_related("organisation", "author").prefetch_related("cpv_codes").get(pk=document.need_id)
    assessment = need.assessments.select_related("author").order_by("-version").first()
    # A cancelled call stays in the list of calls, but its responses count nowhere: not in the figures, the
    # chart, the table of responses or the price indications (the buyer withdrew the question they answered).
    calls = list(
        Call.objects.filter(need=need)
        .exclude(stored_call_state_q(Call.State.DRAFT))
        .annotate(
            submitted_count=Count(
                "responses",
                filter=Q(responses__status=Response.Status.SUBMITTED) & ~Q(status=Call.Status.CANCELLED),
                distinct=True,
            ),
            question_count=Count("questions", distinct=True),
        )
        .order_by("opens_at", "id")
    )
    responses = list(
        Response.objects.filter(call__need=need, status=Response.Status.SUBMITTED)
        .exclude(call__status=Call.Status.CANCELLED)
        .exclude(sealed_responses_q(database_now()))  # sealed until the call closes: not even in the document
        .select_related("organisation", "call")
        .order_by("call__opens_at", "call_id", "organisation__name")
    )
    # The questions and answers every company has read: the published ones, in their public wording.
    questions = list(
        Question.objects.filter(call__need=need, status=Question.Status.PUBLISHED)
        .select_related("call")
        .order_by("call__opens_at", "call_id", "created_at")
    )
    unanswered = Question.objects.filter(call__need=need, status=Question.Status.PENDING).count()
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.trl] = counts.get(response.trl, 0) + 1
    trls = [response.trl for response in responses]
    suggested, suggested_reason = suggestion_for(assessment)
    trl_labels = dict(TRL_LEVELS)
    organisation = need.organisation
    return {
        "title": need.title,
        "author": organisation.name,
        "description": need.summary,
        "need": need,
        "organisation": organisation,
        "assessment": assessment,
        "trl_definition": trl_labels.get(assessment.trl) if assessment else None,
        "trl_levels": TRL_LEVELS,
        "conclusion_meaning": CONCLUSION_MEANING.get(assessment.conclusion) if assessment else None,
        "suggested_procedure": suggested,
        "suggested_procedure_label": Procedure(suggested).label if suggested else None,
        "suggested_procedure_meaning": PROCEDURE_MEANING.get(suggested) if suggested else None,
        "suggested_procedure_reason": suggested_reason,
        "chosen_procedure_meaning": PROCEDURE_MEANING.get(assessment.chosen_procedure) if assessment else None,
        "calls": calls,
        "responses": responses,
        "structured_answers": answers_per_call(calls, responses),
        "questions": questions,
        "amendments": amendments_of_need(need),
        "unanswered_count": unanswered,
        "meetings_held": meetings_held_count(need),
        "trl_counts": [(level, counts.get(level, 0)) for level in range(1, 10)],
        "chart": trl_chart(counts, estimate=assessment.trl if assessment else None),
        "chart_alt": chart_alt(counts, estimate=assessment.trl if assessment else None),
        "cancelled_calls": [call for call in calls if call.is_cancelled],
        "price_indications": price_indications([call for call in calls if not call.is_cancelled], responses),
        "median_trl": statistics.median(trls) if trls else None,
        "next_steps": NEXT_STEPS.get(need.stage, []),
        "stages": Need.Stage.choices,
        "stage_index": list(Need.Stage.values).index(need.stage),
    }
