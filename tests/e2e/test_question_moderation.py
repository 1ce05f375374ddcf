"""Browser checks of question moderation (axe on every page): long unbroken words in questions and answers wrap
on the call page and on the buyer's moderation pages instead of widening them; the buyer rejects a question with
a reason and publishes several answers at once without JavaScript."""

from django.utils import timezone
from playwright.sync_api import expect

from projects.models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Question
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory, QuestionFactory

PASSWORD = "test-password-123"


def _login(ui, user):
    page = ui.goto("/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))
    return page


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_long_unbroken_words_do_not_widen_the_pages(ui):
    buyer = make_buyer()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    word = "Ä" * QUESTION_MAX_LENGTH
    QuestionFactory(call=call, text=word, published=True, answer="x" * ANSWER_MAX_LENGTH)
    pending = QuestionFactory(call=call, text=word, answer="y" * ANSWER_MAX_LENGTH, answered_at=timezone.now())
    ui.page.set_viewport_size({"width": 800, "height": 700})
    page = ui.goto(f"/calls/{call.pk}/")
    assert _overflow(page) <= 0
    _login(ui, buyer)
    for path in (
        f"/calls/{call.pk}/",
        f"/calls/{call.pk}/questions/moderate/",
        f"/calls/{call.pk}/questions/{pending.pk}/answer/",
        f"/calls/{call.pk}/questions/{pending.pk}/reject/",
    ):
        page = ui.goto(path)
        assert _overflow(page) <= 0, f"{path} scrolls sideways by {_overflow(page)}px"


def test_buyer_rejects_one_question_and_publishes_two_together(ui):
    buyer = make_buyer()
    asker = make_company_user()
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)))
    spam = QuestionFactory(call=call, organisation=organisation_of(asker), text="Köp våra paneler!")
    first = QuestionFactory(call=call, organisation=organisation_of(asker), text="Hur stora är taken?", answered=True)
    second = QuestionFactory(call=call, organisation=organisation_of(asker), text="Finns ritningar?", answered=True)
    page = _login(ui, buyer)
    ui.goto(f"/calls/{call.pk}/questions/moderate/")
    expect(page.locator("body")).not_to_contain_text(organisation_of(asker).name)
    page.get_by_role("link", name="Avvisa").first.click()
    page.wait_for_load_state()
    ui.submit(page.get_by_role("button", name="Avvisa frågan"))
    expect(page.locator("#id_reason_error")).to_contain_text("Ange ett skäl.")
    ui.fill("Skäl till att frågan avvisas", "Reklam, ingen fråga om förfrågan.")
    ui.submit(page.get_by_role("button", name="Avvisa frågan"))
    spam.refresh_from_db()
    assert spam.is_rejected
    for checkbox in page.get_by_label("Publicera frågan och svaret").all():
        checkbox.check()
    ui.submit(page.get_by_role("button", name="Publicera valda"))
    expect(page.locator("body")).to_contain_text("2 frågor med svar är publicerade.")
    assert set(Question.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"published"}
