"""Writes of structured answers: a call's numbered questions and a response's answers per question.

Called by `projects.services` (create_call / update_call / save_response) inside their transactions; the
checks here are the same the forms make, so a caller other than a form gets the same messages.
"""

from django.utils.translation import gettext_lazy as _

from portal.services import ServiceError

from .models import ANSWER_MAX_LENGTH, MAX_QUESTIONS, QUESTION_MAX_LENGTH, MarketQuestion, QuestionAnswer


def answer_field(number: int) -> str:
    """The name of the response form's field for question `number` (errors are shown next to it)."""
    return f"answer_{number}"


def parse_questions(text: str) -> list[str]:
    """The questions of a `questions_to_market` text: one per non-empty line, in order, trimmed.

    Raises ServiceError (field "questions_to_market") for more than MAX_QUESTIONS questions or a question longer
    than QUESTION_MAX_LENGTH characters."""
    questions = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(questions) > MAX_QUESTIONS:
        raise ServiceError(
            _("Ask at most %(max)s questions (one per line); you have written %(count)s.")
            % {"max": MAX_QUESTIONS, "count": len(questions)},
            field="questions_to_market",
        )
    for number, question in enumerate(questions, start=1):
        if len(question) > QUESTION_MAX_LENGTH:
            raise ServiceError(
                _("Question %(number)s is %(length)s characters long; at most %(max)s are allowed.")
                % {
                    "number": number,
                    "length": len(question),
                    "max": QUESTION_MAX_LENGTH,
                },
                field="questions_to_market",
            )
    return questions


def set_market_questions(*, call, questions: list[str]) -> None:
    """Make the call's numbered questions `questions` (1, 2, …): a question whose text changed keeps its number,
    questions beyond the new count are removed (with any answers, which exist only once a call has opened, and a
    call's questions change only before it opens). Side effects: none beyond the rows (the caller audits the
    call's change)."""
    existing = {question.number: question for question in MarketQuestion.objects.filter(call=call)}
    changed, created = [], []
    for number, text in enumerate(questions, start=1):
        question = existing.get(number)
        if question is None:
            created.append(MarketQuestion(call=call, number=number, text=text))
        elif question.text != text:
            question.text = text
            changed.append(question)
    if changed:
        MarketQuestion.objects.bulk_update(changed, ["text"])
    if created:
        MarketQuestion.objects.bulk_create(created)
    if any(number > len(questions) for number in existing):
        MarketQuestion.objects.filter(call=call, number__gt=len(questions)).delete()


def save_answers(*, response, answers: dict[int, str]) -> None:
    """Store the response's answers by question number: an empty answer removes the stored one. A number the call
    has no question for or an answer longer than ANSWER_MAX_LENGTH raises ServiceError (next to the answer's
    field). Side effects: none beyond the rows (save_response audits the response's change)."""
    questions = {question.number: question for question in MarketQuestion.objects.filter(call_id=response.call_id)}
    cleaned: dict[int, str] = {}
    for number, text in answers.items():
        question = questions.get(number)
        if question is None:
            raise ServiceError(
                _("The call has no question %(number)s. Reload the page and answer the questions it shows.")
                % {"number": number}
            )
        text = (text or "").strip()
        if len(text) > ANSWER_MAX_LENGTH:
            raise ServiceError(
                _("The answer is %(length)s characters long; at most %(max)s are allowed.")
                % {
                    "length": len(text),
                    "max": ANSWER_MAX_LENGTH,
                },
                field=answer_field(number),
            )
        cleaned[number] = text
    stored = {answer.question_id: answer for answer in QuestionAnswer.objects.filter(response=response)}
    changed, created, emptied = [], [], []
    for number, text in cleaned.items():
        question = questions[number]
        answer = stored.get(question.pk)
        if not text:
            if answer is not None:
                emptied.append(answer.pk)
        elif answer is None:
            created.append(QuestionAnswer(response=response, question=question, text=text))
        elif answer.text != text:
            answer.text = text
            changed.append(answer)
    if emptied:
        QuestionAnswer.objects.filter(pk__in=emptied).delete()
    if changed:
        QuestionAnswer.objects.bulk_update(changed, ["text"])
    if created:
        QuestionAnswer.objects.bulk_create(created)
