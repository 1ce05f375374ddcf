"""The calendar feeds (opendata/feed_views.py); docs/opendata.md, "Calendar feeds"."""

from django.urls import path

from . import feed_views

urlpatterns = [
    path("oppna-data/kalender.ics", feed_views.public_calendar, name="calendar"),
    path("oppna-data/kalender/privat.ics", feed_views.private_calendar, name="private_calendar"),
    path("oppna-data/kalender/prenumeration/", feed_views.SubscriptionView.as_view(), name="subscription"),
]
