from django.urls import include, path

from portal.cache import cache_public_page

from .amendments import urls as amendment_urls
from .following import urls as following_urls
from .response_history.views import ResponseVersionView
from .structured import views as structured
from .views import buyer, company, public

app_name = "projects"
# What the public catalogue, need and call pages show: needs and calls with what belongs to them, and the
# organisations and people named on them (portal/cache.py: a response or a registration leaves them stored).
PUBLIC = ("needs", "organisations")
urlpatterns = [
    path("needs/", cache_public_page(public.NeedListView.as_view(), shows=PUBLIC), name="need_list"),
    path("needs/mine/", buyer.MyNeedsView.as_view(), name="need_mine"),
    path("needs/new/", buyer.NeedCreateView.as_view(), name="need_create"),
    path("needs/<int:pk>/", cache_public_page(public.NeedDetailView.as_view(), shows=PUBLIC), name="need_detail"),
    path("needs/<int:pk>/edit/", buyer.NeedEditView.as_view(), name="need_edit"),
    path("needs/<int:pk>/publish/", buyer.NeedVisibilityView.as_view(), name="need_publish"),
    path(
        "needs/<int:pk>/unpublish/",
        buyer.NeedVisibilityView.as_view(visibility="draft"),
        name="need_unpublish",
    ),
    path("needs/<int:pk>/delete/", buyer.NeedDeleteView.as_view(), name="need_delete"),
    path("needs/<int:pk>/assessment/", buyer.NeedAssessView.as_view(), name="need_assess"),
    path("needs/<int:pk>/calls/new/", buyer.CallCreateView.as_view(), name="call_create"),
    path("calls/", cache_public_page(public.CallListView.as_view(), shows=PUBLIC), name="call_list"),
    path("calls/<int:pk>/", cache_public_page(public.CallDetailView.as_view(), shows=PUBLIC), name="call_detail"),
    path("calls/<int:pk>/edit/", buyer.CallEditView.as_view(), name="call_edit"),
    path("calls/<int:pk>/publish/", buyer.CallPublishView.as_view(), name="call_publish"),
    path("calls/<int:pk>/cancel/", buyer.CallCancelView.as_view(), name="call_cancel"),
    path("calls/<int:pk>/responses/", buyer.CallResponsesView.as_view(), name="call_responses"),
    path(
        "calls/<int:pk>/responses/compare/",
        structured.CallAnswersCompareView.as_view(),
        name="call_responses_compare",
    ),
    path("calls/<int:pk>/responses.csv", buyer.CallResponsesCsvView.as_view(), name="call_responses_csv"),
    path("calls/<int:pk>/respond/", company.ResponseEditView.as_view(), name="response_edit"),
    path("calls/<int:pk>/questions/", company.QuestionAskView.as_view(), name="question_ask"),
    path("calls/<int:pk>/questions/moderate/", buyer.QuestionModerationView.as_view(), name="question_moderation"),
    path("calls/<int:pk>/questions/publish/", buyer.QuestionPublishView.as_view(), name="question_publish"),
    path(
        "calls/<int:pk>/questions/<int:question_pk>/answer/",
        buyer.QuestionAnswerView.as_view(),
        name="question_answer",
    ),
    path(
        "calls/<int:pk>/questions/<int:question_pk>/reject/",
        buyer.QuestionRejectView.as_view(),
        name="question_reject",
    ),
    path("responses/<int:pk>/", company.ResponseDetailView.as_view(), name="response_detail"),
    path("responses/<int:pk>/versions/<int:number>/", ResponseVersionView.as_view(), name="response_version"),
    path(
        "responses/<int:pk>/submit/",
        company.ResponseTransitionView.as_view(to="submitted"),
        name="response_submit",
    ),
    path(
        "responses/<int:pk>/withdraw/",
        company.ResponseTransitionView.as_view(to="withdrawn"),
        name="response_withdraw",
    ),
    path("attachments/<uuid:uuid>/remove/", buyer.AttachmentRemoveView.as_view(), name="attachment_remove"),
    path("interest-profile/", company.InterestProfileView.as_view(), name="interest_profile"),
    path("cpv/", public.CpvSearchView.as_view(), name="cpv_search"),
    path("", include("projects.meetings.urls")),
]
urlpatterns += amendment_urls.urlpatterns + following_urls.urlpatterns
