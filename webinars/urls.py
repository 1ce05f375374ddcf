from django.urls import path

from portal.cache import cache_public_page

from . import views

app_name = "webinars"
urlpatterns = [
    path("", cache_public_page(views.UpcomingView.as_view()), name="list"),
    path("past/", cache_public_page(views.PastView.as_view()), name="past"),
    path("series/<slug:slug>/", cache_public_page(views.SeriesDetailView.as_view()), name="series_detail"),
    path("series/<slug:slug>/calendar.ics", views.SeriesFeedView.as_view(), name="series_feed"),
    path("<int:pk>/", cache_public_page(views.WebinarDetailView.as_view()), name="detail"),
    path("<int:pk>/calendar.ics", views.WebinarIcsView.as_view(), name="webinar_ics"),
    path("registration/<str:token>/", views.RegistrationView.as_view(), name="registration"),
    path("registration/<str:token>/cancel/", views.RegistrationCancelView.as_view(), name="registration_cancel"),
    path("registration/<str:token>/calendar.ics", views.RegistrationIcsView.as_view(), name="registration_ics"),
    path("manage/", views.ManageView.as_view(), name="manage"),
    path("manage/series/new/", views.SeriesFormView.as_view(), name="series_create"),
    path("manage/series/<int:pk>/edit/", views.SeriesFormView.as_view(), name="series_edit"),
    path("manage/new/", views.WebinarFormView.as_view(), name="webinar_create"),
    path("manage/<int:pk>/", views.WebinarManageView.as_view(), name="manage_detail"),
    path("manage/<int:pk>/edit/", views.WebinarFormView.as_view(), name="webinar_edit"),
    path("manage/<int:pk>/publish/", views.PublishView.as_view(), name="webinar_publish"),
    path("manage/<int:pk>/cancel/", views.CancelWebinarView.as_view(), name="webinar_cancel"),
    path("manage/<int:pk>/recording/", views.RecordingView.as_view(), name="webinar_recording"),
    path("manage/<int:pk>/registrations.csv", views.RegistrationsCsvView.as_view(), name="registrations_csv"),
    path(
        "manage/registrations/<int:pk>/cancel/",
        views.AdminCancelRegistrationView.as_view(),
        name="admin_registration_cancel",
    ),
]
