"""The open-data page (opendata/page_views.py)."""

from django.urls import path

from . import page_views

urlpatterns = [
    path("oppna-data/", page_views.open_data_page, name="index"),
]
