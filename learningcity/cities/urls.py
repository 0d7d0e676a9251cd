from django.urls import path

from . import views

app_name = "cities"
urlpatterns = [
    path("city/", views.about, name="about"),
    path("city/districts.geojson", views.districts_geojson, name="districts_geojson"),
    path("learning-cities/", views.registry, name="registry"),
]
