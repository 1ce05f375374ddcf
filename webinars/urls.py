from django.urls import path

from portal.cache import cache_public_page

from .views import manage, public, registration

app_name = "webinars"
urlpatterns = [
    path("", cache_public_page(public.UpcomingView.as_view(), shows=("webinars",)), name="list"),
    path("past/", cache_public_page(public.PastView.as_view(), shows=("webinars",)), name="past"),
    path(
        "series/<slug:slug>/",
        cache_public_page(public.SeriesDetailView.as_view(), shows=("webinars",)),
        name="series_detail",
    ),
    path("series/<slug:slug>/calendar.ics", public.SeriesFeedView.as_view(), name="series_feed"),
    path(
        "<int:pk>/",
        cache_public_page(public.WebinarDetailView.as_view(), shows=("webinars", "registrations")),
        name="detail",
    ),
    path("<int:pk>/calendar.ics", public.WebinarIcsView.as_view(), name="webinar_ics"),
    path("<int:pk>/captions.vtt", public.WebinarCaptionsView.as_view(), name="captions"),
    path("registration/<str:token>/", registration.RegistrationView.as_view(), name="registration"),
    path(
        "registration/<str:token>/cancel/",
        registration.RegistrationCancelView.as_view(),
        name="registration_cancel",
    ),
    path(
        "registration/<str:token>/calendar.ics",
        registration.RegistrationIcsView.as_view(),
        name="registration_ics",
    ),
    path("manage/", manage.ManageView.as_view(), name="manage"),
    path("manage/series/new/", manage.SeriesCreateView.as_view(), name="series_create"),
    path("manage/series/<int:pk>/edit/", manage.SeriesEditView.as_view(), name="series_edit"),
    path("manage/new/", manage.WebinarCreateView.as_view(), name="webinar_create"),
    path("manage/<int:pk>/", manage.WebinarManageView.as_view(), name="manage_detail"),
    path("manage/<int:pk>/edit/", manage.WebinarEditView.as_view(), name="webinar_edit"),
    path("manage/<int:pk>/publish/", manage.PublishView.as_view(), name="webinar_publish"),
    path("manage/<int:pk>/cancel/", manage.CancelWebinarView.as_view(), name="webinar_cancel"),
    path("manage/<int:pk>/recording/", manage.RecordingView.as_view(), name="webinar_recording"),
    path("manage/<int:pk>/registrations.csv", manage.RegistrationsCsvView.as_view(), name="registrations_csv"),
    path(
        "manage/registrations/<int:pk>/cancel/",
        manage.AdminCancelRegistrationView.as_view(),
        name="admin_registration_cancel",
    ),
]
