"""Final reports: only after the period has ended (or the handler ends it), costs above the grant flagged, the due
date from the call's number of days."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from checks import services
from checks.models import Application
from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.services import InvalidTransition, ServiceError
from tests.factories import make_handler

from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture
def client(client, settings):
    """The pages in English (the texts asserted are the msgids)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _report(application, costs=None):
    return services.submit_final_report(
        application=application,
        by=application.contact,
        results="R",
        outcome="O",
        procurement_started=False,
        procedure="not_started",
        actual_costs=costs or {},
    )


def test_the_final_report_is_refused_while_the_period_runs():
    application = make_application(state=S.APPROVED, period_ended=False)
    with translation.override("en"), pytest.raises(InvalidTransition) as error:
        _report(application)
    opens = (application.period_end + datetime.timedelta(days=1)).isoformat()
    assert f"from {opens}, when the period has ended" in str(error.value)


def test_the_applicant_sees_from_when_and_gets_no_form_while_the_period_runs(client):
    application = make_application(state=S.APPROVED, period_ended=False)
    client.force_login(application.contact)
    opens = application.final_report_opens_on.isoformat()
    page = client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert f"The final report can be submitted from {opens}" in page
    assert reverse("checks:final_report", args=[application.pk]) not in page
    response = client.get(reverse("checks:final_report", args=[application.pk]), follow=True)
    assert response.redirect_chain == [(reverse("checks:application_detail", args=[application.pk]), 302)]
    assert f"The final report can be submitted from {opens}" in response.content.decode()
    response = client.post(reverse("checks:final_report", args=[application.pk]), {"results": "R", "outcome": "O"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == S.APPROVED


def test_the_handler_ends_the_period_now_with_a_reason_audited(client):
    application = make_application(state=S.APPROVED, period_ended=False)
    application.period_start = timezone.localdate() - datetime.timedelta(days=10)  # it has started
    Application.objects.filter(pk=application.pk).update(period_start=application.period_start)
    old_end = application.period_end
    handler = make_handler()
    client.force_login(handler)
    url = reverse("checks:change_period", args=[application.pk])
    detail = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert url in detail
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    form = client.get(url)
    assert form.context["form"]["period_end"].value() == yesterday  # "end it now" is the default
    response = client.post(url, {"period_end": yesterday.isoformat(), "reason": ""})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["reason"]
    response = client.post(url, {"period_end": yesterday.isoformat(), "reason": "Konsulten har levererat."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.period_end == yesterday
    entry = AuditEntry.objects.get(action=AuditAction.APPLICATION_PERIOD_CHANGED.value)
    assert entry.actor == handler
    assert entry.details == {
        "from": old_end.isoformat(),
        "to": yesterday.isoformat(),
        "reason": "Konsulten har levererat.",
    }
    # The period has ended: the applicant can report at once.
    assert application.can_submit_final_report
    client.force_login(application.contact)
    assert client.get(reverse("checks:final_report", args=[application.pk])).status_code == 200


def test_change_period_end_refuses_an_end_before_the_start_and_other_states():
    handler = make_handler()
    application = make_application(state=S.APPROVED, period_ended=False)
    with pytest.raises(ServiceError) as error:
        services.change_period_end(
            application=application,
            by=handler,
            period_end=application.period_start - datetime.timedelta(days=1),
            reason="x",
        )
    assert error.value.field == "period_end"
    reported = make_application(state=S.FINAL_REPORT_SUBMITTED)
    with pytest.raises(InvalidTransition):
        services.change_period_end(application=reported, by=handler, period_end=timezone.localdate(), reason="x")


@pytest.mark.parametrize("role", ["applicant", "company", "admin"])
def test_only_handlers_change_the_period(client, role):
    from tests.factories import make_company_user, make_portal_admin

    application = make_application(state=S.APPROVED, period_ended=False)
    user = {"applicant": application.contact, "company": make_company_user(), "admin": make_portal_admin()}[role]
    client.force_login(user)
    response = client.post(
        reverse("checks:change_period", args=[application.pk]),
        {"period_end": timezone.localdate().isoformat(), "reason": "x"},
    )
    assert response.status_code in (302, 403, 404)
    application.refresh_from_db()
    assert application.period_end > timezone.localdate()
    assert not AuditEntry.objects.filter(action=AuditAction.APPLICATION_PERIOD_CHANGED.value).exists()


def test_costs_above_the_grant_are_flagged_to_the_handler_with_a_table(client):
    application = make_application(state=S.APPROVED, amount=150_000, granted=120_000)
    line = application.budget_lines.get()
    _report(application, {line.pk: 130_000})
    application.refresh_from_db()
    assert application.cost_overrun == 10_000
    client.force_login(make_handler())
    for name in ("handle_final_report", "review_detail"):
        page = client.get(reverse(f"checks:{name}", args=[application.pk])).content.decode()
        assert (
            "The actual external costs (130\u00a0000\u00a0SEK) exceed the granted amount (120\u00a0000\u00a0SEK) by "
            "10\u00a0000\u00a0SEK." in page
        ), name
        assert "<caption>Budgeted and actual external costs per budget line</caption>" in page
        assert '<th scope="row" colspan="2">Total</th>' in page
        assert "<td>-20\u00a0000\u00a0SEK</td>" in page  # actual minus budgeted


def test_costs_within_the_grant_are_not_flagged(client):
    application = make_application(state=S.APPROVED, amount=150_000, granted=150_000)
    line = application.budget_lines.get()
    _report(application, {line.pk: 150_000})
    application.refresh_from_db()
    assert application.cost_overrun == 0
    client.force_login(make_handler())
    page = client.get(reverse("checks:handle_final_report", args=[application.pk])).content.decode()
    assert "exceed the granted amount" not in page


def test_the_due_date_follows_the_calls_days_and_is_shown(client):
    application = make_application(call=make_call(final_report_days=45), state=S.APPROVED)
    due = (application.period_end + datetime.timedelta(days=45)).isoformat()
    assert application.final_report_due.isoformat() == due
    client.force_login(application.contact)
    assert due in client.get(reverse("checks:application_detail", args=[application.pk])).content.decode()
    assert due in client.get(reverse("checks:final_report", args=[application.pk])).content.decode()
    client.force_login(make_handler())
    assert due in client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()


def test_a_good_pdf_beside_a_forbidden_exe_is_kept(client):
    """The re-shown form keeps the good file (listed, sent again with the form); only the .exe is refused."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import make_buyer
    from .test_views import PDF, form_data

    buyer, call = make_buyer(), make_call()
    client.force_login(buyer)
    data = form_data(
        call,
        buyer,
        attachments=[SimpleUploadedFile("offert.pdf", PDF), SimpleUploadedFile("virus.exe", b"MZ" + b"\x00" * 60)],
    )
    response = client.post(reverse("checks:application_create", args=[call.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Attachments: The file virus.exe is not of an allowed type" in page  # in the error summary
    assert "Kept: offert.pdf" in page
    assert "choose this file again" not in page
    assert not Application.objects.exists()


def test_a_good_file_beside_another_fields_error_is_kept(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_views import PDF

    application = make_application(state=S.APPROVED)
    client.force_login(application.contact)
    response = client.post(
        reverse("checks:final_report", args=[application.pk]),
        {
            "results": "",
            "outcome": "O",
            "procedure": "not_started",
            "attachments": [SimpleUploadedFile("faktura.pdf", PDF)],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kept: faktura.pdf" in page
    assert "Remove faktura.pdf" in page
    assert "choose this file again" not in page


def test_the_queue_row_flags_costs_above_the_grant(client):
    over = make_application(state=S.APPROVED, amount=150_000, granted=120_000)
    _report(over, {over.budget_lines.get().pk: 130_000})
    within = make_application(state=S.APPROVED, amount=150_000, granted=150_000)
    _report(within, {within.budget_lines.get().pk: 100_000})
    client.force_login(make_handler())
    page = client.get(reverse("checks:queue")).content.decode()
    flag = "Costs 130\u00a0000\u00a0SEK exceed the grant 120\u00a0000\u00a0SEK by 10\u00a0000\u00a0SEK"
    assert page.count("exceed the grant") == 1 and flag in page
