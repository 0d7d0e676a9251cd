from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/accreditation/", views.accreditation, name="accreditation"),
    path("<slug:slug>/staff/", views.staff, name="staff"),
    path("<slug:slug>/contacts/", views.contacts, name="contacts"),
    path("<slug:slug>/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
]
