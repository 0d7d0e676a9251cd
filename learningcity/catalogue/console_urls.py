from django.urls import path

from . import console

app_name = "console"
urlpatterns = [
    path("", console.home, name="home"),
    path("approvals/", console.approvals, name="approvals"),
    path("programmes/new/", console.programme_new, name="programme_new"),
    path("programmes/<int:pk>/", console.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", console.programme_edit, name="programme_edit"),
    path("programmes/<int:pk>/submit/", console.programme_submit, name="programme_submit"),
    path("programmes/<int:pk>/approve/", console.programme_approve, name="programme_approve"),
    path("programmes/<int:pk>/return/", console.programme_return, name="programme_return"),
    path("programmes/<int:pk>/archive/", console.programme_archive, name="programme_archive"),
    path("programmes/<int:pk>/offerings/new/", console.offering_new, name="offering_new"),
    path("offerings/<int:pk>/edit/", console.offering_edit, name="offering_edit"),
    path("venues/", console.venues, name="venues"),
    path("venues/new/", console.venue_new, name="venue_new"),
    path("venues/<int:pk>/edit/", console.venue_edit, name="venue_edit"),
]
