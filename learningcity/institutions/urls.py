from django.http import HttpResponse
from django.urls import path

app_name = "institutions"


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("", _todo, name="directory"),
    path("manage/", _todo, name="manage"),
    path("<slug:slug>/", _todo, name="detail"),
]
