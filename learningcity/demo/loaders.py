"""The demo city: Kermanshah, the networks' registry, learning domains, partners, demo accounts, and a
year of learning: programmes, offerings, enrolments, waitlists, attendance, completions and ratings.

Each part creates what is missing and leaves existing rows exactly as they are, so loading twice
changes nothing: no new rows, no changed values, no new audit entries. Partners, learning domains,
accounts, programmes, venues, offerings and all the learning activity go through the same services the
web pages use (search keys, audit entries, password rules, seat locks and counts); cities, districts,
population figures and memberships have no service yet, so one ``demo.load`` audit entry records how
many of each the loader added. Programmes and their activity: `programmes.py` and `activity.py`; working
groups, meetings, tasks and the action plan: `workgroups.py`.
"""

import datetime as dt
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from learningcity.accounts.models import User
from learningcity.accounts.services import role_grant, user_register
from learningcity.catalogue.models import LearningDomain
from learningcity.catalogue.permissions import can_approve_programmes
from learningcity.catalogue.services import domain_create
from learningcity.cities.models import City, DatePrecision, District, NetworkMembership, PopulationFigure
from learningcity.core.audit import audit_record, audit_updated, snapshot
from learningcity.core.permissions import Role
from learningcity.institutions.models import Institution, InstitutionType, StaffRole
from learningcity.institutions.services import contact_add, institution_create, staff_add

from .activity import replay_year
from .clock import DemoClock, messages_withheld
from .programmes import DATA_FILE, load_programmes
from .workgroups import load_workgroups

DEMO_CITY_SLUG = "kermanshah"
# One memorable password for every demo account; printed after each run.
DEMO_PASSWORD = "Kermanshah-1405"
DEMO_COUNTRY = "IR"

# Days on which UNESCO announced a network's new members. A membership reported only by its year is
# recorded on 1 January of that year (and says so in its note).
KNOWN_MEMBERSHIP_DAYS: dict[tuple[str, int], dt.date] = {
    ("gnlc", 2025): dt.date(2025, 12, 1),  # the December 2025 GNLC intake (Kermanshah, Maragheh)
    ("uccn", 2015): dt.date(2015, 12, 11),
    ("uccn", 2019): dt.date(2019, 10, 30),
    ("uccn", 2021): dt.date(2021, 11, 8),
    ("uccn", 2025): dt.date(2025, 10, 31),  # World Cities Day, 43rd UNESCO General Conference
}

CITY_FIELDS = (
    "name_fa", "name_en", "country", "province_fa", "province_en", "area_km2", "area_is_estimate",
    "population_year", "population_source_fa", "population_source_en", "slogan_fa", "slogan_en",
    "intro_fa", "intro_en",
)
REGISTRY_CITY_FIELDS = ("name_fa", "name_en", "country", "province_fa", "province_en")
PARTNER_FIELDS = (
    "type", "name_fa", "name_en", "description_fa", "description_en", "address_fa", "address_en",
    "website", "phone", "email",
)


def _data_path(app_label: str, name: str) -> Path:
    return Path(apps.get_app_config(app_label).path) / "data" / name


def _read_json(app_label: str, name: str) -> Any:
    with _data_path(app_label, name).open(encoding="utf-8") as handle:
        return json.load(handle)


def _coordinate(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


@dataclass(frozen=True)
class DemoAccount:
    """One demo person: who they are, how to log in and what they may do."""

    key: str
    mobile: str
    name: str
    role: str
    description: str
    city_role: str = ""
    institution_slug: str = ""
    institution_type: str = ""
    staff_role: str = ""
    country: str = ""
    superuser: bool = False
    district: int | None = None
    sex: str = ""
    birth_year: int | None = None


# Fixed mobile numbers in 0912 000 00xx; synthetic citizens (`learningcity generate`) live in 099...,
# so the two never collide. Birth years are Gregorian, like every date stored in the database.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "09120000001", "کامران احمدی", "superuser",
                "Superuser: the admin site (/admin/) and everything else", superuser=True),
    DemoAccount("secretariat", "09120000002", "مریم رستمی", Role.SECRETARIAT,
                "City secretariat officer of Kermanshah", city_role=Role.SECRETARIAT),
    DemoAccount("university_admin", "09120000003", "علیرضا سلیمانی", Role.INSTITUTION_ADMIN,
                "Institution admin", institution_slug="razi-university",
                institution_type=InstitutionType.UNIVERSITY, staff_role=StaffRole.ADMIN),
    DemoAccount("university_editor", "09120000004", "نرگس فتاحی", Role.INSTITUTION_EDITOR,
                "Institution editor", institution_slug="razi-university",
                institution_type=InstitutionType.UNIVERSITY, staff_role=StaffRole.EDITOR),
    DemoAccount("institute_admin", "09120000005", "حمید نظری", Role.INSTITUTION_ADMIN,
                "Institution admin", institution_slug="bisotun-foreign-languages-institute",
                institution_type=InstitutionType.PRIVATE_TRAINING_INSTITUTE, staff_role=StaffRole.ADMIN),
    DemoAccount("working_group", "09120000006", "زهرا مرادی", Role.WORKING_GROUP_MEMBER,
                "Member of the learning-city working groups", city_role=Role.WORKING_GROUP_MEMBER),
    DemoAccount("citizen_1", "09120000007", "سارا کرمی", Role.CITIZEN,
                "Citizen", district=2, sex="female", birth_year=1995),
    DemoAccount("citizen_2", "09120000008", "رضا جلیلیان", Role.CITIZEN,
                "Citizen", district=5, sex="male", birth_year=1978),
    DemoAccount("citizen_3", "09120000009", "فاطمه زنگنه", Role.CITIZEN,
                "Citizen", district=7, sex="female", birth_year=1961),
    DemoAccount("national_commission", "09120000010", "محمدرضا شریفی", Role.NATIONAL_COMMISSION_OFFICER,
                "Officer of Iran's national commission for UNESCO", country=DEMO_COUNTRY),
    DemoAccount("jury", "09120000011", "لیلا حسینی", Role.JURY_REVIEWER,
                "Jury reviewer of GNLC applications"),
    DemoAccount("network", "09120000012", "پرویز کلهر", Role.NETWORK_COORDINATOR, "GNLC network coordinator"),
)

# Public contact points, named by their office only: no invented people and no invented numbers.
DEMO_CONTACTS: dict[str, tuple[tuple[str, str], ...]] = {
    "razi-university": (
        ("مدیریت آموزش‌های آزاد و کوتاه‌مدت", "پاسخ‌گویی دربارهٔ دوره‌های آزاد شهروندی"),
        ("روابط عمومی دانشگاه رازی", "اطلاع‌رسانی رویدادهای ترویج علم"),
    ),
    "kermanshah-municipality-cultural-social-sports-organization": (
        ("دبیرخانهٔ شهر یادگیرنده", "هماهنگی شریکان و کارگروه‌های شهر یادگیرنده"),
    ),
    "kermanshah-central-public-library": (
        ("میز امانت و عضویت", "عضویت و برنامه‌های کتاب‌خوانی"),
    ),
    "kermanshah-tvto-womens-training-centre": (
        ("واحد ثبت‌نام و مشاوره", "ثبت‌نام دوره‌های مهارتی بانوان"),
    ),
    "bisotun-foreign-languages-institute": (
        ("دفتر آموزشگاه", "تعیین سطح و ثبت‌نام"),
    ),
    "red-crescent-kermanshah": (
        ("معاونت آموزش و پژوهش", "دوره‌های کمک‌های اولیه برای شهروندان"),
    ),
}


@dataclass
class DemoAccountRow:
    """A demo account as printed at the end of a run."""

    account: DemoAccount
    scope: str
    created: bool


@dataclass
class DemoLoadResult:
    created: Counter = field(default_factory=Counter)
    accounts: list[DemoAccountRow] = field(default_factory=list)
    city: City | None = None
    # What the replay of the year did (enrolments, cancellations, attendance marks, completions, ratings).
    activity: Counter = field(default_factory=Counter)
    # What could not be added (a partner or every learning domain of a programme gone, ...).
    skipped: Counter = field(default_factory=Counter)
    # Text messages and emails to demo people that were counted instead of sent.
    withheld: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(self.created.values())


# --- cities and the networks' registry ----------------------------------------------------------

def load_city(result: DemoLoadResult) -> City:
    """Kermanshah, the city this platform runs for (created once, never overwritten)."""
    data = _read_json("cities", "kermanshah.json")
    city = City.objects.filter(slug=data["slug"]).first()
    if city is None:
        city = City(slug=data["slug"], hosts_platform=True, **{name: data[name] for name in CITY_FIELDS})
        city.latitude, city.longitude = _coordinate(data["latitude"]), _coordinate(data["longitude"])
        city.full_clean()
        city.save()
        result.created["city"] += 1
    return city


def load_districts(result: DemoLoadResult, city: City) -> dict[int, District]:
    """The eight municipal districts with approximate boundaries and estimated population by sex and age."""
    data = _read_json("cities", "kermanshah.json")
    shapes = {
        feature["properties"]["number"]: feature
        for feature in _read_json("cities", "kermanshah_districts.geojson")["features"]
    }
    existing = {district.number: district for district in District.objects.filter(city=city)}
    districts: dict[int, District] = {}
    for row in data["districts"]:
        district = existing.get(row["number"])
        if district is None:
            shape = shapes.get(row["number"])
            district = District(
                city=city, number=row["number"], name_fa=row["name_fa"], name_en=row["name_en"],
                description_fa=row.get("description_fa", ""), description_en=row.get("description_en", ""),
                boundary=shape["geometry"] if shape else None,
                boundary_is_approximate=shape["properties"].get("approximate", True) if shape else True,
            )
            district.full_clean()
            district.save()
            result.created["district"] += 1
        districts[district.number] = district

        present = set(
            PopulationFigure.objects.filter(district=district, year=data["population_year"])
            .values_list("sex", "age_band")
        )
        missing = [
            PopulationFigure(
                district=district, year=data["population_year"], sex=cell["sex"], age_band=cell["age_band"],
                count=cell["count"], is_estimate=row.get("population_is_estimate", True),
            )
            for cell in row["population"]
            if (cell["sex"], cell["age_band"]) not in present
        ]
        if missing:
            PopulationFigure.objects.bulk_create(missing)
            result.created["population_figure"] += len(missing)
    return districts


def membership_day(network: str, year: int) -> tuple[dt.date, bool]:
    """The day a membership began, and whether only its year is known."""
    known = KNOWN_MEMBERSHIP_DAYS.get((network, year))
    return (known, False) if known else (dt.date(year, 1, 1), True)


def load_registry(result: DemoLoadResult) -> None:
    """The Iranian cities of UNESCO's learning- and creative-city networks, with dated memberships."""
    data = _read_json("cities", "network_registry.json")
    for row in data["cities"]:
        city = City.objects.filter(slug=row["slug"]).first()
        if city is None:
            city = City(slug=row["slug"], hosts_platform=False,
                        **{name: row[name] for name in REGISTRY_CITY_FIELDS})
            city.latitude = _coordinate(row.get("latitude"))
            city.longitude = _coordinate(row.get("longitude"))
            city.full_clean()
            city.save()
            result.created["registry_city"] += 1
        for item in row["memberships"]:
            since, day_unknown = membership_day(item["network"], item["since"])
            if NetworkMembership.objects.filter(city=city, network=item["network"], since=since).exists():
                continue
            membership = NetworkMembership(
                city=city, network=item["network"], field=item.get("field") or "",
                state=item.get("state") or "active", since=since,
                year_unverified=bool(item.get("year_unverified")),
                since_precision=DatePrecision.YEAR if day_unknown else DatePrecision.DAY,
            )
            membership.full_clean()
            membership.save()
            result.created["network_membership"] += 1


# --- the learning-domain taxonomy -----------------------------------------------------------------

def load_domains(result: DemoLoadResult, city: City) -> None:
    """The city's learning domains and their sub-domains, in the order of the data file."""
    existing = {domain.slug: domain for domain in LearningDomain.objects.filter(city=city)}

    def add(items: list[dict], parent: LearningDomain | None) -> None:
        for position, item in enumerate(items, start=1):
            domain = existing.get(item["slug"])
            if domain is None:
                domain = domain_create(
                    city=city, actor=None, slug=item["slug"], parent=parent, position=position,
                    name_fa=item["name_fa"], name_en=item["name_en"],
                    description_fa=item.get("description_fa", ""),
                    description_en=item.get("description_en", ""),
                )
                existing[domain.slug] = domain
                result.created["learning_domain"] += 1
            add(item.get("children") or [], domain)

    add(_read_json("catalogue", "learning_domains.json")["domains"], None)


# --- partner institutions -------------------------------------------------------------------------

def load_partners(
    result: DemoLoadResult, city: City, districts: dict[int, District]
) -> dict[str, Institution]:
    """The partner institutions of Kermanshah's learning-city network, added as the secretariat would."""
    existing = {institution.slug: institution for institution in Institution.objects.filter(city=city)}
    for row in _read_json("institutions", "kermanshah_partners.json")["partners"]:
        if row["slug"] in existing:
            continue
        existing[row["slug"]] = institution_create(
            city=city, actor=None, slug=row["slug"], accreditation=row["accreditation"],
            district=districts.get(row.get("district")),
            latitude=_coordinate(row.get("latitude")), longitude=_coordinate(row.get("longitude")),
            **{name: row.get(name) or "" for name in PARTNER_FIELDS},
        )
        result.created["institution"] += 1
    return existing


def load_contacts(result: DemoLoadResult, partners: dict[str, Institution]) -> None:
    """A few public contact points at partners: offices and their role, no personal numbers."""
    for slug, contacts in DEMO_CONTACTS.items():
        institution = partners.get(slug)
        if institution is None:
            continue
        present = set(institution.contacts.values_list("name", flat=True))
        for position, (name, title) in enumerate(contacts, start=1):
            if name in present:
                continue
            contact_add(institution=institution, actor=None, name=name, title=title, is_public=True,
                        position=position)
            result.created["institution_contact"] += 1


# --- demo accounts --------------------------------------------------------------------------------

def _account_institution(account: DemoAccount, partners: dict[str, Institution]) -> Institution:
    institution = partners.get(account.institution_slug)
    if institution is None:
        # The named partner is gone: use the first of the same type, so every role stays demonstrable.
        by_age = sorted(partners.values(), key=lambda partner: partner.pk)
        institution = next(partner for partner in by_age if partner.type == account.institution_type)
    return institution


def load_accounts(
    result: DemoLoadResult, city: City, districts: dict[int, District], partners: dict[str, Institution]
) -> None:
    """The demo people, one per role; an existing account keeps its password and details."""
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(mobile=account.mobile).first()
        created = user is None
        if created:
            user = user_register(
                name=account.name, mobile=account.mobile, password=DEMO_PASSWORD, city=city,
                district=districts.get(account.district) if account.district else None,
                birth_year=account.birth_year, sex=account.sex,
            )
            result.created["user"] += 1
        scope = city.name_en
        if account.superuser and not (user.is_superuser and user.is_staff):
            before = snapshot(user)
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
            audit_updated(actor=None, obj=user, before=before, action="user.superuser", city=city,
                          label="demo")
            result.created["superuser"] += 1
        if account.city_role:
            role_grant(user=user, role=account.city_role, city=city, actor=None)
        if account.country:
            role_grant(user=user, role=account.role, country=account.country, actor=None)
            scope = account.country
        if account.role in (Role.JURY_REVIEWER, Role.NETWORK_COORDINATOR):
            role_grant(user=user, role=account.role, actor=None)
            scope = "GNLC"
        if account.staff_role:
            institution = _account_institution(account, partners)
            # staff_add would also change an existing member's role: leave people the city re-assigned alone.
            if not institution.staff.filter(user=user).exists():
                staff_add(institution=institution, user=user, role=account.staff_role, actor=None)
            scope = institution.name_en
        result.accounts.append(DemoAccountRow(account=account, scope=scope, created=created))


# --- the whole demo -------------------------------------------------------------------------------

def _approver(city: City) -> User | None:
    """The demo secretariat officer publishes the programmes (the system does, if she is gone)."""
    account = next(account for account in DEMO_ACCOUNTS if account.key == "secretariat")
    user = User.objects.filter(mobile=account.mobile, is_active=True).first()
    return user if user is not None and can_approve_programmes(user, city) else None


def load_demo(*, today: dt.date | None = None, programmes: bool = True, activity: bool = True) -> DemoLoadResult:
    """Load (or top up) the demo in one transaction; a second run, on any day, changes nothing.

    `today` (default: today in Tehran) is the day the programmes' dates count from and the end of the
    replayed year. `programmes=False` stops after the accounts; `activity=False` adds programmes and
    offerings without replaying the year in them (quick, for tests: the year is only ever replayed in
    the offerings a run adds, so a later full run does not add it to these).
    """
    result = DemoLoadResult()
    started = time.perf_counter()
    with messages_withheld() as withheld, DemoClock().running() as clock, transaction.atomic():
        city = load_city(result)
        result.city = city
        districts = load_districts(result, city)
        load_registry(result)
        load_domains(result, city)
        partners = load_partners(result, city, districts)
        load_contacts(result, partners)
        unaudited = {
            key: count for key, count in result.created.items()
            if key in {"city", "district", "population_figure", "registry_city", "network_membership",
                       "institution_contact"} and count
        }
        if unaudited:
            audit_record(actor=None, label="demo", action="demo.load", city=city,
                         changes={"created": unaudited})
        load_accounts(result, city, districts, partners)
        if programmes:
            today = today or timezone.localdate()
            added = load_programmes(
                result, city=city, districts=districts, partners=partners, today=today, clock=clock,
                rows=_read_json("demo", DATA_FILE)["programmes"], approver=_approver(city),
            )
            if activity:
                replay_year(result, city=city, offerings=added, today=today, clock=clock, accounts=DEMO_ACCOUNTS)
            load_workgroups(result, city=city, partners=partners, today=today, clock=clock, accounts=DEMO_ACCOUNTS)
    result.withheld = Counter(withheld)
    result.seconds = time.perf_counter() - started
    return result
