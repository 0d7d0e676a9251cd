"""Reads about people, with what each role may see built in."""

from django.db.models import QuerySet

from .models import CitizenProfile, User


def citizen_count(*, city) -> int:
    """One definition of "registered learners": active accounts with a citizen profile in the city."""
    return CitizenProfile.objects.filter(city=city, user__is_active=True).count()


def people_of_city(*, city) -> QuerySet[User]:
    return User.objects.filter(profile__city=city).select_related("profile", "profile__district")
