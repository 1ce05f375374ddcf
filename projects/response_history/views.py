"""The comparison of a response's version with the one before it: for the company and, once the response is
visible to it (submitted, the seal lifted), the buyer."""

from django.shortcuts import render

from portal.rules import org_roles

from .. import selectors as project_selectors
from ..views.base import ProjectsView
from .diff import compare
from .selectors import get_version_of


class ResponseVersionView(ProjectsView):
    permission_required = "projects.view_response"

    def get_object(self):
        return project_selectors.get_response_for(self.request.user, self.kwargs["pk"])

    def get(self, request, pk, number):
        response = self.object
        version, previous = get_version_of(response, number)
        return render(
            request,
            "projects/response_version.html",
            {
                "response": response,
                "call": response.call,
                "version": version,
                "previous": previous,
                # The first version is shown as it is (compared with itself: nothing marked).
                "parts": compare(previous.snapshot if previous else version.snapshot, version.snapshot),
                "own": response.organisation_id in set(org_roles(request.user)),
            },
        )
