"""Reads of structured answers. Access is checked by the callers' views (the call's responses: the buyer
organisation's members, `projects.view_responses_call`), as for the responses list."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import MarketQuestion, QuestionAnswer


def questions_of(call) -> list[MarketQuestion]:
    """The call's questions to the market, in number order."""
    return list(MarketQuestion.objects.filter(call=call).order_by("number"))


def answers_by_number(response) -> dict[int, str]:
    """The response's stored answers as {question number: text} (one query)."""
    if response is None or response.pk is None:
        return {}
    return dict(
        QuestionAnswer.objects.filter(response=response).values_list("question__number", "text"),
    )


@dataclass
class AnsweredQuestion:
    """A question with one entry per response: (response, answer text or "")."""

    question: MarketQuestion
    entries: list = field(default_factory=list)

    @property
    def answer_count(self) -> int:
        return sum(1 for _response, text in self.entries if text)


def answered_questions(questions, responses) -> list[AnsweredQuestion]:
    """Each question with the answer ("" when not answered) of every given response to the question's call, in
    the responses' order: one query, however many questions, responses and calls."""
    questions, responses = list(questions), list(responses)
    texts: dict[tuple[int, int], str] = {}
    if questions and responses:
        texts = {
            (question_id, response_id): text
            for question_id, response_id, text in QuestionAnswer.objects.filter(
                question__in=questions, response__in=responses
            ).values_list("question_id", "response_id", "text")
        }
    return [
        AnsweredQuestion(
            question=question,
            entries=[
                (response, texts.get((question.pk, response.pk), ""))
                for response in responses
                if response.call_id == question.call_id
            ],
        )
        for question in questions
    ]


def answers_per_call(calls, responses) -> list[dict]:
    """For the decision-support document: each call that has questions to the market, with its questions and
    the submitted `responses`' answers to them (two queries in all)."""
    calls = list(calls)
    questions = list(MarketQuestion.objects.filter(call__in=calls).order_by("call_id", "number"))
    answered = answered_questions(questions, responses)
    return [
        {
            "call": call,
            "responses": [response for response in responses if response.call_id == call.pk],
            "questions": [item for item in answered if item.question.call_id == call.pk],
        }
        for call in calls
        if any(question.call_id == call.pk for question in questions)
    ]


def response_answers(response) -> list[tuple[MarketQuestion, str]]:
    """Each question of the response's call with the response's answer ("" when not answered): two queries."""
    questions = MarketQuestion.objects.filter(call_id=response.call_id).order_by("number")
    answers = answers_by_number(response)
    return [(question, answers.get(question.number, "")) for question in questions]


def question_header(question: MarketQuestion, *, length: int = 60) -> str:
    """A CSV column header for a question: "Q3 <the question, shortened>"."""
    text = " ".join(question.text.split())
    if len(text) > length:
        text = text[: length - 1].rstrip() + "…"
    return _("Q%(number)s %(question)s") % {"number": question.number, "question": text}
