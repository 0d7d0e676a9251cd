from django.urls import path

from ..views import tasks as views

urlpatterns = [
    path("groups/<slug:slug>/tasks/", views.group_tasks, name="group_tasks"),
    path("groups/<slug:slug>/tasks/new/", views.task_create, name="task_create"),
    path("groups/<slug:slug>/tasks/<int:pk>/", views.task, name="task"),
    path("groups/<slug:slug>/tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("me/tasks/", views.my_tasks, name="my_tasks"),
]
