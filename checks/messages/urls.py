"""The thread's page, included by checks/urls.py: the names stay in the `checks` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("applications/<int:pk>/messages/", views.ThreadView.as_view(), name="messages"),
]
