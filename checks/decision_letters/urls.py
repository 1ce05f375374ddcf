"""Decision letters' pages, included by checks/urls.py: the names stay in the `checks` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("applications/<int:pk>/decision-letter/", views.DecisionLetterView.as_view(), name="decision_letter"),
    path(
        "applications/<int:pk>/decision-letter/<int:letter>/",
        views.DecisionLetterView.as_view(),
        name="decision_letter_version",
    ),
    path("review/<int:pk>/letter/retry/", views.RetryLetterView.as_view(), name="retry_letter"),
]
