"""factory_boy factories shared by every app's tests."""

import datetime as _dt
import itertools
from decimal import Decimal

import factory
from django.utils import timezone as _tz
from django.utils.text import slugify

from learningcity.accounts.models import CitizenProfile, RoleAssignment, User
from learningcity.catalogue.models import LearningDomain, Offering, Programme, ProgrammeStatus, Session, Venue
from learningcity.cities.models import City, District, PopulationFigure
from learningcity.core.permissions import Role
from learningcity.enrolment.models import Enrolment, EnrolmentStatus
from learningcity.institutions.models import Accreditation, Institution, InstitutionType, StaffMembership
from learningcity.workgroups.models import (
    ActionPlan,
    Decision,
    GroupMember,
    GroupRole,
    Meeting,
    Objective,
    PlanResult,
    PlanStatus,
    Task,
    WorkingGroup,
)

_mobiles = itertools.count(100000000)


def next_mobile() -> str:
    return f"09{next(_mobiles) % 1_000_000_000:09d}"


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"city-{n}")
    name_fa = factory.Sequence(lambda n: f"شهر {n}")
    name_en = factory.Sequence(lambda n: f"City {n}")
    country = "IR"
    hosts_platform = True
    slogan_fa = "یادگیری برای همه و برای همیشه"
    slogan_en = "Learning for all, for ever"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    number = factory.Sequence(lambda n: n % 30000 + 1)
    name_fa = factory.LazyAttribute(lambda o: f"منطقه {o.number}")
    name_en = factory.LazyAttribute(lambda o: f"District {o.number}")


class PopulationFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PopulationFigure

    district = factory.SubFactory(DistrictFactory)
    year = 1405
    sex = "female"
    age_band = "25-34"
    count = 1000


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    mobile = factory.LazyFunction(next_mobile)
    name = factory.Sequence(lambda n: f"شهروند {n}")
    password = factory.PostGenerationMethodCall("set_password", "a-Strong-pass-2026")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CitizenFactory(UserFactory):
    """A user with a citizen profile and the citizen role in a city."""

    @factory.post_generation
    def city(obj, create, extracted, **kwargs):
        if not create:
            return
        city = extracted or CityFactory(slug="kermanshah")
        CitizenProfile.objects.create(user=obj, city=city)
        RoleAssignment.objects.create(user=obj, role=Role.CITIZEN, city=city)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.SECRETARIAT
    city = factory.SubFactory(CityFactory)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    city = factory.SubFactory(CityFactory)
    slug = factory.LazyAttribute(lambda o: slugify(o.name_en))
    type = InstitutionType.NGO
    name_fa = factory.Sequence(lambda n: f"مؤسسه یادگیری {n}")
    name_en = factory.Sequence(lambda n: f"Learning institute {n}")
    description_fa = "آموزش مهارت‌های زندگی برای همه"
    description_en = "Life skills for everyone"
    accreditation = Accreditation.ACCREDITED
    latitude = Decimal("34.314200")
    longitude = Decimal("47.065000")
    search_key = factory.LazyAttribute(
        lambda o: __import__("learningcity.core.text", fromlist=["x"]).normalise_for_search(
            " ".join([o.name_fa, o.name_en, o.description_fa, o.description_en])
        )
    )


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    institution = factory.SubFactory(InstitutionFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.INSTITUTION_ADMIN


class LearningDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningDomain

    city = factory.SubFactory(CityFactory)
    slug = factory.Sequence(lambda n: f"domain-{n}")
    name_fa = factory.Sequence(lambda n: f"حوزه {n}")
    name_en = factory.Sequence(lambda n: f"Domain {n}")


# --- catalogue, enrolment, records -------------------------------------------------------------


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    city = factory.SubFactory(CityFactory)
    name_fa = factory.Sequence(lambda n: f"سالن {n}")
    name_en = factory.Sequence(lambda n: f"Hall {n}")
    latitude = Decimal("34.320000")
    longitude = Decimal("47.070000")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """A published programme of an accredited institution (pass status=... for other states)."""

    class Meta:
        model = Programme
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    city = factory.LazyAttribute(lambda o: o.institution.city)
    title_fa = factory.Sequence(lambda n: f"دوره سواد رسانه‌ای {n}")
    title_en = factory.Sequence(lambda n: f"Media literacy course {n}")
    description_fa = "آشنایی با خبر، شایعه و راستی‌آزمایی"
    description_en = "News, rumours and fact-checking"
    hours = Decimal("12.0")
    status = ProgrammeStatus.PUBLISHED
    published_at = factory.LazyFunction(_tz.now)
    search_key = factory.LazyAttribute(
        lambda o: __import__("learningcity.core.text", fromlist=["x"]).normalise_for_search(
            " ".join([o.title_fa, o.title_en, o.description_fa, o.description_en])
        )
    )

    @factory.post_generation
    def domains(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.domains.set(extracted)


class OfferingFactory(factory.django.DjangoModelFactory):
    """An offering open for enrolment now, starting in a week, with three weekly sessions."""

    class Meta:
        model = Offering
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    city = factory.LazyAttribute(lambda o: o.programme.city)
    capacity = 10
    enrolment_opens_at = factory.LazyFunction(lambda: _tz.now() - _dt.timedelta(days=1))
    enrolment_closes_at = factory.LazyFunction(lambda: _tz.now() + _dt.timedelta(days=6))
    starts_on = factory.LazyFunction(lambda: _tz.localdate() + _dt.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: _tz.localdate() + _dt.timedelta(days=21))

    @factory.post_generation
    def sessions(obj, create, extracted, **kwargs):
        if not create:
            return
        count = 3 if extracted is None else extracted
        first = _tz.make_aware(_dt.datetime.combine(obj.starts_on, _dt.time(17, 0)))
        for week in range(count):
            start = first + _dt.timedelta(weeks=week)
            Session.objects.create(offering=obj, starts_at=start, ends_at=start + _dt.timedelta(hours=2))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    offering = factory.SubFactory(OfferingFactory)
    citizen = factory.SubFactory(UserFactory)
    status = EnrolmentStatus.CONFIRMED
    confirmed_at = factory.LazyFunction(_tz.now)


# --- Working groups and the action plan ---------------------------------------------------------


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    city = factory.SubFactory(CityFactory)
    slug = factory.Sequence(lambda n: f"group-{n}")
    name_fa = factory.Sequence(lambda n: f"کارگروه سواد و مهارت‌های پایه {n}")
    name_en = factory.Sequence(lambda n: f"Literacy and basic skills group {n}")
    mandate_fa = "هماهنگی برنامه‌های سوادآموزی شهر"
    mandate_en = "Coordinate the city's literacy programmes"
    key_features = factory.LazyFunction(lambda: ["2.1"])


class GroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMember

    group = factory.SubFactory(WorkingGroupFactory)
    user = factory.SubFactory(UserFactory)
    role = GroupRole.MEMBER
    joined_on = factory.LazyFunction(_tz.localdate)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    group = factory.SubFactory(WorkingGroupFactory)
    title_fa = factory.Sequence(lambda n: f"نشست {n}")
    title_en = factory.Sequence(lambda n: f"Meeting {n}")
    starts_at = factory.LazyFunction(lambda: _tz.now() + _dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + _dt.timedelta(hours=2))
    place_fa = "تالار شهرداری"


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    group = factory.LazyAttribute(lambda o: o.meeting.group)
    year = 1405
    number = factory.Sequence(lambda n: n + 1)
    text = "برگزاری دوره‌های سواد رسانه‌ای در همهٔ مناطق"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    group = factory.SubFactory(WorkingGroupFactory)
    title = factory.Sequence(lambda n: f"کار {n}")
    owner_user = factory.SubFactory(UserFactory)
    deadline = factory.LazyFunction(lambda: _tz.localdate() + _dt.timedelta(days=14))


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    city = factory.SubFactory(CityFactory)
    year = 1405
    title_fa = "برنامهٔ عمل شهر یادگیرنده ۱۴۰۵"
    title_en = "Learning-city action plan 1405"
    status = PlanStatus.PUBLISHED


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(ActionPlanFactory)
    area = "2.2"
    code = factory.Sequence(lambda n: f"O2.2-{n}")
    title_fa = "گسترش یادگیری در خانواده‌ها"
    title_en = "More learning in families"


class PlanResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanResult

    objective = factory.SubFactory(ObjectiveFactory)
    code = factory.Sequence(lambda n: f"R{n}")
    title_fa = "۲۰۰۰ خانواده در دوره‌های سواد رسانه‌ای"
    title_en = "2,000 families in media-literacy courses"
    target_value = Decimal("2000")
