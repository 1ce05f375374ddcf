"""Role-access rows for every URL of the projects app (see tests/access.py)."""

from portal.files import attach_bytes
from projects.following.services import stop_token
from projects.response_history.services import record_version
from tests.access import AccessCase

from .factories import CallFactory, NeedFactory, QuestionFactory, ResponseFactory, answer, draft_call, with_questions
from .meetings_access import meeting_cases
from .records_access import cases as records_cases

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
    response = ResponseFactory(call=call, organisation=company_org, price_indication=250000)
    # Numbered questions, one answered: the response form, the response and the comparison show both kinds.
    with_questions(call, "Vad kostar en pilot?", "Hur installeras lösningen?")
    answer(response, q1="Omkring 250 000 kr.")
    question = QuestionFactory(call=call, organisation=company_org, asked_by=world["company"])
    to_reject = QuestionFactory(call=call, organisation=company_org, asked_by=world["company"])
    answered = QuestionFactory(call=call, organisation=company_org, asked_by=world["company"], answered=True)
    call_file = attach_bytes(owner=call, content=PDF, filename="underlag.pdf")
    response_file = attach_bytes(owner=response, content=PDF, filename="svar.pdf")
    draft_file = attach_bytes(owner=unpublished, content=PDF, filename="utkast.pdf")
    # Another company's draft response: nobody in the world may reach it, not even the buyer.
    other_response = ResponseFactory(call=call, status="draft")
    other_file = attach_bytes(owner=other_response, content=PDF, filename="annat.pdf")
    record_version(response=response, by=world["company"], submission=True)
    # A call that keeps its responses sealed until it closes: the buyer sees only the number received.
    sealed_call = CallFactory(need=need, responses_sealed=True)
    sealed_response = ResponseFactory(call=sealed_call, organisation=company_org)
    sealed_file = attach_bytes(owner=sealed_response, content=PDF, filename="förseglat.pdf")
    record_version(response=sealed_response, by=world["company"], submission=True)

    buyer_only = {"anonymous": 302, "buyer": 200, "company": 403, "handler": 403, "admin": 403}
    company_only = {"anonymous": 302, "company": 200, "buyer": 403, "handler": 403, "admin": 403}
    post_own = {"anonymous": 302, "buyer": 302}
    return records_cases(world) + [
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
        AccessCase("projects:call_responses_compare", OWN, kwargs={"pk": call.pk}, default=404),
        # Question moderation: the buyer's own call only; the asking company is no exception.
        AccessCase("projects:question_moderation", OWN, kwargs={"pk": call.pk}, default=404),
        AccessCase("projects:question_moderation", OWN, kwargs={"pk": unpublished.pk}, default=404),
        AccessCase("projects:question_answer", OWN, kwargs={"pk": call.pk, "question_pk": question.pk}, default=404),
        AccessCase("projects:question_reject", OWN, kwargs={"pk": call.pk, "question_pk": question.pk}, default=404),
        # A question of this call under another call's address: 404 for the buyer too.
        AccessCase(
            "projects:question_answer", LOGIN, kwargs={"pk": unpublished.pk, "question_pk": question.pk}, default=404
        ),
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
        AccessCase(
            "projects:response_version",
            {"anonymous": 302, "buyer": 200, "company": 200},
            kwargs={"pk": response.pk, "number": 1},
            default=404,
        ),
        AccessCase(
            "projects:response_version", {"anonymous": 302}, kwargs={"pk": response.pk, "number": 2}, default=404
        ),
        AccessCase(
            "projects:response_version",
            {"anonymous": 302, "company": 200},
            kwargs={"pk": sealed_response.pk, "number": 1},
            default=404,
        ),
        AccessCase(
            "projects:response_detail",
            {"anonymous": 302, "company": 200},
            kwargs={"pk": sealed_response.pk},
            default=404,
        ),
        AccessCase("portal:attachment_download", {"company": 200}, kwargs={"uuid": sealed_file.uuid}, default=404),
        AccessCase("projects:call_responses", OWN, kwargs={"pk": sealed_call.pk}, default=404),
        AccessCase("projects:call_responses_csv", LOGIN, kwargs={"pk": sealed_call.pk}, default=404),
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
            data={"public_text": "Fråga?", "answer": "Svar."},
        ),
        AccessCase(
            "projects:question_reject",
            post_own,
            kwargs={"pk": call.pk, "question_pk": to_reject.pk},
            default=404,
            method="post",
            data={"reason": "Frågan gäller inte utlysningen."},
        ),
        AccessCase(
            "projects:question_publish",
            post_own,
            kwargs={"pk": call.pk},
            default=404,
            method="post",
            data={"questions": [answered.pk]},
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
        # Amendments and following (projects.amendments, projects.following).
        AccessCase("projects:call_amend", OWN, kwargs={"pk": call.pk}, default=404),
        AccessCase("projects:call_amend", post_own, kwargs={"pk": unpublished.pk}, default=404),
        AccessCase(
            "projects:call_amend",
            post_own,
            kwargs={"pk": call.pk},
            default=404,
            method="post",
            data={"text": "Bilaga 2 är rättad."},
        ),
        AccessCase(
            "projects:call_follow",
            {"anonymous": 302, "company": 302},
            kwargs={"pk": call.pk},
            default=403,
            method="post",
        ),
        AccessCase(
            "projects:call_follow",
            {"anonymous": 302, "buyer": 403},
            kwargs={"pk": unpublished.pk},
            default=404,
            method="post",
        ),
        AccessCase("projects:call_unfollow", {}, kwargs={"pk": call.pk}, default=302, method="post"),
        AccessCase(
            "projects:call_unfollow",
            {"anonymous": 302, "buyer": 302},
            kwargs={"pk": unpublished.pk},
            default=404,
            method="post",
        ),
        AccessCase(
            "projects:call_stop_notices",
            {},
            kwargs={"pk": call.pk, "token": stop_token(call_id=call.pk, email=world["company"].email)},
            default=200,
        ),
        AccessCase(
            "projects:call_stop_notices",
            {},
            kwargs={"pk": call.pk, "token": stop_token(call_id=call.pk, email=world["company"].email) + "x"},
            default=400,
            method="post",
        ),
        *meeting_cases(world, call=call),
    ]
