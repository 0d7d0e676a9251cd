from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from learningcity.api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("learningcity.accounts.urls")),
    path("partners/", include("learningcity.institutions.urls")),
    path("domains/", include("learningcity.catalogue.urls")),
    path("programmes/", include("learningcity.catalogue.programme_urls")),
    path("provider/", include("learningcity.catalogue.console_urls")),
    path("enrolments/", include("learningcity.enrolment.urls")),
    path("", include("learningcity.records.urls")),
    path("", include("learningcity.workgroups.urls")),
    path("", include("learningcity.cities.urls")),
    path("", include("learningcity.core.urls")),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
