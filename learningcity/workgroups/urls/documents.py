from django.urls import path

from ..views import documents as views

urlpatterns = [
    path("documents/upload/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
]
