"""Language of parts (WCAG 3.1.2) on the innovation-check pages, dialogue meetings and public records.

An application's texts (and its thread, final report and decision's reasons) are in the application's `language`
(Swedish unless the applicant picks English); meetings' and secrecy requests' texts are in their call's language.
On a page (or PDF) in the other language they carry `lang`."""

import pytest
from django.conf import settings
from django.urls import reverse

from checks import services
from checks.decision_letters.models import KIND as LETTER_KIND
from checks.messages.services import post_message
from checks.models import Application, DecisionLetter, GrantCall, Review
from portal.documents import get_kind, render_document, render_html
from portal.services import ServiceError
from projects.records import services as record_services
from tests.factories import make_buyer, make_company_user, make_handler, make_portal_admin, organisation_of
from tests.pdf_structure import outline, read_structure
from tests.projects.factories import CallFactory, NeedFactory, ResponseFactory
from tests.projects.meetings_helpers import offer, slot

from .factories import decide, make_application, make_call
from .test_call_rules import form_data as call_form_data

pytestmark = pytest.mark.django_db

S = Application.State
PURPOSE = "Vi vill förstå vilka sensorer som finns på marknaden."
REASONS = "Ansökan uppfyller utlysningens kriterier."


def page(client, user, url, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def in_review(language="sv", buyer=None):
    application = make_application(buyer=buyer or make_buyer(), state=S.IN_REVIEW)
    Application.objects.filter(pk=application.pk).update(
        purpose=PURPOSE if language == "sv" else "We want to know which sensors exist.", language=language
    )
    application.refresh_from_db()
    return application


def test_the_english_handler_page_marks_the_swedish_application_texts(client):
    application = in_review()
    handler = make_handler()

    html = page(client, handler, reverse("checks:review_detail", args=[application.pk]), "en")

    assert '<html lang="en">' in html
    assert f'<h2>Purpose</h2><div lang="sv"><p>{PURPOSE}</p></div>' in html
    assert f'<h1>{application.reference}: <span lang="sv">{application.title}</span></h1>' in html
    line = application.budget_lines.first()
    assert f'<td lang="sv">{line.description}</td>' in html


def test_the_english_thread_marks_swedish_messages(client):
    application = in_review()
    handler = make_handler()
    post_message(application=application, by=handler, body="Kan ni förtydliga budgeten?")

    html = page(client, handler, reverse("checks:messages", args=[application.pk]), "en")

    assert '<blockquote lang="sv">Kan ni förtydliga budgeten?</blockquote>' in html


def test_the_swedish_handler_page_marks_nothing_in_a_swedish_application(client):
    application = in_review()

    html = page(client, make_handler(), reverse("checks:review_detail", args=[application.pk]), "sv")

    assert f"<h2>Syfte</h2><div><p>{PURPOSE}</p></div>" in html
    assert 'lang="sv"' not in html.replace('<html lang="sv">', "")


def test_an_application_written_in_english_is_marked_on_the_swedish_applicant_page(client):
    buyer = make_buyer()
    application = in_review("en", buyer=buyer)

    html = page(client, buyer, reverse("checks:application_detail", args=[application.pk]), "sv")

    assert '<h2>Syfte</h2><div lang="en"><p>We want to know which sensors exist.</p></div>' in html
    assert f'<h1><span lang="en">{application.title}</span></h1>' in html


def test_the_application_form_records_the_language_swedish_by_default(client):
    buyer = make_buyer()
    application = make_application(buyer=buyer)

    html = page(client, buyer, reverse("checks:application_edit", args=[application.pk]), "sv")

    assert 'name="language" value="sv"' in html and 'name="language" value="en"' in html
    assert application.language == "sv"


def test_the_decided_reasons_are_marked_on_the_english_applicant_page(client):
    buyer = make_buyer()
    application = in_review(buyer=buyer)
    decide(application=application, by=make_handler(), outcome="approved", granted_amount=100_000, reasoning=REASONS)

    html = page(client, buyer, reverse("checks:application_detail", args=[application.pk]), "en")

    assert f'<div lang="sv"><p>{REASONS}</p></div>' in html


def decision_letter(*, letter_language, application_language):
    application = in_review(application_language, buyer=make_buyer(language=letter_language))
    decide(application=application, by=make_handler(), outcome="approved", granted_amount=100_000, reasoning=REASONS)
    letter = DecisionLetter.objects.get(application=application)
    return application, letter


def test_the_english_decision_letter_marks_the_swedish_reasons():
    application, letter = decision_letter(letter_language="en", application_language="sv")

    html = render_html(kind=get_kind(LETTER_KIND), document=letter)
    assert f'<p class="pre" lang="sv">{REASONS}</p>' in html

    render_document(kind=LETTER_KIND, document_id=letter.pk)
    letter.refresh_from_db()
    with letter.file.open("rb") as handle:
        structure = read_structure(handle.read())
    assert structure.lang == "en"
    paragraphs = [element for element in structure.elements("P") if element.lang == "sv"]
    assert paragraphs, outline(structure.root)  # the reasons' paragraph


def test_a_swedish_letter_marks_the_reasons_of_an_application_written_in_english():
    application, letter = decision_letter(letter_language="sv", application_language="en")

    html = render_html(kind=get_kind(LETTER_KIND), document=letter)
    assert f'<p class="pre" lang="en">{REASONS}</p>' in html

    render_document(kind=LETTER_KIND, document_id=letter.pk)
    letter.refresh_from_db()
    with letter.file.open("rb") as handle:
        structure = read_structure(handle.read())
    assert structure.lang == "sv"
    assert [element for element in structure.elements("P") if element.lang == "en"], outline(structure.root)


# --- Dialogue meetings and public records take their call's language ---------------------------------------------


def test_the_english_booking_page_marks_the_swedish_place_and_note(client):
    call = CallFactory(need=NeedFactory())
    offer(call)
    slot(call, place="Stadshuset, rum 4", note="Ta med en ritning.")

    html = page(client, make_company_user(), reverse("projects:meeting_book", args=[call.pk]), "en")

    assert '<td><span lang="sv">Stadshuset, rum 4</span></td>' in html
    assert '<td lang="sv">Ta med en ritning.</td>' in html


def test_the_english_secrecy_page_marks_the_swedish_reason(client):
    company = make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(make_buyer())))
    response = ResponseFactory(
        call=call, organisation=organisation_of(company), description="Lösningen bygger på en värmeväxlare."
    )
    record_services.add_secrecy_marking(
        response=response, by=company, field="description", passage="värmeväxlare", reason="Affärshemlighet."
    )

    html = page(client, company, reverse("records:markings", args=[response.pk]), "en")

    assert '<td lang="sv">Affärshemlighet.</td>' in html
    assert '“<span lang="sv">värmeväxlare</span>”' in html


def test_the_completion_request_and_the_history_are_marked_on_the_english_applicant_page(client):
    buyer = make_buyer()
    application = make_application(buyer=buyer, state=S.COMPLETION_REQUESTED)

    html = page(client, buyer, reverse("checks:application_detail", args=[application.pk]), "en")

    assert html.count('<blockquote lang="sv">Komplettera.</blockquote>') == 2  # the request and the history


def test_the_english_handler_page_marks_the_review_comments(client):
    application = make_application(state=S.IN_REVIEW)
    handler = make_handler()
    criteria = list(application.call.criteria.all())
    services.save_review(
        application=application,
        handler=handler,
        scores={criterion.pk: (4, "Tydlig innovationshöjd.") for criterion in criteria},
        recommendation=Review.Recommendation.values[0],
    )

    html = page(client, handler, reverse("checks:review_detail", args=[application.pk]), "en")

    assert '<td lang="sv">Tydlig innovationshöjd.</td>' in html


# --- Grant calls: their name, description, tracks, criteria and appeal text are in the call's language ----------


def test_the_english_public_call_page_marks_the_swedish_call_texts(client):
    call = make_call()

    html = page(client, make_buyer(), reverse("checks:call_detail", args=[call.pk]), "en")

    assert '<html lang="en">' in html
    assert f'<h1 lang="sv">{call.name}</h1>' in html
    assert '<div lang="sv"><p>Checkar för innovationsupphandling.</p></div>' in html
    track = call.tracks.get(name="Beslutsunderlag")
    assert f'<h3 id="track-{track.pk}" lang="sv">Beslutsunderlag</h3>' in html
    assert '<td lang="sv">Innovationshöjd</td>' in html


def test_the_english_call_list_marks_the_swedish_call_name_and_tracks(client):
    call = make_call()

    html = page(client, make_buyer(), reverse("checks:call_list"), "en")

    assert f'lang="sv">{call.name}</a>' in html
    assert '<span lang="sv">Beslutsunderlag</span> (up to' in html


def test_the_english_queue_and_handler_page_mark_the_swedish_call_name_and_track(client):
    application = in_review()
    handler = make_handler()
    call = application.call

    queue = page(client, handler, reverse("checks:queue"), "en")
    assert f'<br><span lang="sv">{application.track.name}</span></td>' in queue

    detail = page(client, handler, reverse("checks:review_detail", args=[application.pk]), "en")
    assert f'<span lang="sv">{call.name}</span></a> ({call.reference_number})' in detail
    assert f'<dd lang="sv">{application.track.name}</dd>' in detail


def test_a_call_written_in_english_is_marked_on_the_swedish_pages(client):
    call = make_call(name="Innovation checks 2027", description="Grants for external expertise.")
    GrantCall.objects.filter(pk=call.pk).update(language="en")
    call.refresh_from_db()
    buyer = make_buyer()

    html = page(client, buyer, reverse("checks:call_detail", args=[call.pk]), "sv")
    assert '<h1 lang="en">Innovation checks 2027</h1>' in html
    assert '<div lang="en"><p>Grants for external expertise.</p></div>' in html

    form = page(client, buyer, reverse("checks:application_create", args=[call.pk]), "sv")
    assert 'Utlysning: <span lang="en">Innovation checks 2027</span>.' in form
    assert '<span lang="en">Beslutsunderlag</span> (upp till' in form


def test_the_swedish_call_page_marks_nothing_in_a_swedish_call(client):
    call = make_call()

    html = page(client, make_buyer(), reverse("checks:call_detail", args=[call.pk]), "sv")

    assert f"<h1>{call.name}</h1>" in html
    assert 'lang="sv"' not in html.replace('<html lang="sv">', "").replace('value="sv" lang="sv"', "")


def test_the_call_form_records_the_language(client):
    call = make_call()
    client.force_login(make_portal_admin())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"

    form = client.get(reverse("checks:call_edit", args=[call.pk])).content.decode()
    assert 'name="language" value="sv"' in form and 'name="language" value="en"' in form

    response = client.post(reverse("checks:call_edit", args=[call.pk]), call_form_data(call, language="en"))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.language == "en"

    response = client.post(reverse("checks:call_edit", args=[call.pk]), call_form_data(call))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.language == "sv"  # left out of the post: Swedish


def test_save_call_keeps_the_language_unless_given():
    call = make_call()
    admin = make_portal_admin()

    services.save_call(call=call, tracks=[], criteria=[], by=admin, language="en")
    call.refresh_from_db()
    assert call.language == "en"

    services.save_call(call=call, tracks=[], criteria=[], by=admin)
    call.refresh_from_db()
    assert call.language == "en"

    with pytest.raises(ServiceError) as refused:
        services.save_call(call=call, tracks=[], criteria=[], by=admin, language="de")
    assert refused.value.field == "language"


def test_a_swedish_letter_marks_the_texts_of_a_call_written_in_english():
    application = in_review("sv", buyer=make_buyer(language="sv"))
    GrantCall.objects.filter(pk=application.call_id).update(
        language="en", appeal_text="The decision can be appealed to the administrative court."
    )
    decide(application=application, by=make_handler(), outcome="approved", granted_amount=100_000, reasoning=REASONS)
    letter = DecisionLetter.objects.get(application=application)
    call = GrantCall.objects.get(pk=application.call_id)

    html = render_html(kind=get_kind(LETTER_KIND), document=letter)
    assert f'<span lang="en">{call.name}</span> ({call.reference_number})' in html
    assert f'<dd><span lang="en">{application.track.name}</span></dd>' in html
    assert '<p class="pre" lang="en">The decision can be appealed to the administrative court.</p>' in html
    assert f'<p class="pre">{REASONS}</p>' in html

    render_document(kind=LETTER_KIND, document_id=letter.pk)
    letter.refresh_from_db()
    with letter.file.open("rb") as handle:
        structure = read_structure(handle.read())
    assert structure.lang == "sv"
    assert [element for element in structure.elements() if element.lang == "en"], outline(structure.root)


def test_the_english_letter_marks_the_swedish_call_texts_and_not_the_standard_appeal_text():
    application, letter = decision_letter(letter_language="en", application_language="sv")
    call = application.call

    html = render_html(kind=get_kind(LETTER_KIND), document=letter)
    assert f'<span lang="sv">{call.name}</span> ({call.reference_number})' in html
    assert f'<dd><span lang="sv">{application.track.name}</span></dd>' in html
    assert '<h2>How to appeal</h2>\n<p class="pre">' in html


def test_the_english_score_form_and_notification_settings_mark_the_swedish_criteria_and_calls(client):
    application = in_review()
    handler = make_handler()
    call = application.call

    html = page(client, handler, reverse("checks:score", args=[application.pk]), "en")
    assert 'Score: <span lang="sv">Innovationshöjd</span>' in html
    assert 'Comment: <span lang="sv">Innovationshöjd</span>' in html

    settings_page = page(client, handler, reverse("checks:notification_settings"), "en")
    assert f'<span lang="sv">{call.name}</span> ({call.reference_number})' in settings_page
