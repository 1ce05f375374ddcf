from django.urls import include, path

from portal.cache import cache_member_page, cache_public_page

from . import views

app_name = "checks"
urlpatterns = [
    path("", cache_public_page(views.CallListView.as_view()), name="call_list"),
    path("calls/<int:pk>/", cache_public_page(views.CallDetailView.as_view()), name="call_detail"),
    path("calls/<int:call_pk>/apply/", views.ApplicationCreateView.as_view(), name="application_create"),
    path("calls/<int:pk>/overview/", views.CallOverviewView.as_view(), name="call_overview"),
    path("calls/<int:pk>/export.csv", views.CallExportView.as_view(), name="call_export"),
    path("manage/", views.AdminCallListView.as_view(), name="admin_call_list"),
    path("manage/new/", views.CallFormView.as_view(), name="call_create"),
    path("manage/<int:pk>/", views.CallFormView.as_view(), name="call_edit"),
    path("manage/<int:pk>/publish/", views.CallPublishView.as_view(), name="call_publish"),
    path("applications/", views.MyApplicationsView.as_view(), name="application_list"),
    path("applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/edit/", views.ApplicationEditView.as_view(), name="application_edit"),
    path("applications/<int:pk>/submit/", views.ApplicationSubmitView.as_view(), name="application_submit"),
    path("applications/<int:pk>/resubmit/", views.ApplicationResubmitView.as_view(), name="application_resubmit"),
    path("applications/<int:pk>/withdraw/", views.ApplicationWithdrawView.as_view(), name="application_withdraw"),
    path("applications/<int:pk>/final-report/", views.FinalReportView.as_view(), name="final_report"),
    path("review/", cache_member_page(views.QueueView.as_view()), name="queue"),
    path("review/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("review/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("review/<int:pk>/score/", views.ScoreView.as_view(), name="score"),
    path("review/<int:pk>/completion/", views.RequestCompletionView.as_view(), name="request_completion"),
    path("review/<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("review/<int:pk>/conflict/", views.ConflictView.as_view(), name="declare_conflict"),
    path("review/<int:pk>/final-report/", views.HandleFinalReportView.as_view(), name="handle_final_report"),
    path("", include("checks.decision_letters.urls")),
]
