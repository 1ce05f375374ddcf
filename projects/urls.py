from django.urls import path

from portal.cache import cache_public_page

from . import views

app_name = "projects"
urlpatterns = [
    path("needs/", cache_public_page(views.NeedListView.as_view()), name="need_list"),
    path("needs/mine/", views.MyNeedsView.as_view(), name="need_mine"),
    path("needs/new/", views.NeedCreateView.as_view(), name="need_create"),
    path("needs/<int:pk>/", cache_public_page(views.NeedDetailView.as_view()), name="need_detail"),
    path("needs/<int:pk>/edit/", views.NeedEditView.as_view(), name="need_edit"),
    path("needs/<int:pk>/publish/", views.NeedVisibilityView.as_view(), name="need_publish"),
    path(
        "needs/<int:pk>/unpublish/",
        views.NeedVisibilityView.as_view(visibility="draft"),
        name="need_unpublish",
    ),
    path("needs/<int:pk>/delete/", views.NeedDeleteView.as_view(), name="need_delete"),
    path("needs/<int:pk>/assessment/", views.NeedAssessView.as_view(), name="need_assess"),
    path("needs/<int:pk>/calls/new/", views.CallCreateView.as_view(), name="call_create"),
    path("calls/", cache_public_page(views.CallListView.as_view()), name="call_list"),
    path("calls/<int:pk>/", cache_public_page(views.CallDetailView.as_view()), name="call_detail"),
    path("calls/<int:pk>/edit/", views.CallEditView.as_view(), name="call_edit"),
    path("calls/<int:pk>/publish/", views.CallPublishView.as_view(), name="call_publish"),
    path("calls/<int:pk>/cancel/", views.CallCancelView.as_view(), name="call_cancel"),
    path("calls/<int:pk>/responses/", views.CallResponsesView.as_view(), name="call_responses"),
    path("calls/<int:pk>/responses.csv", views.CallResponsesCsvView.as_view(), name="call_responses_csv"),
    path("calls/<int:pk>/respond/", views.ResponseEditView.as_view(), name="response_edit"),
    path("calls/<int:pk>/questions/", views.QuestionAskView.as_view(), name="question_ask"),
    path(
        "calls/<int:pk>/questions/<int:question_pk>/answer/",
        views.QuestionAnswerView.as_view(),
        name="question_answer",
    ),
    path("responses/<int:pk>/", views.ResponseDetailView.as_view(), name="response_detail"),
    path(
        "responses/<int:pk>/submit/",
        views.ResponseTransitionView.as_view(to="submitted"),
        name="response_submit",
    ),
    path(
        "responses/<int:pk>/withdraw/",
        views.ResponseTransitionView.as_view(to="withdrawn"),
        name="response_withdraw",
    ),
    path("attachments/<uuid:uuid>/remove/", views.AttachmentRemoveView.as_view(), name="attachment_remove"),
    path("interest-profile/", views.InterestProfileView.as_view(), name="interest_profile"),
    path("cpv/", views.CpvSearchView.as_view(), name="cpv_search"),
]
