from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("needs/<int:pk>/documents/", views.NeedDocumentsView.as_view(), name="need_documents"),
    path("needs/<int:pk>/documents/order/", views.OrderDocumentView.as_view(), name="order"),
    path("documents/<int:pk>/", views.DocumentStatusView.as_view(), name="status"),
    path("documents/<int:pk>/retry/", views.RetryDocumentView.as_view(), name="retry"),
    path("documents/<int:pk>/download/", views.DownloadDocumentView.as_view(), name="download"),
]
