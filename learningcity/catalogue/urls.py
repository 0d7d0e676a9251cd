from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.domains, name="domains"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("manage/<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/", views.domain, name="domain"),
]
