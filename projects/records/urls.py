from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("responses/<int:pk>/secrecy/", views.MarkingsView.as_view(), name="markings"),
    path("responses/<int:pk>/secrecy/add/", views.MarkingAddView.as_view(), name="marking_add"),
    path(
        "responses/<int:pk>/secrecy/<int:marking_pk>/remove/",
        views.MarkingRemoveView.as_view(),
        name="marking_remove",
    ),
    path("responses/<int:pk>/release/", views.ReleaseView.as_view(), name="release"),
]
