from django.core.files.base import ContentFile
from django.utils import timezone

from checks import services
from checks.models import Application, ConflictOfInterest, DecisionLetter
from tests.access import AccessCase
from tests.factories import make_handler

from .factories import give_decide_right, make_application, make_call

S = Application.State
LOGIN = {"anonymous": 302}


def ready_letter(application) -> DecisionLetter:
    letter = DecisionLetter(application=application, status=DecisionLetter.Status.READY, language="sv")
    letter.file.save("beslut.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    letter.save()
    return letter


def cases(world):
    buyer = world["buyer"]
    call = make_call()
    draft_call = make_call(published=False)
    closed_call = make_call(open_=False)
    draft = make_application(call=call, buyer=buyer)
    in_review = make_application(call=call, buyer=buyer, state=S.IN_REVIEW)
    approved = make_application(call=call, buyer=buyer, state=S.APPROVED)
    reported = make_application(call=call, buyer=buyer, state=S.FINAL_REPORT_SUBMITTED)
    running = make_application(call=call, buyer=buyer, state=S.APPROVED, period_ended=False)
    letter = ready_letter(approved)
    other_handler = make_handler()
    conflict = ConflictOfInterest.objects.create(handler=other_handler, application=in_review, reason="Släkt")
    lifted = ConflictOfInterest.objects.create(
        handler=other_handler, application=approved, reason="Släkt", lifted_at=timezone.now()
    )
    # Four eyes: the world's handler has the right to decide; another handler proposed this decision.
    give_decide_right(world["handler"])
    proposed = make_application(call=call, buyer=buyer, state=S.IN_REVIEW)
    services.propose_decision(application=proposed, by=make_handler(), outcome="rejected", reasoning="Nej.")
    staff_only = {"anonymous": 302, "handler": 200, "admin": 200}
    admin_only = {"anonymous": 302, "admin": 200}
    own = {"anonymous": 302, "buyer": 200}
    handler_page = {"anonymous": 302, "handler": 200, "admin": 302}
    return [
        AccessCase("checks:call_list", {}, default=200),
        AccessCase("checks:call_detail", {}, kwargs={"pk": call.pk}, default=200),
        AccessCase("checks:call_detail", {"admin": 200}, kwargs={"pk": draft_call.pk}, default=404),
        AccessCase("checks:application_create", {**LOGIN, "buyer": 200}, kwargs={"call_pk": call.pk}, default=403),
        AccessCase(
            "checks:application_create", {**LOGIN, "admin": 403}, kwargs={"call_pk": draft_call.pk}, default=404
        ),
        # A closed call: the buyer is sent back to the call page with a message.
        AccessCase(
            "checks:application_create", {**LOGIN, "buyer": 302}, kwargs={"call_pk": closed_call.pk}, default=403
        ),
        AccessCase("checks:call_overview", staff_only, kwargs={"pk": call.pk}, default=403),
        # Following a call: a POST form of the overview, for handlers only (a role page).
        AccessCase("checks:follow_call", {"anonymous": 302, "handler": 405}, kwargs={"pk": call.pk}, default=403),
        AccessCase("checks:follow_call", {"anonymous": 302, "handler": 404}, kwargs={"pk": draft_call.pk}, default=403),
        AccessCase("checks:call_export", staff_only, kwargs={"pk": call.pk}, default=403),
        AccessCase("checks:call_export_xlsx", staff_only, kwargs={"pk": call.pk}, default=403),
        AccessCase("checks:admin_call_list", admin_only, default=403),
        AccessCase("checks:call_create", admin_only, default=403),
        AccessCase("checks:call_edit", admin_only, kwargs={"pk": draft_call.pk}, default=403),
        AccessCase("checks:deciders", admin_only, default=403),
        AccessCase(
            "checks:decider_toggle", {"anonymous": 302, "admin": 405}, kwargs={"pk": world["handler"].pk}, default=403
        ),
        AccessCase("checks:call_publish", {"anonymous": 302, "admin": 405}, kwargs={"pk": draft_call.pk}, default=403),
        AccessCase("checks:application_list", {**LOGIN, "buyer": 200, "unverified_buyer": 200}, default=403),
        AccessCase("checks:application_detail", own, kwargs={"pk": draft.pk}, default=404),
        AccessCase("checks:application_edit", own, kwargs={"pk": draft.pk}, default=404),
        # Outside a completion request the applicant is sent back to the application with a message.
        AccessCase("checks:application_edit", {**LOGIN, "buyer": 302}, kwargs={"pk": in_review.pk}, default=404),
        AccessCase("checks:application_submit", {**LOGIN, "buyer": 405}, kwargs={"pk": draft.pk}, default=404),
        AccessCase("checks:application_resubmit", {**LOGIN, "buyer": 405}, kwargs={"pk": draft.pk}, default=404),
        AccessCase("checks:application_withdraw", {**LOGIN, "buyer": 405}, kwargs={"pk": draft.pk}, default=404),
        AccessCase("checks:final_report", own, kwargs={"pk": approved.pk}, default=404),
        # While the period runs: the application's page says from when (a redirect, not the form).
        AccessCase("checks:final_report", {"anonymous": 302, "buyer": 302}, kwargs={"pk": running.pk}, default=404),
        AccessCase(
            "checks:decision_letter",
            {**LOGIN, "buyer": 200, "handler": 200, "admin": 200},
            kwargs={"pk": approved.pk},
            default=404,
        ),
        AccessCase("checks:decision_letter", LOGIN, kwargs={"pk": in_review.pk}, default=404),
        # The thread: the applicant's members and staff; nobody has one for a draft.
        AccessCase(
            "checks:messages",
            {**LOGIN, "buyer": 200, "handler": 200, "admin": 200},
            kwargs={"pk": in_review.pk},
            default=404,
        ),
        AccessCase("checks:messages", LOGIN, kwargs={"pk": draft.pk}, default=404),
        AccessCase("checks:queue", {"anonymous": 302, "handler": 200}, default=403),
        # Notification settings: the handler's own (a role page).
        AccessCase("checks:notification_settings", {"anonymous": 302, "handler": 200}, default=403),
        # Batch assignment and export: a POST form of the queue, for handlers only.
        AccessCase("checks:queue_batch", {"anonymous": 302, "handler": 405}, default=403),
        AccessCase("checks:review_detail", staff_only, kwargs={"pk": in_review.pk}, default=404),
        # Drafts are the applicant's own: not even staff see them.
        AccessCase("checks:review_detail", LOGIN, kwargs={"pk": draft.pk}, default=404),
        AccessCase("checks:assign", {"anonymous": 302, "handler": 405}, kwargs={"pk": in_review.pk}, default=404),
        AccessCase("checks:score", handler_page, kwargs={"pk": in_review.pk}, default=404),
        AccessCase("checks:request_completion", handler_page, kwargs={"pk": in_review.pk}, default=404),
        AccessCase("checks:propose", handler_page, kwargs={"pk": in_review.pk}, default=404),
        # Without a proposal the handler is sent back with a message; with one, a decider gets the confirmation page.
        AccessCase(
            "checks:decide", {"anonymous": 302, "handler": 302, "admin": 302}, kwargs={"pk": in_review.pk}, default=404
        ),
        AccessCase("checks:decide", handler_page, kwargs={"pk": proposed.pk}, default=404),
        AccessCase("checks:correct", handler_page, kwargs={"pk": approved.pk}, default=404),
        AccessCase(
            "checks:decision_letter_version",
            {**LOGIN, "buyer": 200, "handler": 200, "admin": 200},
            kwargs={"pk": approved.pk, "letter": letter.pk},
            default=404,
        ),
        AccessCase("checks:declare_conflict", handler_page, kwargs={"pk": in_review.pk}, default=404),
        AccessCase(
            "checks:retry_letter",
            {"anonymous": 302, "handler": 405, "admin": 405},
            kwargs={"pk": approved.pk},
            default=404,
        ),
        AccessCase("checks:handle_final_report", handler_page, kwargs={"pk": reported.pk}, default=404),
        # Lifting a conflict is the portal admin's (a role page: 403 for everyone else before any lookup).
        AccessCase(
            "checks:lift_conflict",
            {"anonymous": 302, "admin": 200},
            kwargs={"pk": in_review.pk, "conflict_pk": conflict.pk},
            default=403,
        ),
        # Another application's conflict, or a draft's: 404 for the admin too.
        AccessCase(
            "checks:lift_conflict",
            {"anonymous": 302, "admin": 404},
            kwargs={"pk": approved.pk, "conflict_pk": conflict.pk},
            default=403,
        ),
        # Already lifted: the admin is sent back to the application with a message.
        AccessCase(
            "checks:lift_conflict",
            {"anonymous": 302, "admin": 302},
            kwargs={"pk": approved.pk, "conflict_pk": lifted.pk},
            default=403,
        ),
        AccessCase("checks:change_period", handler_page, kwargs={"pk": running.pk}, default=404),
    ]
