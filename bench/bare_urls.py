"""The bare-Django comparison for the enrolment rush: the project's settings, one view that writes nothing."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request, pk: int):
    return JsonResponse({"id": pk, "status": "confirmed"}, status=201)


urlpatterns = [path("api/v1/offerings/<int:pk>/enrolments", bare)]
