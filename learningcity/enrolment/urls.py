"""Enrolment pages, under /<lang>/enrolments/ (namespace "enrolment")."""

from django.urls import path

from . import views

app_name = "enrolment"
urlpatterns = [
    # The panel the programme page embeds with hx-get="{% url 'enrolment:panel' offering.pk %}" hx-trigger="load".
    path("offerings/<int:pk>/", views.panel, name="panel"),
    path("offerings/<int:pk>/enrol/", views.enrol, name="enrol"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    # Staff
    path("offerings/<int:pk>/attendees/", views.attendees, name="attendees"),
    path("offerings/<int:pk>/attendees.csv", views.export_csv, name="export_csv"),
    path("offerings/<int:pk>/attendees.xlsx", views.export_xlsx, name="export_xlsx"),
    path("offerings/<int:pk>/capacity/", views.set_capacity, name="capacity"),
    path("offerings/<int:pk>/cancel/", views.cancel_offering, name="cancel_offering"),
    path("sessions/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("<int:pk>/priority/", views.set_priority, name="priority"),
    path("offerings/<int:pk>/enrol-on-behalf/", views.enrol_on_behalf, name="enrol_on_behalf"),
]
