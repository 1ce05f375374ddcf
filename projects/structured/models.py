"""A call's numbered questions to the market and the companies' answers to them.

Imported at the top of projects/models.py (Django looks for models there), so it must not import
projects.models: the call and the response are referred to as "projects.Call" and "projects.Response".
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager

MAX_QUESTIONS = 30
QUESTION_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 5000


class MarketQuestion(models.Model):
    """One numbered question of a call to the market. Written only by `projects.structured.services`, from the
    call's `questions_to_market` text (one question per line), while the call is editable (before it opens)."""

    call = models.ForeignKey(
        "projects.Call", on_delete=models.CASCADE, related_name="market_questions", verbose_name=_("call")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("question to the market")
        verbose_name_plural = _("questions to the market")
        ordering = ["call", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "number"], name="market_question_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="market_question_number_positive"),
        ]

    def __str__(self):
        return f"{self.number}. {self.text[:80]}"


class QuestionAnswer(models.Model):
    """A company's answer to one question of the call, part of its response (an empty answer is no row)."""

    response = models.ForeignKey(
        "projects.Response", on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        MarketQuestion, on_delete=models.CASCADE, related_name="answers", verbose_name=_("question")
    )
    text = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("answer to a question to the market")
        verbose_name_plural = _("answers to questions to the market")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="question_answer_unique"),
        ]

    def __str__(self):
        return self.text[:80]
