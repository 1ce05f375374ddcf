"""Included from projects/urls.py: the names are in the projects namespace (projects:meeting_…)."""

from django.urls import path

from . import views

urlpatterns = [
    path("calls/<int:pk>/meetings/", views.MeetingManageView.as_view(), name="meeting_manage"),
    path("calls/<int:pk>/meetings/settings/", views.MeetingSettingsView.as_view(), name="meeting_settings"),
    path("calls/<int:pk>/meetings/slots/", views.MeetingSlotAddView.as_view(), name="meeting_slot_add"),
    path("calls/<int:pk>/meetings/book/", views.MeetingBookView.as_view(), name="meeting_book"),
    path("meetings/slots/<int:pk>/withdraw/", views.MeetingSlotCancelView.as_view(), name="meeting_slot_cancel"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/outcome/", views.MeetingOutcomeView.as_view(), name="meeting_outcome"),
    path("meetings/<int:pk>/cancel/", views.MeetingCancelView.as_view(), name="meeting_cancel"),
    path("meetings/<int:pk>/calendar.ics", views.MeetingIcsView.as_view(), name="meeting_ics"),
]
