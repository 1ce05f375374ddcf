from django.urls import path

from . import views

urlpatterns = [
    path("calls/<int:pk>/follow/", views.FollowCallView.as_view(), name="call_follow"),
    path("calls/<int:pk>/unfollow/", views.UnfollowCallView.as_view(), name="call_unfollow"),
    path("calls/<int:pk>/stop-notices/<str:token>/", views.StopNoticesView.as_view(), name="call_stop_notices"),
]
