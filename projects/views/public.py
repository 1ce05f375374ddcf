"""Pages for everyone: the catalogues of needs and calls, a need's and a call's page, the CPV search."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from portal.files import attachments_for
from portal.query import clean_param
from portal.rules import org_roles
from portal.selectors import audit_entries_for

from .. import catalogue, selectors
from ..amendments.selectors import call_amendments
from ..catalogue import FAMILIES
from ..cpv import search_codes
from ..forms import CallFilterForm, NeedFilterForm, QuestionForm
from ..models import CpvCode, Question
from ..rules import acts_for_company, call_accepts_active_organisation
from .base import PAGE_SIZE, PublicView, fragments, paginate, query_string, search_without_filters


class NeedListView(PublicView):
    """The needs catalogue. The organisations of the filter, the number of hits and the rendered rows of a page are
    the same for every reader and kept under the data's version (projects/catalogue.py); what is read from
    `request` (the form's values, the pager's links) and the header are rendered every time."""

    def get(self, request):
        data_version = catalogue.version()
        # The organisations (selectors.publishers()) come from the cache: shown and checked without a query.
        form = NeedFilterForm(request.GET or None, organisation_choices=catalogue.publisher_choices(data_version))
        filters = form.filters() if request.GET else {}
        # The long texts a card does not show stay in the database.
        needs = selectors.filter_needs(selectors.published_needs().defer(*CARD_DEFERRED), filters)
        key = catalogue.filters_key(filters)
        page_obj = catalogue.paginate(
            needs,
            clean_param(request.GET.get("page"), max_length=20),
            data_version=data_version,
            key=key,
            per_page=PAGE_SIZE,
        )
        rows = catalogue.rows(page_obj, data_version=data_version, key=key) if page_obj.paginator.count else ""
        return render(
            request,
            "projects/need_list.html",
            {
                "filter_form": catalogue.filter_form(request, form, data_version),
                "page_obj": page_obj,
                "rows": rows,
                "query_string": query_string(request),
                "without_filters": search_without_filters(request),
            },
        )


CARD_DEFERRED = ("problem", "desired_effects", "affected", "search_title", "search_summary", "search_body")


class NeedDetailView(PublicView):
    permission_required = "projects.view_need"

    def get_object(self):
        return selectors.get_need_for(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        need, user = self.object, request.user
        member = user.is_authenticated and need.organisation_id in set(org_roles(user))
        if member:
            # The need's own organisation sees its draft calls and the whole assessment: rendered for it every time.
            calls = list(need.calls.order_by("-opens_at"))
            assessments = _assessments(need)
            current = assessments[0] if assessments else None
            public_assessment = current if current is not None and current.has_public_part else None
        else:
            # Everybody else sees the same calls and market analysis, in a cached fragment (need_detail.html): they
            # are read only when that fragment is rendered.
            calls = SimpleLazyObject(lambda: list(need.calls.filter(published_at__isnull=False).order_by("-opens_at")))
            assessments, current = [], None
            public_assessment = SimpleLazyObject(lambda: _public_assessment(need))
        return render(
            request,
            "projects/need_detail.html",
            {
                "need": need,
                "is_member": member,
                # The assessment is internal: its organisation sees every version, everybody else only what
                # the buyer chose to publish of the current one.
                "assessment": current,
                "earlier_assessments": assessments[1:],
                "public_assessment": public_assessment,
                "calls": calls,
                "can_edit": user.has_perm("projects.change_need", need),
                "can_create_call": user.has_perm("projects.create_call_need", need),
                "history": _history(need) if member else [],
                # The facts alone for its organisation, the whole public part for everybody else (need_detail.html).
                **fragments(FAMILIES, {"need-facts": need.pk} if member else {"need-public": need.pk}),
            },
        )


def _assessments(need) -> list:
    """The need's market-gap assessments, the current (highest version) first."""
    return list(need.assessments.select_related("author").order_by("-version"))


def _public_assessment(need):
    """What everybody sees of the assessment: its current version, if the buyer published a part of it."""
    current = need.assessments.order_by("-version").first()
    return current if current is not None and current.has_public_part else None


def _history(need) -> list[dict]:
    return [
        {
            "at": entry.created_at,
            "actor": entry.actor,
            "label": entry.action_label(),
            "description": entry.rendered_description(),
        }
        for entry in audit_entries_for(need)[:20]
    ]


class CallListView(PublicView):
    def get(self, request):
        # The whole list is a cached fragment (call_list.html), the same for everybody who asks the same query: the
        # form, the calls and their count are made and read only when it is rendered.
        form = SimpleLazyObject(lambda: CallFilterForm(request.GET or None, organisations=selectors.publishers()))

        def page():
            filters = form.filters() if request.GET else {}
            return paginate(request, selectors.filter_calls(selectors.public_calls(), filters))

        return render(
            request,
            "projects/call_list.html",
            {
                "form": form,
                "page_obj": SimpleLazyObject(page),
                "query_string": query_string(request),
                "without_filters": search_without_filters(request, unfiltered={"state": "open"}, keep={"state": "all"}),
                **fragments(FAMILIES, {"call-list": request.GET.urlencode()}),
            },
        )


def render_call_detail(request, page, *, question_form=None):
    """The call's page (`page`: selectors.call_page_for); also shown again with a question form that has errors.

    What is the same for everybody who is not the call's buyer (its facts, files and amendments; the published
    questions and answers, for everyone) is in cached fragments (call_detail.html); what they show is read only when
    a fragment is rendered. What the page shows of the reader's own (response, questions, following) came with the
    call in one query."""
    user, call = request.user, page.call
    can_manage = user.has_perm("projects.manage_call", call)
    return render(
        request,
        "projects/call_detail.html",
        {
            "call": call,
            "need": call.need,
            "amendments": SimpleLazyObject(lambda: call_amendments(call)),
            "attachments": SimpleLazyObject(lambda: list(attachments_for(call))),
            "questions": {
                "published": SimpleLazyObject(lambda: list(selectors.published_questions(call))),
                "own": page.own_questions,
                "pending_count": call.questions.filter(status=Question.Status.PENDING).count() if can_manage else 0,
            },
            "question_form": question_form or QuestionForm(),
            "can_ask": user.has_perm("projects.ask_call", call),
            "can_respond": user.has_perm("projects.respond_call", call),
            # A company that may not respond only because it is not verified is told so.
            "unverified_company": call.is_open
            and acts_for_company(user)
            and not call_accepts_active_organisation(user, call),
            "own_response": page.own_response,
            "following": page.follows,
            "can_manage": can_manage,
            "can_edit": user.has_perm("projects.change_call", call),
            "can_read_responses": user.has_perm("projects.view_responses_call", call),
            "submitted_count": selectors.submitted_responses(call).count() if can_manage else None,
            # The call's buyer gets its body rendered every time (call_detail.html).
            **fragments(FAMILIES, {"call-qa": call.pk} if can_manage else {"call-body": call.pk, "call-qa": call.pk}),
        },
    )


class CallDetailView(PublicView):
    permission_required = "projects.view_call"

    def get_object(self):
        self.page = selectors.call_page_for(self.request.user, self.kwargs["pk"])
        return self.page.call

    def get(self, request, pk):
        return render_call_detail(request, self.page)


class CpvSearchView(PublicView):
    """Find CPV codes by code or words: an HTML page without JavaScript, JSON for the picker (?format=json)."""

    def get(self, request):
        text = clean_param(request.GET.get("q"), max_length=100)
        codes = search_codes(text) if text else CpvCode.objects.none()
        if request.GET.get("format") == "json":
            return JsonResponse(
                {
                    "results": [{"code": c.full_code, "label": c.display_label} for c in codes],
                    "source": gettext("Source: EU Publications Office, CPV 2008"),
                }
            )
        return render(request, "projects/cpv_search.html", {"q": text, "codes": codes})
