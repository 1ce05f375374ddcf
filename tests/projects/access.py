"""Role-access rows for every URL of the projects app (see tests/access.py)."""

from portal.files import attach_bytes
from tests.access import AccessCase

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory, draft_call
from .meetings_access import meeting_cases

PDF = b"%PDF-1.4\n" + b"0" * 64
LOGIN = {"anonymous": 302}
OWN = {"anonymous": 302, "buyer": 200}  # the buyer's own objects; everyone else 404


def cases(world):
    buyer_org, company_org = world["buyer_org"], world["company_org"]
    need = NeedFactory(organisation=buyer_org, author=world["buyer"])
    spare_need = NeedFactory(organisation=buyer_org)
    draft_need = NeedFactory(organisation=buyer_org, visibility="draft")
    call = CallFactory(need=need)
    unpublished = draft_call(need=need)
    to_publish = draft_call(need=need)
    response = ResponseFactory(call=call, organisation=company_org)
    question = QuestionFactory(call=call, organisation=company_org, asked_by=world["company"])
    call_file = attach_bytes(owner=call, content=PDF, filename="underlag.pdf")
    response_file = attach_bytes(owner=response, content=PDF, filename="svar.pdf")
    draft_file = attach_bytes(owner=unpublished, content=PDF, filename="utkast.pdf")
    # Another company's draft response: nobody in the world may reach it, not even the buyer.
    other_response = ResponseFactory(call=call, status="draft")
    other_file = attach_bytes(owner=other_response, content=PDF, filename="annat.pdf")

    buyer_only = {"anonymous": 302, "buyer": 200, "company": 403, "handler": 403, "admin": 403}
    company_only = {"anonymous": 302, "company": 200, "buyer": 403, "handler": 403, "admin": 403}
    post_own = {"anonymous": 302, "buyer": 302}
    return [
        AccessCase("projects:need_list", {}, default=200),
        AccessCase("projects:need_list", {}, default=200, query="q=behov&theme=hallbarhet&page=2"),
        AccessCase("projects:need_mine", buyer_only, default=403),
        AccessCase("projects:need_create", buyer_only, default=403),
        AccessCase("projects:need_detail", {}, kwargs={"pk": need.pk}, default=200),
        AccessCase(
            "projects:need_detail",
            {"buyer": 200},
            kwargs={"pk": draft_need.pk},
            default=404,
        ),
        AccessCase("projects:need_edit", OWN, kwargs={"pk": need.pk}, default=404),
        AccessCase("projects:need_assess", OWN, kwargs={"pk": need.pk}, default=404),
        AccessCase("projects:need_delete", OWN, kwargs={"pk": draft_need.pk}, default=404),
        AccessCase("projects:call_create", OWN, kwargs={"pk": need.pk}, default=404),
        AccessCase("projects:call_list", {}, default=200),
        AccessCase("projects:call_list", {}, default=200, query="state=closed&category=energi"),
        AccessCase("projects:call_detail", {}, kwargs={"pk": call.pk}, default=200),
        AccessCase(
            "projects:call_detail",
            {"buyer": 200},
            kwargs={"pk": unpublished.pk},
            default=404,
        ),
        AccessCase("projects:call_edit", OWN, kwargs={"pk": unpublished.pk}, default=404),
        AccessCase("projects:call_cancel", OWN, kwargs={"pk": call.pk}, default=404),
        AccessCase("projects:call_responses", OWN, kwargs={"pk": call.pk}, default=404),
        AccessCase("projects:call_responses_csv", OWN, kwargs={"pk": call.pk}, default=404),
        AccessCase("projects:response_edit", company_only, kwargs={"pk": call.pk}, default=403),
        AccessCase(
            "projects:response_detail",
            {"anonymous": 302, "buyer": 200, "company": 200},
            kwargs={"pk": response.pk},
            default=404,
        ),
        AccessCase("portal:attachment_download", {}, kwargs={"uuid": call_file.uuid}, default=200),
        AccessCase(
            "portal:attachment_download",
            {"buyer": 200, "company": 200},
            kwargs={"uuid": response_file.uuid},
            default=404,
        ),
        AccessCase("projects:response_detail", {"anonymous": 302}, kwargs={"pk": other_response.pk}, default=404),
        AccessCase("portal:attachment_download", {}, kwargs={"uuid": other_file.uuid}, default=404),
        AccessCase("portal:attachment_download", {"buyer": 200}, kwargs={"uuid": draft_file.uuid}, default=404),
        AccessCase("projects:interest_profile", company_only, default=403),
        AccessCase("projects:cpv_search", {}, default=200, query="q=bygg"),
        AccessCase("projects:cpv_search", {}, default=200, query="q=45&format=json"),
        # Actions (POST). Not the organisation's object → 404; a role that may not act → 403.
        AccessCase("projects:need_publish", post_own, kwargs={"pk": draft_need.pk}, default=404, method="post"),
        AccessCase("projects:need_unpublish", post_own, kwargs={"pk": spare_need.pk}, default=404, method="post"),
        AccessCase("projects:call_publish", post_own, kwargs={"pk": to_publish.pk}, default=404, method="post"),
        AccessCase(
            "projects:question_answer",
            post_own,
            kwargs={"pk": call.pk, "question_pk": question.pk},
            default=404,
            method="post",
            data={"answer": "Svar."},
        ),
        AccessCase(
            "projects:attachment_remove", post_own, kwargs={"uuid": draft_file.uuid}, default=404, method="post"
        ),
        AccessCase(
            "projects:question_ask",
            {"anonymous": 302, "company": 302},
            kwargs={"pk": call.pk},
            default=403,
            method="post",
            data={"text": "En fråga?"},
        ),
        AccessCase(
            "projects:response_submit",
            {"anonymous": 302, "company": 302},
            kwargs={"pk": response.pk},
            default=404,
            method="post",
        ),
        AccessCase(
            "projects:response_withdraw",
            {"anonymous": 302, "company": 302},
            kwargs={"pk": response.pk},
            default=404,
            method="post",
        ),
        AccessCase(
            "projects:response_withdraw",
            {"anonymous": 302},
            kwargs={"pk": other_response.pk},
            default=404,
            method="post",
        ),
        *meeting_cases(world, call=call),
    ]
