from django.urls import path

from . import views

app_name = "programmes"
urlpatterns = [
    path("", views.programmes, name="list"),
    path("calendar/", views.programme_calendar, name="calendar"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/offerings/<int:offering_pk>/sessions.ics", views.offering_sessions_ics, name="sessions_ics"),
]
