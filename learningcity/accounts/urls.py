from django.http import HttpResponse
from django.urls import path

app_name = "accounts"


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns = [
    path("signup/", _todo, name="signup"),
    path("login/", _todo, name="login"),
    path("logout/", _todo, name="logout"),
    path("me/", _todo, name="profile"),
]
