from django.urls import path

from ..views import meetings as views

urlpatterns = [
    path("groups/<slug:slug>/meetings/", views.meeting_list, name="meeting_list"),
    path("groups/<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("groups/<slug:slug>/meetings/<int:pk>/", views.meeting, name="meeting"),
    path("groups/<slug:slug>/meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("groups/<slug:slug>/meetings/<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("groups/<slug:slug>/meetings/<int:pk>/held/", views.meeting_held, name="meeting_held"),
    path("groups/<slug:slug>/meetings/<int:pk>/invite/", views.meeting_invite, name="meeting_invite"),
    path("groups/<slug:slug>/meetings/<int:pk>/invite.ics", views.meeting_ics, name="meeting_ics"),
    path("groups/<slug:slug>/meetings/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("groups/<slug:slug>/meetings/<int:pk>/agenda/<int:item_pk>/", views.agenda_item_edit,
         name="agenda_item_edit"),
    path("groups/<slug:slug>/meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("groups/<slug:slug>/meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("groups/<slug:slug>/meetings/<int:pk>/minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path("groups/<slug:slug>/meetings/<int:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("groups/<slug:slug>/meetings/<int:pk>/decisions/new/", views.decision_create, name="decision_create"),
]
