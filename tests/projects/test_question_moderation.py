"""Question moderation on calls: a question arrives pending, the buyer edits its public wording, answers it and
publishes it (one or several at once) or rejects it with a reason; the asker stays anonymous to the buyer and to
other companies; lengths are limited; a published answer can be corrected, visibly."""

import importlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.selectors import audit_entries_for
from portal.services import InvalidTransition, ServiceError
from projects import services
from projects.models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Call, Question
from tests.factories import OrganisationFactory, make_buyer, make_company_user, make_handler, organisation_of

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory

pytestmark = pytest.mark.django_db

NAMING = "Vi på Demo Innovation AB undrar hur stora taken är?"
NEUTRAL = "Hur stora är taken?"


@pytest.fixture
def world():
    buyer = make_buyer()
    company_org = OrganisationFactory(kind="company", name="Demo Innovation AB")
    asker = make_company_user(organisation=company_org, first_name="Anna", last_name="Frågesson")
    other = make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    # The other company takes part (a draft response), so it is one of the call's participants.
    ResponseFactory(call=call, organisation=organisation_of(other), status="draft")
    return {"buyer": buyer, "asker": asker, "company_org": company_org, "other": other, "call": call}


def _ask(world, text=NAMING) -> Question:
    return services.ask_question(call=world["call"], organisation=world["company_org"], by=world["asker"], text=text)


def _page(client, user, url) -> str:
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _detail(call) -> str:
    return reverse("projects:call_detail", args=[call.pk])


def _moderation(call) -> str:
    return reverse("projects:question_moderation", args=[call.pk])


def _answer_url(question) -> str:
    return reverse("projects:question_answer", args=[question.call_id, question.pk])


def _reject_url(question) -> str:
    return reverse("projects:question_reject", args=[question.call_id, question.pk])


def _publish_url(call) -> str:
    return reverse("projects:question_publish", args=[call.pk])


# --- the state machine ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        ("pending", "published", True),
        ("pending", "rejected", True),
        ("published", "rejected", False),
        ("published", "pending", False),
        ("rejected", "published", False),
        ("rejected", "pending", False),
    ],
)
def test_transitions_table(start, to, allowed):
    assert Question(status=start).may_become(to) is allowed
    assert set(Question.TRANSITIONS) == set(Question.Status)


def test_a_question_arrives_pending_with_its_wording_as_public_wording(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        question = _ask(world)
    assert (question.status, question.text, question.public_text) == ("pending", NAMING, NAMING)
    buyer_mail = mail.outbox[-1]
    assert buyer_mail.to == [world["buyer"].email]
    assert buyer_mail.subject == f"Ny fråga om {world['call'].title}"
    assert settings.SITE_URL + _moderation(world["call"]) in buyer_mail.body
    assert "Demo Innovation AB" not in buyer_mail.body and "Frågesson" not in buyer_mail.body


def test_answering_keeps_the_original_wording_and_publishes_nothing(world, django_capture_on_commit_callbacks):
    question = _ask(world)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, by=world["buyer"], answer="Cirka 200 m².", public_text=NEUTRAL)
    question.refresh_from_db()
    assert (question.text, question.public_text, question.answer) == (NAMING, NEUTRAL, "Cirka 200 m².")
    assert question.is_pending and question.published_at is None
    assert len(mail.outbox) == sent
    entry = AuditEntry.objects.filter(action=AuditAction.QUESTION_ANSWERED).get()
    assert entry.details == {"question": question.pk, "wording_edited": True}


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"answer": "  "}, "answer", "Skriv ett svar."),
        (
            {"answer": "x" * (ANSWER_MAX_LENGTH + 1)},
            "answer",
            "Ett svar får vara högst 8000 tecken långt; det här har 8001.",
        ),
        ({"answer": "Ja.", "public_text": " "}, "public_text", "Skriv frågan så som den ska publiceras."),
        (
            {"answer": "Ja.", "public_text": "x" * (QUESTION_MAX_LENGTH + 1)},
            "public_text",
            "En fråga får vara högst 2000 tecken lång; den här har 2001.",
        ),
    ],
)
def test_answer_question_refuses_bad_input_next_to_the_field(world, kwargs, field, message):
    question = _ask(world)
    with pytest.raises(ServiceError) as error:
        services.answer_question(question=question, by=world["buyer"], **kwargs)
    assert (error.value.field, str(error.value.message)) == (field, message)
    question.refresh_from_db()
    assert question.answer == "" and question.public_text == NAMING


def test_limits_are_inclusive(world):
    question = _ask(world, text="x" * QUESTION_MAX_LENGTH)
    services.answer_question(question=question, by=world["buyer"], answer="y" * ANSWER_MAX_LENGTH)
    question.refresh_from_db()
    assert len(question.text) == QUESTION_MAX_LENGTH and len(question.answer) == ANSWER_MAX_LENGTH


def test_a_question_over_the_limit_is_refused(world):
    with pytest.raises(ServiceError) as error:
        _ask(world, text="x" * (QUESTION_MAX_LENGTH + 1))
    assert error.value.field == "text"
    assert str(error.value.message) == "En fråga får vara högst 2000 tecken lång; den här har 2001."
    assert not Question.objects.exists()


def test_publishing_several_mails_the_participants_once_and_each_asker(world, django_capture_on_commit_callbacks):
    first, second = _ask(world), _ask(world, text="Finns ritningar?")
    for question, answer in ((first, "Cirka 200 m²."), (second, "Ja, som bilaga.")):
        services.answer_question(question=question, by=world["buyer"], answer=answer, public_text=question.text)
    services.answer_question(question=first, by=world["buyer"], answer="Cirka 200 m².", public_text=NEUTRAL)
    world["other"].language = "en"
    world["other"].save(update_fields=["language"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        published = services.publish_answers(call=world["call"], questions=[first, second], by=world["buyer"])
    assert [q.pk for q in published] == [first.pk, second.pk]
    assert set(Question.objects.values_list("status", flat=True)) == {"published"}
    to_other = [m for m in mail.outbox if m.to == [world["other"].email]]
    to_asker = [m for m in mail.outbox if m.to == [world["asker"].email]]
    assert len(to_other) == 1  # one mail per publish action
    assert to_other[0].subject == f"New answers on {world['call'].title}"  # in the recipient's language
    body = to_other[0].body
    assert NEUTRAL in body and "Cirka 200 m²." in body and "Finns ritningar?" in body and "Ja, som bilaga." in body
    assert NAMING not in body and "Demo Innovation AB" not in body
    assert "You get this mail because you follow the call" in body  # the call notice footer ends it
    subjects = sorted(m.subject for m in to_asker)
    title = world["call"].title
    assert subjects == sorted(
        [f"Nya svar i {title}", f"Din fråga om {title} har besvarats", f"Din fråga om {title} har besvarats"]
    )
    assert world["buyer"].email not in [address for m in mail.outbox for address in m.to]
    entries = AuditEntry.objects.filter(action=AuditAction.QUESTION_PUBLISHED).order_by("id")
    assert [e.details for e in entries] == [
        {"question": first.pk, "from": "pending", "to": "published"},
        {"question": second.pk, "from": "pending", "to": "published"},
    ]


def test_publishing_an_unanswered_question_publishes_none(world):
    answered, unanswered = _ask(world), _ask(world, text="Obesvarad?")
    services.answer_question(question=answered, by=world["buyer"], answer="Ja.")
    with pytest.raises(InvalidTransition) as error:
        services.publish_answers(call=world["call"], questions=[answered, unanswered], by=world["buyer"])
    assert str(error.value.message) == "Bara besvarade frågor kan publiceras. Besvara ”Obesvarad?” först."
    assert set(Question.objects.values_list("status", flat=True)) == {"pending"}


def test_publishing_nothing_or_again_is_refused(world):
    question = QuestionFactory(call=world["call"], published=True)
    with pytest.raises(ServiceError) as error:
        services.publish_answers(call=world["call"], questions=[], by=world["buyer"])
    assert str(error.value.message) == "Kryssa i de frågor som ska publiceras."
    with pytest.raises(InvalidTransition) as error:
        services.publish_answers(call=world["call"], questions=[question], by=world["buyer"])
    assert str(error.value.message) == "En fråga som är publicerad kan inte bli publicerad."


def test_a_rejected_question_needs_a_reason_is_mailed_and_never_published(world, django_capture_on_commit_callbacks):
    question = _ask(world)
    with pytest.raises(ServiceError) as error:
        services.reject_question(question=question, by=world["buyer"], reason="  ")
    assert error.value.field == "reason"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_question(question=question, by=world["buyer"], reason="Frågan gäller en annan upphandling.")
    question.refresh_from_db()
    assert question.is_rejected and question.reject_reason == "Frågan gäller en annan upphandling."
    [rejection] = mail.outbox
    assert rejection.to == [world["asker"].email]
    assert rejection.subject == f"Din fråga om {world['call'].title} publicerades inte"
    assert "Frågan gäller en annan upphandling." in rejection.body and NAMING in rejection.body
    entry = AuditEntry.objects.get(action=AuditAction.QUESTION_REJECTED)
    assert entry.details == {
        "question": question.pk,
        "from": "pending",
        "to": "rejected",
        "reason": "Frågan gäller en annan upphandling.",
    }
    with pytest.raises(InvalidTransition):
        services.answer_question(question=question, by=world["buyer"], answer="Ja.")
    with pytest.raises(InvalidTransition):
        services.publish_answers(call=world["call"], questions=[question], by=world["buyer"])


def test_correcting_a_published_answer_keeps_the_earlier_one_and_tells_the_participants(
    world, django_capture_on_commit_callbacks
):
    question = _ask(world)
    services.answer_question(question=question, by=world["buyer"], answer="Cirka 200 m².", public_text=NEUTRAL)
    services.publish_answers(call=world["call"], questions=[question], by=world["buyer"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_question(question=question, by=world["buyer"], answer="Cirka 250 m².", public_text="Ändrad?")
    question.refresh_from_db()
    assert question.answer == "Cirka 250 m²." and question.public_text == NEUTRAL  # the wording stays
    assert question.is_published and question.is_corrected
    assert [entry["answer"] for entry in question.earlier_answers] == ["Cirka 200 m²."]
    assert AuditEntry.objects.filter(action=AuditAction.QUESTION_ANSWER_CORRECTED).count() == 1
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([world["asker"].email, world["other"].email])
    assert all(m.subject == f"Rättat svar i {world['call'].title}" for m in mail.outbox)
    # The same answer again is no correction.
    services.answer_question(question=question, by=world["buyer"], answer="Cirka 250 m².")
    question.refresh_from_db()
    assert len(question.earlier_answers) == 1


@pytest.mark.parametrize("action", ["answer", "publish", "reject"])
def test_nothing_happens_to_questions_of_a_cancelled_call(world, action):
    question = QuestionFactory(call=world["call"], answered=True)
    Call.objects.filter(pk=world["call"].pk).update(status=Call.Status.CANCELLED)
    with pytest.raises(InvalidTransition) as error:
        if action == "answer":
            services.answer_question(question=question, by=world["buyer"], answer="Ja.")
        elif action == "publish":
            services.publish_answers(call=world["call"], questions=[question], by=world["buyer"])
        else:
            services.reject_question(question=question, by=world["buyer"], reason="Nej.")
    assert str(error.value.message) == (
        "Förfrågan har ställts in: dess frågor kan inte längre besvaras, publiceras eller avvisas."
    )
    question.refresh_from_db()
    assert question.is_pending


# --- rules: every question permission per state and role -------------------------------------------------------------

ROLES = ["anonymous", "owner_buyer", "other_buyer", "asker", "other_company", "handler"]
OWNER = {"owner_buyer"}
NONE = set()
STATES = ["pending", "answered", "published", "rejected", "cancelled_call"]
QUESTION_TABLE = {
    #                             pending answered published rejected cancelled call
    "projects.change_question": [OWNER, OWNER, OWNER, NONE, NONE],
    "projects.publish_question": [NONE, OWNER, NONE, NONE, NONE],
    "projects.reject_question": [OWNER, OWNER, NONE, NONE, NONE],
}


@pytest.mark.parametrize("perm", QUESTION_TABLE)
@pytest.mark.parametrize("state", STATES)
def test_question_rules(perm, state):
    owner = make_buyer()
    asker = make_company_user()
    users = {
        "anonymous": AnonymousUser(),
        "owner_buyer": owner,
        "other_buyer": make_buyer(),
        "asker": asker,
        "other_company": make_company_user(),
        "handler": make_handler(),
    }
    call = CallFactory(need=NeedFactory(organisation=organisation_of(owner)))
    traits = {"answered": {"answered": True}, "published": {"published": True}, "rejected": {"rejected": True}}
    question = QuestionFactory(call=call, organisation=organisation_of(asker), **traits.get(state, {}))
    if state == "cancelled_call":
        Call.objects.filter(pk=call.pk).update(status=Call.Status.CANCELLED)
        question = Question.objects.get(pk=question.pk)
    allowed = {role for role in ROLES if users[role].has_perm(perm, question)}
    assert allowed == QUESTION_TABLE[perm][STATES.index(state)]


# --- who sees what -------------------------------------------------------------------------------------------------


def test_a_pending_question_is_seen_by_the_buyer_and_the_asker_only(client, world):
    question = _ask(world)
    call = world["call"]
    asker_page = _page(client, world["asker"], _detail(call))
    assert NAMING in asker_page and "Väntar på granskning" in asker_page
    for user in (world["other"], None):
        assert NAMING not in _page(client, user, _detail(call))
    buyer_call_page = _page(client, world["buyer"], _detail(call))
    assert "Granska frågorna (1 väntar)" in buyer_call_page
    assert NAMING in _page(client, world["buyer"], _moderation(call))
    question.refresh_from_db()
    assert question.is_pending


def test_the_published_page_shows_only_the_public_wording(client, world):
    question = _ask(world)
    services.answer_question(question=question, by=world["buyer"], answer="Cirka 200 m².", public_text=NEUTRAL)
    services.publish_answers(call=world["call"], questions=[question], by=world["buyer"])
    for user in (None, world["other"], world["asker"], world["buyer"]):
        page = _page(client, user, _detail(world["call"]))
        assert NEUTRAL in page and "Cirka 200 m²." in page
        assert NAMING not in page
        assert "Demo Innovation AB" not in page or user == world["asker"]


def test_the_asker_sees_the_rejection_and_its_reason(client, world):
    question = _ask(world)
    services.reject_question(question=question, by=world["buyer"], reason="Reklam, ingen fråga.")
    page = _page(client, world["asker"], _detail(world["call"]))
    assert "Avvisad" in page and "Reklam, ingen fråga." in page
    for user in (None, world["other"]):
        page = _page(client, user, _detail(world["call"]))
        assert NAMING not in page and "Reklam, ingen fråga." not in page


def test_the_buyer_never_sees_who_asked(client, world):
    pending = _ask(world)
    published = _ask(world, text="Publicerad?")
    services.answer_question(question=published, by=world["buyer"], answer="Ja.")
    services.publish_answers(call=world["call"], questions=[published], by=world["buyer"])
    rejected = _ask(world, text="Avvisad?")
    services.reject_question(question=rejected, by=world["buyer"], reason="Nej.")
    asker = world["asker"]
    for url in (
        _detail(world["call"]),
        _moderation(world["call"]),
        _answer_url(pending),
        _answer_url(published),
        _reject_url(pending),
        reverse("portal:dashboard"),
    ):
        page = _page(client, world["buyer"], url)
        # The question's own words name the company; nothing else on the page does.
        page = page.replace(NAMING, "")
        for secret in ("Demo Innovation AB", asker.email, "Frågesson", world["company_org"].org_number):
            assert secret not in page, (url, secret)


def test_no_audit_row_on_the_call_names_who_asked(world):
    question = _ask(world)
    services.answer_question(question=question, by=world["buyer"], answer="Ja.")
    services.publish_answers(call=world["call"], questions=[question], by=world["buyer"])
    on_call = audit_entries_for(world["call"])
    assert [entry.action for entry in on_call.order_by("id")] == ["question.answered", "question.published"]
    assert all(entry.actor == world["buyer"] for entry in on_call)
    asked = AuditEntry.objects.get(action=AuditAction.QUESTION_ASKED)
    assert (asked.object_id, asked.object_repr, asked.details) == (str(question.pk), "", {"question": question.pk})


# --- the pages -----------------------------------------------------------------------------------------------------


def test_the_buyer_edits_the_wording_and_answers_then_publishes_the_selected(client, world):
    first, second = _ask(world), _ask(world, text="Finns ritningar?")
    client.force_login(world["buyer"])
    form_page = client.get(_answer_url(first)).content.decode()
    assert NAMING in form_page and "Ursprunglig formulering" in form_page
    assert 'maxlength="2000"' in form_page and 'maxlength="8000"' in form_page
    response = client.post(_answer_url(first), {"public_text": NEUTRAL, "answer": "Cirka 200 m²."})
    assert response.status_code == 302 and response["Location"] == _moderation(world["call"])
    client.post(_answer_url(second), {"public_text": "Finns ritningar?", "answer": "Ja."})
    page = client.get(_moderation(world["call"])).content.decode()
    assert page.count('type="checkbox" name="questions"') == 2
    response = client.post(_publish_url(world["call"]), {"questions": [first.pk, second.pk]}, follow=True)
    assert "2 frågor med svar är publicerade. De företag som deltar får mejl." in response.content.decode()
    assert set(Question.objects.values_list("status", flat=True)) == {"published"}


def test_save_and_publish_publishes_one_question(client, world):
    question = _ask(world)
    client.force_login(world["buyer"])
    response = client.post(_answer_url(question), {"public_text": NEUTRAL, "answer": "Ja.", "publish": ""})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.is_published and question.public_text == NEUTRAL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"questions": []}, "Kryssa i de frågor som ska publiceras."),
        ({"questions": ["UNANSWERED"]}, "Bara besvarade frågor kan publiceras."),
    ],
)
def test_publishing_nothing_or_unanswered_is_a_clear_message(client, world, data, message):
    question = _ask(world, text="Obesvarad?")
    data = {"questions": [question.pk for _ in data["questions"]]}
    client.force_login(world["buyer"])
    response = client.post(_publish_url(world["call"]), data, follow=True)
    assert message in response.content.decode()
    question.refresh_from_db()
    assert question.is_pending


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"public_text": NEUTRAL, "answer": ""}, "answer", "Skriv ett svar."),
        (
            {"public_text": NEUTRAL, "answer": "x" * (ANSWER_MAX_LENGTH + 1)},
            "answer",
            "Ett svar får vara högst 8000 tecken långt; det här har 8001.",
        ),
        ({"public_text": "", "answer": "Ja, det gör det."}, "public_text", "Skriv frågan så som den ska publiceras."),
    ],
)
def test_bad_answers_are_shown_next_to_the_field_and_nothing_typed_is_lost(client, world, data, field, message):
    question = _ask(world)
    client.force_login(world["buyer"])
    response = client.post(_answer_url(question), data)
    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(
        rf'id="id_{field}_error".*?</ul>|<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S
    )
    assert error is not None and message in error.group(0)
    assert f'href="#id_{field}"' in page  # the error summary leads to the field
    for value in data.values():
        if value and len(value) < 100:
            assert value in page
    question.refresh_from_db()
    assert question.answer == "" and question.public_text == NAMING


def test_a_rejection_without_a_reason_is_shown_next_to_the_field(client, world):
    question = _ask(world)
    client.force_login(world["buyer"])
    response = client.post(_reject_url(question), {"reason": ""})
    assert response.status_code == 200
    assert "Ange ett skäl. Det mejlas till företaget som frågade." in response.content.decode()
    response = client.post(_reject_url(question), {"reason": "Reklam."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.is_rejected
    # A rejected question is told, not offered again.
    response = client.get(_reject_url(question), follow=True)
    assert "Bara en fråga som väntar på granskning kan avvisas." in response.content.decode()
    response = client.get(_answer_url(question), follow=True)
    assert "En avvisad fråga publiceras inte och kan inte besvaras." in response.content.decode()


def test_a_cancelled_call_is_a_clear_message_and_the_typed_answer_is_kept(client, world):
    question = _ask(world)
    Call.objects.filter(pk=world["call"].pk).update(status=Call.Status.CANCELLED)
    client.force_login(world["buyer"])
    cancelled = "Förfrågan har ställts in: dess frågor kan inte längre besvaras, publiceras eller avvisas."
    response = client.post(_answer_url(question), {"public_text": NEUTRAL, "answer": "Mitt långa svar."})
    assert response.status_code == 200
    page = response.content.decode()
    assert cancelled in page and "Mitt långa svar." in page
    assert cancelled in client.get(_answer_url(question), follow=True).content.decode()
    assert cancelled in client.get(_moderation(world["call"])).content.decode()
    response = client.post(_publish_url(world["call"]), {"questions": [question.pk]}, follow=True)
    assert cancelled in response.content.decode()


def test_questions_of_another_call_or_buyer_are_404(client, world):
    foreign = QuestionFactory(answered=True)  # another buyer's call
    client.force_login(world["buyer"])
    for url in (_answer_url(foreign), _reject_url(foreign)):
        assert client.get(url).status_code == 404
    # Under the buyer's own call's address, a question of another call is 404 too.
    own_call = world["call"]
    for name in ("projects:question_answer", "projects:question_reject"):
        assert client.get(reverse(name, args=[own_call.pk, foreign.pk])).status_code == 404
    assert client.post(_publish_url(own_call), {"questions": [foreign.pk]}).status_code == 404
    assert client.post(_publish_url(foreign.call), {"questions": [foreign.pk]}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_pending


def test_the_asking_company_may_not_moderate_its_own_question(client, world):
    question = _ask(world)
    client.force_login(world["asker"])
    assert client.get(_moderation(world["call"])).status_code == 404
    assert client.post(_answer_url(question), {"public_text": "x", "answer": "y"}).status_code == 404


def test_a_long_question_is_refused_next_to_the_field_and_kept(client, world):
    client.force_login(world["asker"])
    text = "Ord " * 600  # 2 400 characters
    response = client.post(reverse("projects:question_ask", args=[world["call"].pk]), {"text": text})
    assert response.status_code == 200
    page = response.content.decode()
    assert "En fråga får vara högst 2000 tecken lång; den här har 2399." in page  # stripped by the form
    assert text.strip() in page
    assert not Question.objects.exists()
    page = client.get(_detail(world["call"])).content.decode()
    assert re.search(r'<textarea name="text"[^>]*maxlength="2000"', page)


def test_a_corrected_answer_is_marked_with_its_date_on_the_call_page(client, world):
    question = QuestionFactory(call=world["call"], published=True, answer="Gammalt svar.")
    client.force_login(world["buyer"])
    response = client.post(_answer_url(question), {"answer": "Nytt svar."})
    assert response.status_code == 302
    page = _page(client, None, _detail(world["call"]))
    assert "Nytt svar." in page and "Gammalt svar." not in page
    assert f"Rättat {timezone.localdate():%Y-%m-%d}" in page
    moderation = _page(client, world["buyer"], _moderation(world["call"]))
    assert "Gammalt svar." in moderation and "Tidigare svar" in moderation


def test_long_unbroken_words_wrap(client, world):
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    assert re.search(r"\.qa-text\s*\{[^}]*overflow-wrap:\s*anywhere", css)
    QuestionFactory(call=world["call"], published=True, answer="x" * ANSWER_MAX_LENGTH)
    page = _page(client, None, _detail(world["call"]))
    assert re.search(r'<dd class="qa-text">[^<]*x{8000}', page)
    moderation = _page(client, world["buyer"], _moderation(world["call"]))
    assert re.search(r'<p class="qa-text">x{8000}</p>', moderation)


# --- the data migration ----------------------------------------------------------------------------------------------


def test_migration_publishes_answered_questions_and_leaves_the_rest_pending():
    migration = importlib.import_module("projects.migrations.0013_moderation")
    answered_at = timezone.now() - timedelta(days=3)
    answered = QuestionFactory(answer="Ja.", answered_at=answered_at, public_text="", status="pending")
    unanswered = QuestionFactory(public_text="", status="published")
    migration.moderate_existing(apps, None)
    answered.refresh_from_db()
    unanswered.refresh_from_db()
    assert (answered.status, answered.published_at, answered.public_text) == ("published", answered_at, answered.text)
    assert (unanswered.status, unanswered.published_at, unanswered.public_text) == ("pending", None, unanswered.text)
