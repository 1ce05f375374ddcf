"""Public records and secrecy (projects.records): secrecy requests, release copies, withdrawn responses.

A response that reached a public body is a public record (TF 2 kap.); the company asks for secrecy, the buyer
decides when someone asks for the record and releases a copy with the secret parts redacted (OSL 31:16, 19:3).
"""

import datetime
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portal.audit import AuditAction
from portal.files import attach_bytes
from portal.models import AuditEntry
from portal.services import ServiceError
from projects import selectors as project_selectors
from projects.records import selectors, services
from projects.records.models import RecordRelease, SecrecyMarking
from tests.factories import make_buyer, make_company_user, make_handler, organisation_of

from .factories import CallFactory, NeedFactory, ResponseFactory, answer, closed_call, with_questions

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 64
SECRET = "patenterad värmeväxlare"
OPEN_TEXT = "Vi har levererat till tre kommuner."
DESCRIPTION = f"Lösningen bygger på en {SECRET} och ett öppet gränssnitt."


@pytest.fixture
def world():
    buyer = make_buyer()
    company = make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    response = ResponseFactory(
        call=call,
        organisation=organisation_of(company),
        summary="Värmeåtervinning för skolkök.",
        description=DESCRIPTION,
        references=OPEN_TEXT,
        price_indication=450000,
    )
    return {
        "buyer": buyer,
        "company": company,
        "other_buyer": make_buyer(),
        "other_company": make_company_user(),
        "handler": make_handler(),
        "call": call,
        "response": response,
    }


def _mark(world, **kwargs):
    data = {"field": "description", "passage": SECRET, "reason": "Affärshemlighet: vår konstruktion."} | kwargs
    return services.add_secrecy_marking(response=world["response"], by=world["company"], **data)


def _pdf_text(content: bytes) -> str:
    """The PDF's text as a reader (or a copy-paste) gets it; pdftotext is not on every machine, pypdf is."""
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _login(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- the response form tells the truth ----------------------------------------------------------------------------


def test_response_form_says_the_response_becomes_a_public_record(client, world):
    _login(client, world["company"])
    page = client.get(reverse("projects:response_edit", args=[world["call"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "no other company ever sees it" not in text
    assert "it becomes a public record (allmän handling, Freedom of the Press Act, chapter 2)" in text
    assert "stays one if you later withdraw it" in text
    assert "(OSL) 31:16" in text and "19:3 (procurement)" in text
    assert "decides for itself when a request comes" in text
    assert reverse("records:markings", args=[world["response"].pk]) in text


def test_response_form_in_swedish(client, world):
    _login(client, world["company"], "sv")
    page = client.get(reverse("projects:response_edit", args=[world["call"].pk]))
    text = page.content.decode()
    assert "allmän handling" in text and "tryckfrihetsförordningen" in text
    assert "Ingen annan" not in text


# --- rules --------------------------------------------------------------------------------------------------------

ROLES = ["anonymous", "buyer", "other_buyer", "company", "other_company", "handler"]
# (status, submitted before, call open)
STATES = [
    ("draft", False, True),
    ("submitted", True, True),
    ("withdrawn", True, True),
    ("withdrawn", False, True),
    ("submitted", True, False),
    ("withdrawn", True, False),
]
# One set per state, in the order of STATES: draft, submitted, withdrawn after submitting, withdrawn as a draft;
# then with the call closed: submitted, withdrawn after submitting.
COMPANY, BOTH = {"company"}, {"company", "buyer"}
TABLE = {
    "projects.view_response": [COMPANY, BOTH, BOTH, COMPANY, BOTH, BOTH],
    "projects.view_secrecy_markings": [COMPANY, BOTH, BOTH, COMPANY, BOTH, BOTH],
    "projects.mark_secrecy": [COMPANY, COMPANY, COMPANY, COMPANY, set(), set()],
    "projects.release_response": [set(), {"buyer"}, {"buyer"}, set(), {"buyer"}, {"buyer"}],
}


@pytest.mark.parametrize("perm", TABLE)
@pytest.mark.parametrize("state", STATES)
def test_records_rules(world, perm, state):
    status, submitted_before, call_open = state
    call = world["call"] if call_open else closed_call(need=world["call"].need)
    # A response of its own: the world's company already answered the world's call.
    company = make_company_user()
    response = ResponseFactory(
        call=call,
        organisation=organisation_of(company),
        status=status,
        submitted_at=timezone.now() if submitted_before else None,
    )
    users = {**{role: world[role] for role in ROLES if role != "anonymous"}, "company": company}
    users["anonymous"] = AnonymousUser()
    allowed = {role for role in ROLES if users[role].has_perm(perm, response)}
    assert allowed == TABLE[perm][STATES.index(state)]


def test_release_view_rule_is_the_buyer_organisation_only(world):
    release = RecordRelease.objects.create(
        response=world["response"], anonymous=True, requested_on=datetime.date(2026, 11, 1)
    )
    allowed = {
        role for role in ROLES if role != "anonymous" and world[role].has_perm("projects.view_recordrelease", release)
    }
    assert allowed == {"buyer"}


# --- secrecy requests: services -----------------------------------------------------------------------------------


def test_a_marking_with_a_passage_is_saved_with_an_audit_row(world):
    marking = _mark(world)
    assert (marking.field, marking.passage, marking.created_by) == ("description", SECRET, world["company"])
    entry = AuditEntry.objects.get(action=AuditAction.SECRECY_REQUESTED)
    assert entry.details == {"marking": marking.pk, "field": "description"}
    assert entry.object_id == str(world["response"].pk)


def test_a_marking_without_a_reason_is_refused_next_to_the_reason(world):
    with pytest.raises(ServiceError) as error:
        _mark(world, reason="   ")
    assert error.value.field == "reason"
    assert not SecrecyMarking.objects.exists()


def test_a_passage_that_is_not_in_the_text_is_refused(world):
    with pytest.raises(ServiceError) as error:
        _mark(world, passage="något som inte står där")
    assert error.value.field == "passage"
    assert str(error.value.message).startswith("Textavsnittet finns inte i ”Beskrivning”.")


def test_a_passage_of_a_file_is_refused_and_the_whole_file_may_be_marked(world):
    attachment = attach_bytes(owner=world["response"], content=PDF, filename="ritning.pdf")
    with pytest.raises(ServiceError) as error:
        _mark(world, field=f"attachment:{attachment.uuid}", passage="ritning")
    assert error.value.field == "passage"
    marking = _mark(world, field=f"attachment:{attachment.uuid}", passage="")
    assert marking.is_whole_field


def test_an_unknown_or_empty_part_is_refused(world):
    for field in ("trl", "answer:1", "attachment:00000000-0000-0000-0000-000000000000"):
        with pytest.raises(ServiceError) as error:
            _mark(world, field=field, passage="")
        assert error.value.field == "field"
    world["response"].references = ""
    world["response"].save()
    with pytest.raises(ServiceError):
        _mark(world, field="references", passage="")


def test_markings_cannot_be_added_or_removed_after_the_call_closed(world):
    marking = _mark(world)
    world["call"].closes_at = timezone.now() - datetime.timedelta(minutes=1)
    world["call"].save()
    with pytest.raises(ServiceError):
        _mark(world, field="summary", passage="")
    with pytest.raises(ServiceError):
        services.remove_secrecy_marking(marking=marking, by=world["company"])
    assert SecrecyMarking.objects.count() == 1


def test_removing_a_marking_writes_an_audit_row(world):
    marking = _mark(world)
    pk = marking.pk
    services.remove_secrecy_marking(marking=marking, by=world["company"])
    assert not SecrecyMarking.objects.exists()
    assert AuditEntry.objects.get(action=AuditAction.SECRECY_WITHDRAWN).details == {
        "marking": pk,
        "field": "description",
    }


# --- secrecy requests: pages --------------------------------------------------------------------------------------


def test_company_adds_a_marking_on_its_own_page(client, world):
    _login(client, world["company"])
    url = reverse("records:marking_add", args=[world["response"].pk])
    page = client.post(url, {"field": "description", "passage": SECRET, "reason": "Vår konstruktion."})
    assert page.status_code == 302 and page["Location"] == reverse("records:markings", args=[world["response"].pk])
    listing = client.get(page["Location"])
    assert SECRET in listing.content.decode() and "Vår konstruktion." in listing.content.decode()


def test_a_marking_without_reason_gets_a_message_next_to_the_field_and_keeps_the_input(client, world):
    _login(client, world["company"])
    page = client.post(
        reverse("records:marking_add", args=[world["response"].pk]),
        {"field": "description", "passage": SECRET, "reason": ""},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Say why this part should be kept secret; the buyer weighs your reason." in text
    assert f">\n{SECRET}</textarea>" in text
    assert not SecrecyMarking.objects.exists()


def test_a_passage_not_in_the_text_gets_a_message_next_to_the_passage(client, world):
    _login(client, world["company"])
    page = client.post(
        reverse("records:marking_add", args=[world["response"].pk]),
        {"field": "references", "passage": "hemliga kunder", "reason": "Kundrelationer."},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "The passage does not occur in “References”" in text
    assert 'id="id_passage_error"' in text or 'aria-invalid="true"' in text


def test_marking_another_companys_response_is_404(client, world):
    marking = _mark(world)
    _login(client, world["other_company"])
    pk = world["response"].pk
    assert client.get(reverse("records:markings", args=[pk])).status_code == 404
    data = {"field": "summary", "passage": "", "reason": "x"}
    assert client.post(reverse("records:marking_add", args=[pk]), data).status_code == 404
    assert client.post(reverse("records:marking_remove", args=[pk, marking.pk])).status_code == 404
    assert SecrecyMarking.objects.count() == 1


def test_removing_a_marking_of_another_response_through_ones_own_is_404(client, world):
    other_response = ResponseFactory(call=world["call"], organisation=organisation_of(world["other_company"]))
    foreign = SecrecyMarking.objects.create(response=other_response, field="summary", reason="x")
    _login(client, world["company"])
    url = reverse("records:marking_remove", args=[world["response"].pk, foreign.pk])
    assert client.post(url).status_code == 404
    assert SecrecyMarking.objects.filter(pk=foreign.pk).exists()


def test_after_the_call_closed_the_company_sees_its_markings_but_cannot_add(client, world):
    _mark(world)
    world["call"].closes_at = timezone.now() - datetime.timedelta(minutes=1)
    world["call"].save()
    _login(client, world["company"])
    page = client.get(reverse("records:markings", args=[world["response"].pk]))
    assert page.status_code == 200
    assert "secrecy requests can no longer be added or removed" in page.content.decode()
    data = {"field": "summary", "passage": "", "reason": "x"}
    assert client.post(reverse("records:marking_add", args=[world["response"].pk]), data).status_code == 403


def test_buyer_sees_the_markings_highlighted_with_the_reason(client, world):
    _mark(world)
    _mark(world, field="price_indication", passage="", reason="Priset avslöjar vår kalkyl.")
    _login(client, world["buyer"])
    page = client.get(reverse("projects:response_detail", args=[world["response"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert f"<mark>{SECRET}</mark>" in text
    assert "Affärshemlighet: vår konstruktion." in text
    assert "<mark>450,000 kr</mark>" in text and "Priset avslöjar vår kalkyl." in text
    assert reverse("records:release", args=[world["response"].pk]) in text
    assert "OSL 6 kap." in text


def test_the_company_cannot_open_the_release_form(client, world):
    _login(client, world["company"])
    assert client.get(reverse("records:release", args=[world["response"].pk])).status_code == 404


# --- release copies -----------------------------------------------------------------------------------------------


def _release_data(marking, decision="redact", **extra):
    data = {
        "requested_on": "2026-11-30",
        "registration": "KS 2026/123",
        "requester_name": "Anna Journalist",
        "requester_email": "anna@example.org",
        f"decision_{marking.pk}": decision,
        f"provision_{marking.pk}": "OSL 31:16",
    }
    return data | extra


def test_buyer_releases_a_copy_with_the_secret_passage_redacted(client, world):
    marking = _mark(world)
    _login(client, world["buyer"], "sv")
    page = client.post(reverse("records:release", args=[world["response"].pk]), _release_data(marking))
    release = RecordRelease.objects.get()
    assert page.status_code == 302
    assert page["Location"] == reverse("projects:response_detail", args=[world["response"].pk]) + "#record-releases"
    assert (release.requester_name, release.requester_email, release.registration) == (
        "Anna Journalist",
        "anna@example.org",
        "KS 2026/123",
    )
    assert release.requested_on == datetime.date(2026, 11, 30) and release.released_by == world["buyer"]
    assert release.decisions == [
        {
            "marking": marking.pk,
            "field": "description",
            "field_label": "Beskrivning",
            "passage": SECRET,
            "reason": "Affärshemlighet: vår konstruktion.",
            "decision": "redact",
            "provision": "OSL 31:16",
        }
    ]
    entry = AuditEntry.objects.get(action=AuditAction.RECORD_RELEASED)
    assert entry.details == {"release": release.pk, "redacted": 1, "marked": 1}
    assert "Anna" not in str(entry.details) and entry.actor == world["buyer"]
    pdf = selectors.release_pdf(release)
    text = _pdf_text(pdf.file.read())
    assert SECRET not in text
    assert "[Sekretess – OSL 31:16]" in text
    assert "Lösningen bygger på en" in text and "öppet gränssnitt" in text
    assert OPEN_TEXT in text
    assert "Utlämnad kopia av allmän handling" in text
    assert "KS 2026/123" in text and "2026-11-30" in text


def test_a_released_marking_and_unmarked_parts_are_in_the_copy(world):
    marking = _mark(world)
    release = services.release_response(
        response=world["response"],
        by=world["buyer"],
        requested_on=datetime.date(2026, 11, 30),
        anonymous=True,
        decisions={marking.pk: ("release", "")},
        language="en",
    )
    text = _pdf_text(selectors.release_pdf(release).file.read())
    assert SECRET in text and OPEN_TEXT in text
    assert "Secrecy –" not in text
    assert "Release copy of a public record" in text
    assert release.requester_label == "Anonym" and release.decisions[0]["provision"] == ""


def test_a_redacted_whole_part_and_file_name_are_not_in_the_copy(world):
    attachment = attach_bytes(owner=world["response"], content=PDF, filename="hemlig-ritning.pdf")
    whole = _mark(world, field="references", passage="")
    file_marking = _mark(world, field=f"attachment:{attachment.uuid}", passage="")
    release = services.release_response(
        response=world["response"],
        by=world["buyer"],
        requested_on=datetime.date(2026, 11, 30),
        anonymous=True,
        decisions={whole.pk: ("redact", "OSL 19:3"), file_marking.pk: ("redact", "OSL 31:16")},
        language="sv",
    )
    text = _pdf_text(selectors.release_pdf(release).file.read())
    assert OPEN_TEXT not in text and "hemlig-ritning" not in text
    assert "[Sekretess – OSL 19:3]" in text and "[Sekretess – OSL 31:16]" in text


def test_a_passage_changed_after_marking_redacts_the_whole_part(world):
    marking = _mark(world)
    SecrecyMarking.objects.filter(pk=marking.pk).update(passage="en formulering som inte längre finns")
    release = services.release_response(
        response=world["response"],
        by=world["buyer"],
        requested_on=datetime.date(2026, 11, 30),
        anonymous=True,
        decisions={marking.pk: ("redact", "OSL 31:16")},
        language="sv",
    )
    text = _pdf_text(selectors.release_pdf(release).file.read())
    assert "Lösningen bygger på en" not in text and SECRET not in text


def test_release_form_without_the_request_date_keeps_the_input(client, world):
    marking = _mark(world)
    _login(client, world["buyer"])
    page = client.post(
        reverse("records:release", args=[world["response"].pk]),
        _release_data(marking, requested_on=""),
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Enter the date the request came in." in text
    assert 'value="KS 2026/123"' in text and 'value="Anna Journalist"' in text
    assert not RecordRelease.objects.exists()


def test_release_form_asks_for_a_provision_and_a_decision(client, world):
    marking = _mark(world)
    _login(client, world["buyer"])
    url = reverse("records:release", args=[world["response"].pk])
    data = _release_data(marking)
    data[f"provision_{marking.pk}"] = ""
    page = client.post(url, data)
    assert "Name the provision of the Secrecy Act that applies, e.g. OSL 31:16." in page.content.decode()
    del data[f"decision_{marking.pk}"]
    page = client.post(url, data)
    assert "Choose whether to redact or release this part." in page.content.decode()
    assert not RecordRelease.objects.exists()


def test_release_form_needs_a_requester_or_anonymous(client, world):
    marking = _mark(world)
    _login(client, world["buyer"])
    page = client.post(
        reverse("records:release", args=[world["response"].pk]),
        _release_data(marking, requester_name="", requester_email=""),
    )
    assert "or tick that the requester is anonymous" in page.content.decode()
    assert not RecordRelease.objects.exists()


def test_release_of_another_buyers_response_is_404(client, world):
    marking = _mark(world)
    _login(client, world["other_buyer"])
    url = reverse("records:release", args=[world["response"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _release_data(marking)).status_code == 404
    assert not RecordRelease.objects.exists()


def test_release_of_a_draft_is_404_for_the_buyer(client, world):
    world["response"].status = "draft"
    world["response"].submitted_at = None
    world["response"].save()
    _login(client, world["buyer"])
    assert client.get(reverse("records:release", args=[world["response"].pk])).status_code == 404


def test_the_pdf_is_downloaded_only_by_the_buyer_organisation(client, world):
    marking = _mark(world)
    release = services.release_response(
        response=world["response"],
        by=world["buyer"],
        requested_on=datetime.date(2026, 11, 30),
        anonymous=True,
        decisions={marking.pk: ("redact", "OSL 31:16")},
    )
    url = reverse("portal:attachment_download", args=[selectors.release_pdf(release).uuid])
    for role in ("other_buyer", "company", "other_company", "handler"):
        client.force_login(world[role])
        assert client.get(url).status_code == 404, role
    client.logout()
    assert client.get(url).status_code == 404
    _login(client, world["buyer"])
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"


def test_earlier_releases_are_listed_for_the_buyer_only(client, world):
    marking = _mark(world)
    release = services.release_response(
        response=world["response"],
        by=world["buyer"],
        requested_on=datetime.date(2026, 11, 30),
        anonymous=False,
        requester_name="Anna Journalist",
        decisions={marking.pk: ("redact", "OSL 31:16")},
    )
    pdf = selectors.release_pdf(release)
    _login(client, world["buyer"])
    text = client.get(reverse("projects:response_detail", args=[world["response"].pk]))
    text = text.content.decode()
    assert "Anna Journalist" in text and "1 of 1 secrecy requests" in text
    assert reverse("portal:attachment_download", args=[pdf.uuid]) in text
    _login(client, world["company"])
    own = client.get(reverse("projects:response_detail", args=[world["response"].pk])).content.decode()
    assert "Anna Journalist" not in own and str(pdf.uuid) not in own


def test_response_page_query_count_does_not_grow_with_markings_and_releases(client, world):
    _login(client, world["buyer"])
    url = reverse("projects:response_detail", args=[world["response"].pk])
    marking = _mark(world)

    def release():
        services.release_response(
            response=world["response"],
            by=world["buyer"],
            requested_on=datetime.date(2026, 11, 30),
            anonymous=True,
            decisions={m.pk: ("redact", "OSL 31:16") for m in SecrecyMarking.objects.all()},
        )

    release()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _mark(world, field="summary", passage="")
    _mark(world, field="references", passage="tre kommuner")
    assert marking.pk
    for _ in range(3):
        release()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)


# --- withdrawn responses stay with the buyer ----------------------------------------------------------------------


def _withdrawn(world):
    response = world["response"]
    response.status = "withdrawn"
    response.withdrawn_at = timezone.now()
    response.save()
    return response


def test_a_withdrawn_response_stays_readable_to_the_buyer_marked_withdrawn(client, world):
    response = _withdrawn(world)
    _login(client, world["buyer"])
    page = client.get(reverse("projects:response_detail", args=[response.pk]))
    assert page.status_code == 200
    assert "The company withdrew this response on" in page.content.decode()
    assert "a withdrawal deletes nothing" in page.content.decode()


def test_the_buyers_list_shows_withdrawn_ones_marked_and_counts_only_submitted(client, world):
    response = _withdrawn(world)
    submitted = ResponseFactory(call=world["call"])
    ResponseFactory(call=world["call"], status="draft")
    assert list(project_selectors.received_responses(world["call"])) == [response, submitted] or list(
        project_selectors.received_responses(world["call"])
    ) == [submitted, response]
    _login(client, world["buyer"])
    page = client.get(reverse("projects:call_responses", args=[world["call"].pk]))
    text = page.content.decode()
    assert "1 submitted response" in text and "2 submitted responses" not in text
    assert text.count("Withdrawn by the company") == 1
    assert response.organisation.name in text and submitted.organisation.name in text


def test_a_draft_never_submitted_stays_invisible_to_the_buyer(client, world):
    response = world["response"]
    response.status, response.submitted_at = "withdrawn", None
    response.save()
    _login(client, world["buyer"])
    assert client.get(reverse("projects:response_detail", args=[response.pk])).status_code == 404
    assert list(project_selectors.received_responses(world["call"])) == []


def test_a_withdrawn_response_can_be_released(world):
    _withdrawn(world)
    release = services.release_response(
        response=world["response"],
        by=world["buyer"],
        requested_on=datetime.date(2026, 11, 30),
        anonymous=True,
        decisions={},
        language="sv",
    )
    text = _pdf_text(selectors.release_pdf(release).file.read())
    assert "återkallat av företaget" in text and DESCRIPTION[:20] in text


def test_markings_page_query_count_does_not_grow_with_markings(client, world):
    _login(client, world["company"])
    url = reverse("records:markings", args=[world["response"].pk])
    _mark(world)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _mark(world, field="summary", passage="")
    _mark(world, field="references", passage="tre kommuner")
    _mark(world, field="price_indication", passage="")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("Remove the secrecy request for") == 4
    assert len(many.captured_queries) == len(one.captured_queries)


def test_release_form_query_count_does_not_grow_with_markings(client, world):
    _login(client, world["buyer"])
    url = reverse("records:release", args=[world["response"].pk])
    _mark(world)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _mark(world, field="summary", passage="")
    _mark(world, field="references", passage="tre kommuner")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count('value="redact"') == 3
    assert len(many.captured_queries) == len(one.captured_queries)


def test_release_form_offers_today_as_the_request_date(client, world):
    _login(client, world["buyer"])
    page = client.get(reverse("records:release", args=[world["response"].pk]))
    assert f'value="{timezone.localdate().isoformat()}"' in page.content.decode()


def test_a_request_date_after_today_is_refused(world):
    with pytest.raises(ServiceError) as error:
        services.release_response(
            response=world["response"],
            by=world["buyer"],
            requested_on=timezone.localdate() + datetime.timedelta(days=1),
            anonymous=True,
            decisions={},
        )
    assert error.value.field == "requested_on"
    assert not RecordRelease.objects.exists()


def test_a_release_needs_a_decision_on_every_secrecy_request(world):
    _mark(world)
    with pytest.raises(ServiceError):
        services.release_response(
            response=world["response"],
            by=world["buyer"],
            requested_on=datetime.date(2026, 11, 30),
            anonymous=True,
            decisions={},
        )
    assert not RecordRelease.objects.exists()


def test_the_company_is_told_that_a_withdrawn_response_stays_with_the_buyer(client, world):
    response = _withdrawn(world)
    _login(client, world["company"])
    page = client.get(reverse("projects:response_detail", args=[response.pk]))
    assert "a response that reached a public body stays a public record" in page.content.decode()
    response.submitted_at = None
    response.save()
    page = client.get(reverse("projects:response_detail", args=[response.pk]))
    assert "a response that reached a public body stays a public record" not in page.content.decode()


def test_an_answer_to_a_numbered_question_can_be_marked_and_is_redacted_in_the_release_copy(client, world):
    with_questions(world["call"], "Hur fungerar lösningen?")
    answer(world["response"], q1="Öppen del. Hemlig värmeväxlare X9.")
    marking = _mark(world, field="answer:1", passage="Hemlig värmeväxlare X9.")
    assert marking.field == "answer:1"
    with pytest.raises(ServiceError):
        _mark(world, field="answer:2", passage="")
    _login(client, world["buyer"], "sv")
    client.post(reverse("records:release", args=[world["response"].pk]), _release_data(marking))
    release = RecordRelease.objects.get()
    assert release.decisions[0]["field_label"] == "Svar på fråga 1"
    text = _pdf_text(selectors.release_pdf(release).file.read())
    assert "Öppen del." in text
    assert "X9" not in text
