"""A small world for the OCDS tests: one need with everything a release maps (calls in every state, files, an
amendment, published and unpublished questions, a response, a published and an internal assessment)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.files import attach_bytes
from projects.amendments import services as amendment_services
from projects.models import Call, Need
from tests.factories import make_buyer, organisation_of
from tests.projects.factories import (
    AssessmentFactory,
    CallFactory,
    NeedFactory,
    QuestionFactory,
    ResponseFactory,
    closed_call,
    cpv,
    draft_call,
)

PDF = b"%PDF-1.4\n" + b"x" * 100
SECRET = "HEMLIG-INTERN-UPPGIFT"  # written into everything that must never be published


def rich_need() -> Need:
    buyer = make_buyer()
    need = NeedFactory(
        organisation=organisation_of(buyer),
        title="Fossilfria arbetsmaskiner",
        summary="Vi vill byta ut dieselmaskinerna.",
        problem="Dieselmaskinerna släpper ut för mycket.",
        desired_effects="Inga utsläpp på byggarbetsplatsen.",
        affected="Maskinförare och grannar.",
        estimated_value=4_500_000,
        planned_start=timezone.localdate() + timedelta(days=200),
        stage=Need.Stage.DIALOGUE,
    )
    need.cpv_codes.set([cpv("43200000", "5", "Maskiner för jordförflyttning"), cpv("09310000", "5", "El")])
    AssessmentFactory(
        need=need,
        version=1,
        evidence=SECRET,
        risks=SECRET,
        rationale=SECRET,
        public_summary="Marknaden har prototyper men inga beprövade maskiner.",
        publish_conclusion=True,
        publish_trl=True,
        chosen_procedure="innovation_partnership",
    )
    open_call = CallFactory(need=need, title="Förfrågan om information", description="Berätta om era maskiner.")
    attach_bytes(owner=open_call, content=PDF, filename="bilaga.pdf")
    old = attach_bytes(owner=open_call, content=PDF, filename="kravbild.pdf")
    amendment_services.amend_call(
        call=open_call,
        by=buyer,
        text="Kravbilden är rättad.",
        replacements={old.pk: (SimpleUploadedFile("kravbild2.pdf", PDF), "kravbild2.pdf", "application/pdf")},
    )
    QuestionFactory(call=open_call, published=True, public_text="Gäller det även hjullastare?", answer="Ja.")
    QuestionFactory(call=open_call, text=SECRET, public_text=SECRET, answer=SECRET)  # pending
    QuestionFactory(call=open_call, rejected=True, text=SECRET, public_text=SECRET)
    ResponseFactory(call=open_call, summary=SECRET, description=SECRET)
    closed_call(need=need, title="Marknadsdialog 1")
    cancelled = CallFactory(need=need, title="Idétävling", status=Call.Status.CANCELLED, cancel_reason="Ingen budget.")
    cancelled.opened_at = None
    cancelled.save()
    CallFactory(
        need=need,
        title="Kommande samråd",
        status=Call.Status.DRAFT,
        opens_at=timezone.now() + timedelta(days=3),
        closes_at=timezone.now() + timedelta(days=20),
    )  # scheduled: published, not open yet
    draft_call(need=need, title=SECRET, description=SECRET)
    return need
