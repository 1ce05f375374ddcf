from django.urls import path

from . import views

urlpatterns = [
    path("calls/<int:pk>/amend/", views.AmendCallView.as_view(), name="call_amend"),
]
