import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from checks import services
from checks.models import Application, ConflictOfInterest, Decision, DecisionProposal, GrantCall
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin

from .access import ready_letter
from .factories import decide, make_application, make_call, make_decider

pytestmark = pytest.mark.django_db
S = Application.State
PDF = b"%PDF-1.4\n" + b"x" * 100


def form_data(call, buyer, **overrides):
    data = {
        "track": call.tracks.first().pk,
        "contact": buyer.pk,
        "title": "Sensorer för fallprevention",
        "purpose": "Testa sensorer",
        "background": "Många fall",
        "expected_results": "Underlag",
        "period_start": "2027-01-01",
        "period_end": "2027-06-30",
        "requested_amount": "100000",
        "expertise-TOTAL_FORMS": "2",
        "expertise-INITIAL_FORMS": "0",
        "expertise-0-provider": "Sensorlabbet AB",
        "expertise-0-competence": "Testbädd",
        "expertise-0-fee": "100000",
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "0",
        "budget-0-kind": "testbed",
        "budget-0-description": "Testbädd",
        "budget-0-amount": "100000",
    }
    data.update(overrides)
    return data


# --- applying ---------------------------------------------------------------------------------------------------


def test_buyer_creates_draft_and_submits(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    response = client.post(reverse("checks:application_create", args=[call.pk]), form_data(call, buyer))
    application = Application.objects.get()
    assert response.status_code == 302
    assert application.budget_lines.get().kind == "testbed"
    page = client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert "Inget saknas: ansökan kan skickas in." in page
    response = client.post(reverse("checks:application_submit", args=[application.pk]), follow=True)
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.reference in response.content.decode()
    # A second submission from another tab gets a message, not an error page.
    response = client.post(reverse("checks:application_submit", args=[application.pk]), follow=True)
    assert response.status_code == 200
    assert "Ansökan har redan skickats in." in response.content.decode()


def test_invalid_period_is_shown_next_to_the_field_and_nothing_typed_is_lost(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(call, buyer, period_start="2027-06-01", period_end="2027-05-01")
    response = client.post(reverse("checks:application_create", args=[call.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert Application.objects.count() == 0
    assert "Sensorer för fallprevention" in page and "Sensorlabbet AB" in page and "Många fall" in page
    # The message is next to the field, and the field points to it.
    assert response.context["form"].errors["period_end"]
    assert 'id="id_period_end_error"' in page and 'aria-describedby="id_period_end_error"' in page
    assert 'value="2027-06-01"' in page and 'value="2027-05-01"' in page


def test_internal_cost_line_gets_a_clear_message(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    response = client.post(
        reverse("checks:application_create", args=[call.pk]), form_data(call, buyer, **{"budget-0-kind": "internal"})
    )
    assert response.status_code == 400
    assert (
        "Endast externa kostnader är stödberättigande: arvoden för experter, testbäddar, labb och andra externa "
        "tjänster. Ta bort raden eller ändra den." in response.content.decode()
    )
    assert response.context["budget"].forms[0].errors["kind"]  # next to the line's field
    assert Application.objects.count() == 0


def test_incomplete_draft_is_saved_and_lists_what_is_missing(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(call, buyer, purpose="", requested_amount="500000")
    response = client.post(reverse("checks:application_create", args=[call.pk]), data, follow=True)
    application = Application.objects.get()
    assert application.requested_amount == 500_000
    missing = [item.field for item in response.context["missing"]]
    assert "purpose" in missing and "requested_amount" in missing
    client.post(reverse("checks:application_submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.state == S.DRAFT


def test_company_and_unverified_buyer_cannot_apply(client):
    call = make_call()
    for user in (make_company_user(), make_buyer(status="pending")):
        client.force_login(user)
        response = client.post(reverse("checks:application_create", args=[call.pk]), form_data(call, user))
        assert response.status_code == 403
    assert Application.objects.count() == 0


def test_applying_to_a_closed_call_is_refused_with_a_message(client):
    buyer, call = make_buyer(), make_call(open_=False)
    client.force_login(buyer)
    response = client.get(reverse("checks:application_create", args=[call.pk]), follow=True)
    assert response.redirect_chain == [(reverse("checks:call_detail", args=[call.pk]), 302)]
    assert "Utlysningen är inte öppen för ansökningar." in response.content.decode()


def test_form_sent_after_the_call_closed_keeps_what_was_typed(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    assert client.get(reverse("checks:application_create", args=[call.pk])).status_code == 200
    GrantCall.objects.filter(pk=call.pk).update(closes_on=call.opens_on)  # closes while the buyer types
    response = client.post(reverse("checks:application_create", args=[call.pk]), form_data(call, buyer))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Utlysningen är inte öppen för ansökningar." in page
    assert "Sensorer för fallprevention" in page and "Sensorlabbet AB" in page and "Många fall" in page
    assert Application.objects.count() == 0


def test_call_page_shows_terms_tracks_criteria_dates_and_how_to_apply_and_the_budget_to_staff_only(client):
    call = make_call(total_budget=1_000_000, how_to_apply="Skicka in via portalen senast sista dagen.")
    make_application(call=call, state=S.APPROVED, amount=150_000, granted=120_000)
    url = reverse("checks:call_detail", args=[call.pk])
    page = client.get(url).content.decode()
    assert call.name in page and call.reference_number in page
    assert "Skicka in via portalen senast sista dagen." in page
    assert call.description in page
    for track in call.tracks.all():
        assert track.name in page
    assert "200\u00a0000" in page and "400\u00a0000" in page  # the caps for one and for two or more competences
    assert "Innovationshöjd" in page and "Genomförbarhet" in page
    assert str(call.closes_on.year) in page
    assert "880\u00a0000" not in page  # the budget left is for handlers and admins
    assert "<svg" not in page
    for user in (make_handler(), make_portal_admin()):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "120\u00a0000" in page and "880\u00a0000" in page and "<svg" in page
    client.force_login(make_buyer())
    assert "880\u00a0000" not in client.get(url).content.decode()


def test_editing_outside_a_completion_request_keeps_what_was_typed(client):
    application = make_application(state=S.IN_REVIEW)
    client.force_login(application.contact)
    data = form_data(application.call, application.contact, title="Ny titel som inte får sparas")
    response = client.post(reverse("checks:application_edit", args=[application.pk]), data)
    assert response.status_code == 400
    assert "Ny titel som inte får sparas" in response.content.decode()
    application.refresh_from_db()
    assert application.title == "Test av sensorer"


def test_editing_during_a_completion_request_and_sending_back(client):
    application = make_application(state=S.COMPLETION_REQUESTED)
    client.force_login(application.contact)
    data = form_data(application.call, application.contact, title="Kompletterad")
    assert client.post(reverse("checks:application_edit", args=[application.pk]), data).status_code == 302
    client.post(reverse("checks:application_resubmit", args=[application.pk]), {"message": "Klart"})
    application.refresh_from_db()
    assert application.title == "Kompletterad" and application.state == S.IN_REVIEW


def test_sending_back_an_incomplete_application_keeps_the_message(client):
    application = make_application(state=S.COMPLETION_REQUESTED)
    application.budget_lines.update(amount=1)  # the lines no longer add up to the requested amount
    client.force_login(application.contact)
    response = client.post(
        reverse("checks:application_resubmit", args=[application.pk]), {"message": "Offerten är bifogad"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Offerten är bifogad" in page
    assert "Ansökan är inte komplett ännu: se listan över vad som saknas." in page
    assert [item.field for item in response.context["missing"]] == ["requested_amount"]
    application.refresh_from_db()
    assert application.state == S.COMPLETION_REQUESTED


def test_applicant_sees_the_handlers_request_to_complete_the_final_report(client):
    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    client.force_login(application.contact)
    url = reverse("checks:application_detail", args=[application.pk])
    assert "Bifoga fakturorna" not in client.get(url).content.decode()
    services.request_report_completion(application=application, by=make_handler(), message="Bifoga fakturorna")
    response = client.get(url)
    page = response.content.decode()
    assert response.context["report_completion"].message == "Bifoga fakturorna"
    assert 'id="report-completion-heading"' in page and "Bifoga fakturorna" in page


def test_another_organisations_application_and_letter_are_404(client):
    application = make_application(state=S.APPROVED)
    ready_letter(application)
    client.force_login(make_buyer())
    for name in ("application_detail", "application_edit", "decision_letter", "final_report"):
        assert client.get(reverse(f"checks:{name}", args=[application.pk])).status_code == 404
    assert client.post(reverse("checks:application_withdraw", args=[application.pk])).status_code == 404


@pytest.mark.parametrize(("state", "staff_status"), [(S.DRAFT, 404), (S.SUBMITTED, 200)])
def test_attachments_of_a_draft_are_the_applicants_own(client, state, staff_status):
    from portal.files import attach_bytes

    application = make_application(state=state)
    attachment = attach_bytes(
        owner=application, content=b"%PDF-1.7 offert", filename="offert.pdf", purpose="application"
    )
    url = reverse("portal:attachment_download", args=[attachment.uuid])
    client.force_login(application.contact)
    assert client.get(url).status_code == 200
    for user in (make_handler(), make_portal_admin()):
        client.force_login(user)
        assert client.get(url).status_code == staff_status
    client.force_login(make_buyer())
    assert client.get(url).status_code == 404


def test_applicant_and_handler_download_the_letter(client):
    application = make_application(state=S.APPROVED)
    ready_letter(application)
    for user in (application.contact, make_handler()):
        client.force_login(user)
        response = client.get(reverse("checks:decision_letter", args=[application.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_applicant_never_sees_scores_or_internal_comments(client):
    application = make_application(state=S.IN_REVIEW)
    handler = make_handler()
    # Innovationshöjd (weight 3) scores 5, Genomförbarhet (weight 1) scores 2: weighted (15 + 2) / 4 = 4.25.
    values = iter([5, 2])
    scores = {c.pk: (next(values), "HEMLIG KOMMENTAR") for c in application.call.criteria.order_by("position")}
    services.save_review(application=application, handler=handler, scores=scores, recommendation="approve")
    client.force_login(application.contact)
    page = client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert "HEMLIG KOMMENTAR" not in page
    assert "4,25" not in page and "4.25" not in page  # the score in either locale's format
    client.force_login(handler)
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert "HEMLIG KOMMENTAR" in page and "4,25" in page


def test_final_report_form(client):
    application = make_application(state=S.APPROVED)
    line = application.budget_lines.get()
    client.force_login(application.contact)
    response = client.post(
        reverse("checks:final_report", args=[application.pk]),
        {"results": "R", "outcome": "O", "procurement_started": "on", "procedure": "open", f"actual_{line.pk}": "123"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.FINAL_REPORT_SUBMITTED


def test_attachments_sent_with_the_application_and_the_final_report_are_kept_and_listed(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.files import attachments_for

    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(call, buyer, attachments=[SimpleUploadedFile("offert.pdf", PDF)])
    assert client.post(reverse("checks:application_create", args=[call.pk]), data).status_code == 302
    application = Application.objects.get()
    assert [f.filename for f in attachments_for(application, services.APPLICANT_FILES)] == ["offert.pdf"]
    today = timezone.localdate()
    Application.objects.filter(pk=application.pk).update(  # decided, and the period is over
        state=S.APPROVED,
        period_start=today - datetime.timedelta(days=60),
        period_end=today - datetime.timedelta(days=1),
    )
    line = application.budget_lines.get()
    response = client.post(
        reverse("checks:final_report", args=[application.pk]),
        {
            "results": "R",
            "outcome": "O",
            "procedure": "not_started",
            f"actual_{line.pk}": "95000",
            "attachments": [SimpleUploadedFile("faktura.pdf", PDF)],
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.actual_amount == 95_000
    assert [f.filename for f in attachments_for(application, services.FINAL_REPORT_FILES)] == ["faktura.pdf"]
    page = client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert "offert.pdf" in page and "faktura.pdf" in page
    client.force_login(make_handler())
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert "offert.pdf" in page and "faktura.pdf" in page


@pytest.mark.parametrize(("started", "procedure"), [("on", "not_started"), ("", "open")])
def test_final_report_procedure_must_match_whether_a_procurement_started(client, started, procedure):
    application = make_application(state=S.APPROVED)
    line = application.budget_lines.get()
    client.force_login(application.contact)
    data = {"results": "Resultaten", "outcome": "Det ledde till", "procedure": procedure, f"actual_{line.pk}": "123"}
    if started:
        data["procurement_started"] = started
    response = client.post(reverse("checks:final_report", args=[application.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["procedure"]
    assert "Resultaten" in response.content.decode() and "Det ledde till" in response.content.decode()
    application.refresh_from_db()
    assert application.state == S.APPROVED


# --- handlers ---------------------------------------------------------------------------------------------------


def test_handler_scores_requests_completion_and_decides(client):
    handler = make_handler()
    application = make_application(state=S.SUBMITTED, amount=150_000)
    client.force_login(handler)
    client.post(reverse("checks:assign", args=[application.pk]), {"me": "1"})
    application.refresh_from_db()
    assert application.state == S.IN_REVIEW and application.assigned_to == handler
    data = {f"score_{c.pk}": "4" for c in application.call.criteria.all()} | {"recommendation": "approve"}
    assert client.post(reverse("checks:score", args=[application.pk]), data).status_code == 302
    response = client.post(reverse("checks:request_completion", args=[application.pk]), {"message": ""})
    assert response.status_code == 400
    client.post(
        reverse("checks:request_completion", args=[application.pk]),
        {"message": "Bifoga offert", "reply_by": (timezone.localdate() + timedelta(days=10)).isoformat()},
    )
    application.refresh_from_db()
    assert application.state == S.COMPLETION_REQUESTED
    services.resubmit_application(application=application, by=application.contact)
    response = client.post(
        reverse("checks:propose", args=[application.pk]),
        {"outcome": "approved", "granted_amount": "200000", "reasoning": "Bra"},
    )
    assert response.status_code == 400
    assert "150000" in " ".join(response.context["form"].errors["granted_amount"])
    response = client.post(
        reverse("checks:propose", args=[application.pk]),
        {"outcome": "approved", "granted_amount": "140000", "reasoning": "Bra"},
    )
    assert response.status_code == 302
    assert Decision.objects.count() == 0
    proposal = DecisionProposal.objects.get()
    assert (proposal.granted_amount, proposal.proposed_by, proposal.status) == (140_000, handler, "pending")
    # Another handler with the right to decide confirms it.
    decider = make_decider()
    client.force_login(decider)
    page = client.get(reverse("checks:decide", args=[application.pk]))
    assert page.status_code == 200
    response = client.post(reverse("checks:decide", args=[application.pk]), {"proposal": proposal.pk})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.granted_amount, decision.decided_by, decision.presented_by) == (140_000, decider, handler)


def test_handler_with_conflict_cannot_decide_by_crafted_post(client):
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW)
    ConflictOfInterest.objects.create(handler=handler, application=application, reason="Jäv")
    client.force_login(handler)
    response = client.post(
        reverse("checks:propose", args=[application.pk]),
        {"outcome": "approved", "granted_amount": "1000", "reasoning": "R"},
        follow=True,
    )
    assert response.status_code == 200
    assert Decision.objects.count() == 0
    assert "Du har anmält jäv för den här ansökan." in response.content.decode()


def test_granted_amount_above_budget_left_is_shown_on_the_field(client):
    call = make_call(total_budget=100_000)
    application = make_application(call=call, state=S.IN_REVIEW, amount=150_000)
    client.force_login(make_handler())
    response = client.post(
        reverse("checks:propose", args=[application.pk]),
        {"outcome": "approved", "granted_amount": "120000", "reasoning": "R"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["granted_amount"]
    assert Decision.objects.count() == 0


def test_declare_conflict_shows_in_queue(client):
    handler = make_handler()
    application = make_application(state=S.IN_REVIEW)
    client.force_login(handler)
    client.post(
        reverse("checks:declare_conflict", args=[application.pk]), {"scope": "organisation", "reason": "Min syster"}
    )
    page = client.get(reverse("checks:queue")).content.decode()
    assert "Min syster" in page


def test_queue_filters_and_sorting(client):
    handler = make_handler()
    call = make_call()
    mine = make_application(call=call, state=S.IN_REVIEW, assigned_to=handler, amount=100_000)
    unassigned = make_application(call=call, state=S.SUBMITTED, amount=190_000)
    make_application(call=call)  # drafts never appear
    client.force_login(handler)
    queue = lambda query: list(client.get(reverse("checks:queue") + query).context["applications"])  # noqa: E731
    assert queue("") == [mine, unassigned]
    assert queue("?assigned=me") == [mine]
    assert queue("?assigned=none") == [unassigned]
    assert queue("?sort=-amount") == [unassigned, mine]
    assert queue(f"?state=submitted&call={call.pk}") == [unassigned]
    assert queue(f"?track={mine.track_id}") == [mine, unassigned]


def test_queue_filters_by_call_and_by_track(client):
    call, other_call = make_call(), make_call()
    first_track = make_application(call=call, state=S.SUBMITTED, track_index=0)
    second_track = make_application(call=call, state=S.SUBMITTED, track_index=1)
    elsewhere = make_application(call=other_call, state=S.SUBMITTED)
    client.force_login(make_handler())
    queue = lambda query: set(client.get(reverse("checks:queue") + query).context["applications"])  # noqa: E731
    assert queue("") == {first_track, second_track, elsewhere}
    assert queue(f"?call={call.pk}") == {first_track, second_track}
    assert queue(f"?call={other_call.pk}") == {elsewhere}
    assert queue(f"?track={second_track.track_id}") == {second_track}
    assert queue(f"?track={first_track.track_id}") == {first_track}


def test_queue_sorted_by_score_puts_unreviewed_applications_last(client):
    handler = make_handler()
    call = make_call()
    unreviewed = make_application(call=call, state=S.SUBMITTED)
    low, high = (make_application(call=call, state=S.IN_REVIEW) for _ in range(2))
    for application, value in ((low, 2), (high, 5)):
        scores = {c.pk: (value, "") for c in call.criteria.all()}
        services.save_review(application=application, handler=handler, scores=scores, recommendation="unsure")
    client.force_login(handler)
    response = client.get(reverse("checks:queue") + "?sort=-score")
    assert list(response.context["applications"]) == [high, low, unreviewed]


def test_dashboard_queue_numbers_match_the_lists_they_link_to(client):
    import re

    handler = make_handler()
    call = make_call()
    reviewed = (S.IN_REVIEW, S.CLOSED, S.FINAL_REPORT_SUBMITTED, S.REJECTED)
    for state in (S.SUBMITTED, S.WITHDRAWN, *reviewed):
        make_application(call=call, state=state)
    for state in reviewed:  # assigning a submitted application starts its review
        make_application(call=call, state=state, assigned_to=handler)
    client.force_login(handler)
    page = client.get(reverse("portal:dashboard")).content.decode()
    links = re.findall(r'href="(/checks/review/\?assigned=[^"]+)">(\d+) ', page)
    assert len(links) == 2, links
    numbers = {}
    for url, number in links:
        listed = client.get(url.replace("&amp;", "&")).context["paginator"].count
        assert listed == int(number), url
        numbers["mine" if "assigned=me" in url else "unassigned"] = listed
    # Under handling: in review and final report submitted are mine; submitted, in review and report unassigned.
    assert numbers == {"mine": 2, "unassigned": 3}


def test_handle_final_report_page_headings_do_not_skip_a_level(client):
    import re

    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    client.force_login(make_handler())
    page = client.get(reverse("checks:handle_final_report", args=[application.pk])).content.decode()
    main = page[page.index("<main") :]
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels


def test_handle_final_report_accept(client):
    handler = make_handler()
    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    client.force_login(handler)
    response = client.post(
        reverse("checks:handle_final_report", args=[application.pk]), {"action": "complete", "message": ""}
    )
    assert response.status_code == 400
    client.post(reverse("checks:handle_final_report", args=[application.pk]), {"action": "accept", "message": ""})
    application.refresh_from_db()
    assert application.state == S.CLOSED


def test_handler_sends_the_final_report_back_and_the_applicant_submits_it_again(client):
    application = make_application(state=S.FINAL_REPORT_SUBMITTED)
    line = application.budget_lines.get()
    client.force_login(make_handler())
    url = reverse("checks:handle_final_report", args=[application.pk])
    response = client.post(url, {"action": "complete", "message": "Bifoga fakturorna"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.APPROVED
    assert application.state_changes.last().message == "Bifoga fakturorna"
    client.force_login(application.contact)
    response = client.post(
        reverse("checks:final_report", args=[application.pk]),
        {"results": "R2", "outcome": "O", "procedure": "not_started", f"actual_{line.pk}": "100"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.FINAL_REPORT_SUBMITTED and application.final_report.results == "R2"


# --- query counts -----------------------------------------------------------------------------------------------


def _count(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("name", ["queue", "application_list", "call_list", "admin_call_list", "export"])
def test_list_query_count_does_not_grow(client, name):
    handler, admin = make_handler(), make_portal_admin()
    buyer = make_buyer()
    call = make_call()
    user = {
        "queue": handler,
        "application_list": buyer,
        "call_list": buyer,
        "admin_call_list": admin,
        "export": handler,
    }[name]
    url = reverse("checks:call_export", args=[call.pk]) if name == "export" else reverse(f"checks:{name}")

    def add():
        application = make_application(call=call, buyer=buyer, state=S.APPROVED)
        scores = {c.pk: (3, "") for c in call.criteria.all()}
        Application.objects.filter(pk=application.pk).update(state=S.IN_REVIEW)
        application.refresh_from_db()
        services.save_review(application=application, handler=make_handler(), scores=scores, recommendation="approve")
        Application.objects.filter(pk=application.pk).update(state=S.APPROVED)
        make_call()

    add()
    client.force_login(user)
    one = _count(client, url)
    for _ in range(5):
        add()
    assert _count(client, url) <= one


# --- admin: calls -----------------------------------------------------------------------------------------------


def test_admin_creates_and_publishes_a_call(client):
    admin = make_portal_admin()
    client.force_login(admin)
    data = {
        "name": "Checkar 2027",
        "reference_number": "2027-00001",
        "theme": "Hållbarhet",
        "description": "D",
        "how_to_apply": "",
        "opens_on": "2027-01-01",
        "closes_on": "2027-03-31",
        "total_budget": "5000000",
        "final_report_days": "60",
        "tracks-TOTAL_FORMS": "1",
        "tracks-INITIAL_FORMS": "0",
        "tracks-0-name": "Spår 2",
        "tracks-0-cap_one": "200000",
        "tracks-0-cap_two_or_more": "400000",
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-name": "Nytta",
        "criteria-0-weight": "2",
    }
    response = client.post(reverse("checks:call_create"), data)
    call = GrantCall.objects.get()
    assert response.status_code == 302
    assert call.tracks.get().cap_for(2) == 400_000 and call.criteria.get().weight == 2
    client.post(reverse("checks:call_publish", args=[call.pk]))
    call.refresh_from_db()
    assert call.is_published


def test_call_form_errors_keep_input(client):
    client.force_login(make_portal_admin())
    data = {
        "name": "Checkar 2027",
        "reference_number": "2027-00002",
        "description": "D",
        "opens_on": "2027-03-01",
        "closes_on": "2027-01-01",
        "total_budget": "5000000",
        "final_report_days": "60",
        "tracks-TOTAL_FORMS": "1",
        "tracks-INITIAL_FORMS": "0",
        "tracks-0-name": "Spår 1",
        "tracks-0-cap_one": "200000",
        "tracks-0-cap_two_or_more": "100000",
        "criteria-TOTAL_FORMS": "0",
        "criteria-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("checks:call_create"), data)
    assert response.status_code == 400 and GrantCall.objects.count() == 0
    assert response.context["form"].errors["closes_on"]
    assert response.context["tracks"].forms[0].errors["cap_two_or_more"]


# --- overview ---------------------------------------------------------------------------------------------------


def test_overview_and_csv(client):
    call = make_call(total_budget=1_000_000)
    make_application(call=call, state=S.APPROVED, amount=150_000, granted=120_000)
    make_application(call=call, state=S.SUBMITTED, amount=100_000)
    client.force_login(make_handler())
    page = client.get(reverse("checks:call_overview", args=[call.pk])).content.decode()
    assert "<svg" in page and 'role="img"' in page
    overview = client.get(reverse("checks:call_overview", args=[call.pk])).context["overview"]
    assert (overview.requested, overview.granted, overview.left) == (250_000, 120_000, 880_000)
    response = client.get(reverse("checks:call_export", args=[call.pk]))
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    rows = text.strip().splitlines()
    assert len(rows) == 3 and "120000" in text


def test_overview_counts_states_and_averages_scores(client):
    call = make_call(total_budget=1_000_000)
    handler = make_handler()
    heavy, light = call.criteria.order_by("position")  # weights 3 and 1
    for state in (S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.IN_REVIEW, S.REJECTED):
        make_application(call=call, state=state)
    reviewed = make_application(call=call, state=S.IN_REVIEW)
    services.save_review(
        application=reviewed, handler=handler, scores={heavy.pk: (5, ""), light.pk: (1, "")}, recommendation="approve"
    )
    services.save_review(
        application=reviewed,
        handler=make_handler(),
        scores={heavy.pk: (3, ""), light.pk: (3, "")},
        recommendation="unsure",
    )
    client.force_login(handler)
    overview = client.get(reverse("checks:call_overview", args=[call.pk])).context["overview"]
    counts = dict(overview.counts)
    assert counts[S.IN_REVIEW.label] == 3 and counts[S.SUBMITTED.label] == 1 and counts[S.REJECTED.label] == 1
    assert counts[S.APPROVED.label] == 0
    assert overview.average == pytest.approx(3.5)  # reviews weighted 4.00 and 3.00
    assert dict(overview.criterion_averages) == {heavy: pytest.approx(4), light: pytest.approx(2)}
    text = client.get(reverse("checks:call_export", args=[call.pk])).content.decode("utf-8-sig")
    row = next(line for line in text.splitlines() if reviewed.reference in line)
    # Decimal commas for Swedish Excel; the recommendations counted in three named columns.
    assert ";2;3,50;4,00;2,00;1;0;1;" in row


def test_dashboard_panels_per_role(client):
    make_application(state=S.SUBMITTED)
    for user, expected in (
        (make_buyer(), "checks:application_list"),
        (make_handler(), "checks:queue"),
        (make_portal_admin(), "checks:admin_call_list"),
    ):
        client.force_login(user)
        page = client.get(reverse("portal:dashboard")).content.decode()
        assert reverse(expected) in page
    client.force_login(make_company_user())
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert reverse("checks:queue") not in page and reverse("checks:application_list") not in page


def test_huge_numbers_get_a_message_not_a_server_error(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(call, buyer, requested_amount="99999999999", **{"budget-0-amount": "99999999999"})
    response = client.post(reverse("checks:application_create", args=[call.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["requested_amount"]
    assert Application.objects.count() == 0


def test_handler_produces_a_failed_letter_again_and_it_is_mailed(client, django_capture_on_commit_callbacks):
    from django.core import mail

    from checks.models import DecisionLetter

    application = make_application(state=S.IN_REVIEW)
    handler = make_handler()
    decide(application=application, by=handler, outcome="rejected", reasoning="Nej")
    letter = DecisionLetter.objects.get()
    DecisionLetter.objects.filter(pk=letter.pk).update(status=DecisionLetter.Status.FAILED, error="Boom")
    client.force_login(handler)
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert reverse("checks:retry_letter", args=[application.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("checks:retry_letter", args=[application.pk]))
    letter.refresh_from_db()
    assert letter.is_ready and letter.mailed_at
    assert [m for m in mail.outbox if m.attachments]
    client.force_login(make_portal_admin())
    assert client.post(reverse("checks:retry_letter", args=[application.pk])).status_code == 404


def test_only_handlers_are_offered_to_produce_a_failed_letter_again(client):
    from checks.models import DecisionLetter

    application = make_application(state=S.IN_REVIEW)
    decide(application=application, by=make_handler(), outcome="rejected", reasoning="Nej")
    DecisionLetter.objects.update(status=DecisionLetter.Status.FAILED, error="Boom")
    retry = reverse("checks:retry_letter", args=[application.pk])
    client.force_login(make_portal_admin())
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert "Boom" in page and retry not in page
    client.force_login(make_handler())
    assert retry in client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()


def test_lowering_a_call_budget_below_the_sum_granted_is_shown_on_the_field(client):
    call = make_call(total_budget=1_000_000)
    make_application(call=call, state=S.APPROVED, amount=150_000, granted=120_000)
    client.force_login(make_portal_admin())
    data = {
        "name": call.name,
        "reference_number": call.reference_number,
        "description": call.description,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "total_budget": "100000",
        "final_report_days": "60",
        "tracks-TOTAL_FORMS": "0",
        "tracks-INITIAL_FORMS": "0",
        "criteria-TOTAL_FORMS": "0",
        "criteria-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("checks:call_edit", args=[call.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["total_budget"]
    call.refresh_from_db()
    assert call.total_budget == 1_000_000


def test_unverified_buyer_dashboard_says_why_it_cannot_apply_instead_of_inviting_to(client):
    make_call()  # an open call
    apply_link = f'href="{reverse("checks:call_list")}">ansök</a>'
    client.force_login(make_buyer(status="pending"))
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "när en administratör har verifierat den" in page
    assert apply_link not in page
    client.force_login(make_buyer())
    assert apply_link in client.get(reverse("portal:dashboard")).content.decode()


FORGED_COUNT = "9" * 40  # a TOTAL_FORMS no browser sends: Django would build (and the page render) 2000 rows


def test_a_forged_row_count_does_not_make_the_call_form_build_thousands_of_rows(client):
    client.force_login(make_portal_admin())
    data = {"name": "Utlysning", "reference_number": "2027-00003"}
    for prefix in ("tracks", "criteria"):
        data.update({f"{prefix}-TOTAL_FORMS": FORGED_COUNT, f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(reverse("checks:call_create"), data)
    assert response.status_code == 400
    for formset in response.context["formsets"]:
        assert len(formset.forms) <= 50
        assert formset.non_form_errors()


def test_a_forged_row_count_does_not_make_the_application_form_build_thousands_of_rows(client):
    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(call, buyer)
    data.update({"expertise-TOTAL_FORMS": FORGED_COUNT, "budget-TOTAL_FORMS": FORGED_COUNT})
    response = client.post(reverse("checks:application_create", args=[call.pk]), data)
    assert response.status_code == 400
    for formset in (response.context["expertise"], response.context["budget"]):
        assert len(formset.forms) <= 50
        assert formset.non_form_errors()
    assert not Application.objects.exists()
