"""`learningcity user create`: add a person with a role, or give an existing person another role."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction

from learningcity.accounts.models import RoleAssignment, User
from learningcity.accounts.services import role_grant, user_register
from learningcity.accounts.validators import normalise_mobile
from learningcity.cities.models import City
from learningcity.core.errors import DomainError
from learningcity.core.permissions import ROLE_SCOPE, Role, Scope
from learningcity.institutions.models import Institution, StaffMembership
from learningcity.institutions.services import staff_add

# Working-group seats are given on the group's members page, not here.
ROLES = [role for role in Role.values if ROLE_SCOPE[role] != Scope.WORKING_GROUP]

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class Command(BaseCommand):
    help = "Manage people from the command line."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser(
            "create",
            help="Add a person with a role, or give an existing person (same mobile) the role.",
            description=(
                "Add a person with a role, or give the person who has this mobile number the role. "
                "A new person is registered as a citizen of --city (or of the institution's city) and "
                "needs --name and --password; an existing person keeps their name and password. "
                "Institution roles need --institution; city roles use --city (default: "
                f"{settings.DEFAULT_CITY_SLUG}); the national commission role needs --country; "
                "network roles need neither. Everything happens in one transaction."
            ),
        )
        create.add_argument("--role", required=True, help="One of: " + ", ".join(ROLES) + ".")
        create.add_argument("--mobile", required=True, help="Iranian mobile number, e.g. 09121234567.")
        create.add_argument("--password", default="",
                            help="Password of a new person (checked as at sign-up).")
        create.add_argument("--name", default="", help="Full name of a new person.")
        create.add_argument("--institution", default="",
                            help="Slug of the partner institution (institution roles).")
        create.add_argument("--city", default="", help=f"City slug (default: {settings.DEFAULT_CITY_SLUG}).")
        create.add_argument("--country", default="",
                            help="ISO country code, e.g. IR (national commission role).")

    @no_translations  # messages in English, like the rest of the command line
    def handle(self, *args, action, **options):
        if action == "create":
            self.create(**options)

    def create(self, *, role, mobile, password, name, institution, city, country, **options):
        if role not in ROLES:
            raise CommandError(f"Unknown role {role!r}. Choose one of: {', '.join(ROLES)}.")
        scope = ROLE_SCOPE[role]
        try:
            mobile = normalise_mobile(mobile)
        except ValidationError as exc:
            raise CommandError(f"{mobile!r}: {exc.messages[0]}") from exc
        if institution and scope != Scope.INSTITUTION:
            raise CommandError(f"--institution only goes with the institution roles, not with {role}.")
        if country and scope != Scope.COUNTRY:
            raise CommandError(
                f"--country only goes with {Role.NATIONAL_COMMISSION_OFFICER.value}, not with {role}."
            )
        if scope == Scope.COUNTRY:
            if not _COUNTRY.match(country):
                raise CommandError(f"The {role} role needs --country, a two-letter code such as IR.")
            country = country.upper()

        city_slug = city or settings.DEFAULT_CITY_SLUG
        city_obj = City.objects.filter(slug=city_slug).first()
        partner = None
        if scope == Scope.INSTITUTION:
            if not institution:
                raise CommandError(f"The {role} role needs --institution (the partner's slug).")
            if city_obj is None:
                raise CommandError(f"There is no city {city_slug!r}.")
            partner = Institution.objects.filter(city=city_obj, slug=institution).first()
            if partner is None:
                raise CommandError(f"{city_obj.name_en} has no partner institution {institution!r}.")

        user = User.objects.filter(mobile=mobile).first()
        if user is None:
            if city_obj is None:
                raise CommandError(
                    f"There is no city {city_slug!r} to register the person in; give --city or load the "
                    "demo (`learningcity demo`)."
                )
            if not name.strip():
                raise CommandError("A new person needs --name.")
            if not password:
                raise CommandError("A new person needs --password.")
        elif password or name:
            self.stdout.write(f"{mobile} already has an account: its name and password stay as they are.")

        try:
            with transaction.atomic():
                created = user is None
                if created:
                    user = user_register(name=name, mobile=mobile, password=password, city=city_obj)
                had_role = self._holds(user, role, scope, city_obj, country, partner)
                if scope == Scope.INSTITUTION:
                    staff_add(institution=partner, user=user, role=role, actor=None)
                elif scope == Scope.CITY:
                    if city_obj is None:
                        raise CommandError(f"There is no city {city_slug!r}.")
                    role_grant(user=user, role=role, city=city_obj, actor=None)
                elif scope == Scope.COUNTRY:
                    role_grant(user=user, role=role, country=country, actor=None)
                else:
                    role_grant(user=user, role=role, actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

        where = {Scope.INSTITUTION: partner and partner.name_en, Scope.CITY: city_obj and city_obj.name_en,
                 Scope.COUNTRY: country, Scope.NETWORK: "the network"}[scope]
        if created:
            self.stdout.write(self.style.SUCCESS(f"Created {user.name} ({mobile}) as {role} ({where})."))
        elif had_role:
            self.stdout.write(f"{user.name} ({mobile}) is already {role} ({where}); nothing changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{user.name} ({mobile}) is now also {role} ({where})."))

    @staticmethod
    def _holds(user, role, scope, city, country, partner) -> bool:
        if scope == Scope.INSTITUTION:
            return StaffMembership.objects.filter(user=user, institution=partner, role=role).exists()
        assignments = RoleAssignment.objects.filter(user=user, role=role)
        if scope == Scope.CITY:
            return assignments.filter(city=city).exists()
        outside = country if scope == Scope.COUNTRY else ""
        return assignments.filter(city__isnull=True, country=outside).exists()
