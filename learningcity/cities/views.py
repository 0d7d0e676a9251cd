from django.http import Http404, JsonResponse
from django.shortcuts import render

from .forms import RegistryFilterForm
from .models import Network
from .selectors import cities_in_networks, city_population, district_geojson, districts_of, population_breakdown


def about(request):
    """The city: its networks, districts and (estimated) population by sex and age, with a district map."""
    if request.city is None:
        raise Http404
    districts = list(districts_of(request.city))
    chosen = next((d for d in districts if str(d.number) == request.GET.get("district", "")), None)
    breakdown = population_breakdown(request.city, district=chosen)
    return render(request, "cities/about.html", {
        "districts": districts,
        "chosen_district": chosen,
        "breakdown": breakdown,
        "breakdown_totals": {key: sum(row[key] for row in breakdown) for key in ("female", "male", "total")},
        "population": city_population(request.city),
        "memberships": request.city.memberships.order_by("since"),
    })


def districts_geojson(request):
    if request.city is None:
        raise Http404
    return JsonResponse(district_geojson(request.city))


def registry(request):
    """UNESCO learning and creative cities, filtered by country and networks held now."""
    form = RegistryFilterForm(request.GET or None)
    country, networks = "IR", [Network.GNLC]
    if form.is_bound and form.is_valid():
        country = form.cleaned_data["country"] or ""
        networks = form.cleaned_data["networks"]
    elif not form.is_bound:
        form = RegistryFilterForm(initial={"country": "IR", "networks": [Network.GNLC]})
    cities = cities_in_networks(country=country, networks=networks) if not form.errors else []
    return render(request, "cities/registry.html", {"form": form, "cities": cities})
