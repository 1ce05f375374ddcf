from django.urls import include, path

from portal.cache import cache_member_page, cache_public_page

from .views import applicant, manage, public, review

app_name = "checks"
urlpatterns = [
    path("", cache_public_page(public.CallListView.as_view(), shows=("grantcalls",)), name="call_list"),
    path(
        "calls/<int:pk>/", cache_public_page(public.CallDetailView.as_view(), shows=("grantcalls",)), name="call_detail"
    ),
    path("calls/<int:call_pk>/apply/", applicant.ApplicationCreateView.as_view(), name="application_create"),
    path("calls/<int:pk>/overview/", review.CallOverviewView.as_view(), name="call_overview"),
    path("calls/<int:pk>/follow/", review.FollowCallView.as_view(), name="follow_call"),
    path("calls/<int:pk>/export.csv", review.CallExportView.as_view(), name="call_export"),
    path("calls/<int:pk>/export.xlsx", review.CallExportView.as_view(), {"fmt": "xlsx"}, name="call_export_xlsx"),
    path("manage/", manage.AdminCallListView.as_view(), name="admin_call_list"),
    path("manage/deciders/", manage.DeciderListView.as_view(), name="deciders"),
    path("manage/deciders/<int:pk>/", manage.DeciderToggleView.as_view(), name="decider_toggle"),
    path("manage/new/", manage.CallFormView.as_view(), name="call_create"),
    path("manage/<int:pk>/", manage.CallFormView.as_view(), name="call_edit"),
    path("manage/<int:pk>/publish/", manage.CallPublishView.as_view(), name="call_publish"),
    path("applications/", applicant.MyApplicationsView.as_view(), name="application_list"),
    path("applications/<int:pk>/", applicant.ApplicationDetailView.as_view(), name="application_detail"),
    path("applications/<int:pk>/edit/", applicant.ApplicationEditView.as_view(), name="application_edit"),
    path("applications/<int:pk>/submit/", applicant.ApplicationSubmitView.as_view(), name="application_submit"),
    path("applications/<int:pk>/resubmit/", applicant.ApplicationResubmitView.as_view(), name="application_resubmit"),
    path("applications/<int:pk>/withdraw/", applicant.ApplicationWithdrawView.as_view(), name="application_withdraw"),
    path("applications/<int:pk>/final-report/", applicant.FinalReportView.as_view(), name="final_report"),
    path("review/", cache_member_page(review.QueueView.as_view()), name="queue"),
    path("review/batch/", review.QueueBatchView.as_view(), name="queue_batch"),
    path("review/notifications/", review.NotificationSettingsView.as_view(), name="notification_settings"),
    path("review/<int:pk>/", cache_member_page(review.ReviewDetailView.as_view()), name="review_detail"),
    path("review/<int:pk>/assign/", review.AssignView.as_view(), name="assign"),
    path("review/<int:pk>/score/", review.ScoreView.as_view(), name="score"),
    path("review/<int:pk>/completion/", review.RequestCompletionView.as_view(), name="request_completion"),
    path("review/<int:pk>/propose/", review.ProposeView.as_view(), name="propose"),
    path("review/<int:pk>/decide/", review.DecideView.as_view(), name="decide"),
    path("review/<int:pk>/correct/", review.CorrectView.as_view(), name="correct"),
    path("review/<int:pk>/conflict/", review.ConflictView.as_view(), name="declare_conflict"),
    path("review/<int:pk>/conflicts/<int:conflict_pk>/lift/", review.LiftConflictView.as_view(), name="lift_conflict"),
    path("review/<int:pk>/period/", review.PeriodEndView.as_view(), name="change_period"),
    path("review/<int:pk>/final-report/", review.HandleFinalReportView.as_view(), name="handle_final_report"),
    path("", include("checks.decision_letters.urls")),
    path("", include("checks.messages.urls")),
]
