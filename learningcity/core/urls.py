from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("manage/", views.manage, name="manage"),
    path("manage/audit/", views.audit_log, name="audit_log"),
]
