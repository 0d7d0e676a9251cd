"""The learning record's pages; mounted at the root of each language (/fa/, /en/)."""

from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("me/learning/", views.my_learning, name="my_learning"),
    path("me/learning/records/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path("me/learning/enrolments/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("verify/", views.verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("offerings/<int:pk>/completion/", views.completion, name="completion"),
]
