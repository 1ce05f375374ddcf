"""The thread's page, included by checks/urls.py: the names stay in the `checks` namespace."""

from django.urls import path

from portal.cache import cache_member_page

from . import views

urlpatterns = [
    # Stored per user between changes (portal/cache.py): a new message, file or state makes it stale at once.
    path("applications/<int:pk>/messages/", cache_member_page(views.ThreadView.as_view()), name="messages"),
]
