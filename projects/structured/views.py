"""The buyer's comparison of the submitted responses to a call, question by question."""

from django.shortcuts import render

from .. import selectors
from ..views.buyer import OwnCallView
from .selectors import answered_questions, questions_of


class CallAnswersCompareView(OwnCallView):
    """Every submitted response's answer per question, with the companies' price indications and TRL. The same
    access as the CSV export (`projects.read_responses_call`): members of the buyer organisation, and not while the
    call keeps its responses sealed (404 then, as for every way to read a sealed response)."""

    permission_required = "projects.read_responses_call"

    def get(self, request, pk):
        call = self.object
        responses = list(selectors.readable_responses(call))
        return render(
            request,
            "projects/structured/compare.html",
            {
                "call": call,
                "responses": responses,
                "questions": answered_questions(questions_of(call), responses),
            },
        )
