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
    # Staff: a learner's record, its corrections and voids; the secretariat's list of the city's records.
    path("records/<int:pk>/", views.staff_record, name="record"),
    path("records/<int:pk>/correct/", views.correct_record, name="record_correct"),
    path("records/<int:pk>/void/", views.void_record, name="record_void"),
    path("records/<int:pk>/revoke-certificate/", views.revoke_certificate, name="certificate_revoke"),
    path("manage/records/", views.manage_records, name="manage_records"),
]
