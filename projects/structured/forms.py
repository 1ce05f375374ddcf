"""Form parts for structured answers: the check of a call's questions and a response's answer fields."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.services import ServiceError

from .models import ANSWER_MAX_LENGTH, MAX_QUESTIONS, QUESTION_MAX_LENGTH
from .services import answer_field, parse_questions


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", "\u00a0")


def questions_help() -> str:
    """The call form's help text for the questions (built per request, in the reader's language)."""
    return _(
        "One question per line, at most %(max)s questions of at most %(length)s characters each. They are "
        "numbered in this order and companies answer each one in its own field. You can change them until the "
        "call opens."
    ) % {"max": MAX_QUESTIONS, "length": _grouped(QUESTION_MAX_LENGTH)}


ANSWER_FIELD = re.compile(r"^answer_(\d+)$")


def clean_questions_text(text: str) -> str:
    """The call form's check of its questions (the service makes the same): the text, one question per line."""
    try:
        return "\n".join(parse_questions(text))
    except ServiceError as error:
        raise ValidationError(error.message) from None


class AnswersMixin:
    """Adds an answer field per question of the call (`answer_<number>`, labelled "1. <question>") to a response
    form, after the summary. `cleaned_data["answers"]` holds {number: text} for `save_response(answers=…)`.

    Pass `questions` (the call's MarketQuestions, in order) and, for an existing response, `answers`
    ({number: text}) as initial values."""

    def __init__(self, *args, questions=(), answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        answers = answers or {}
        fields = list(self.fields.items())
        position = next((index + 1 for index, (name, _field) in enumerate(fields) if name == "summary"), 0)
        answer_fields = [
            (
                answer_field(question.number),
                forms.CharField(
                    label=f"{question.number}. {question.text}",
                    required=False,
                    max_length=ANSWER_MAX_LENGTH,
                    initial=answers.get(question.number, ""),
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("Optional. At most %(length)s characters.") % {"length": _grouped(ANSWER_MAX_LENGTH)},
                ),
            )
            for question in self.questions
        ]
        self.fields = dict(fields[:position] + answer_fields + fields[position:])

    def clean(self):
        data = super().clean()
        numbers = {question.number for question in self.questions}
        unknown = sorted(
            int(match.group(1))
            for match in (ANSWER_FIELD.match(key) for key in (self.data or {}))
            if match and int(match.group(1)) not in numbers
        )
        if unknown:
            raise ValidationError(
                _("The call has no question %(number)s. Reload the page and answer the questions it shows.")
                % {"number": unknown[0]}
            )
        data["answers"] = {
            question.number: data.pop(answer_field(question.number), "") or ""
            for question in self.questions
            if answer_field(question.number) in data
        }
        return data

    def answer_fields(self):
        """The bound answer fields, in question order (for templates that list them apart)."""
        return [self[answer_field(question.number)] for question in self.questions]
