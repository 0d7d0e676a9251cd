"""A working group with people in every seat, a past meeting and a decision: the stage for the task tests.

Test modules build it with `build_world(city)` from their own `world` fixture.
"""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from learningcity.core.permissions import Role
from learningcity.factories import (
    CitizenFactory,
    DecisionFactory,
    GroupMemberFactory,
    InstitutionFactory,
    MeetingFactory,
    RoleAssignmentFactory,
    StaffMembershipFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import GroupRole, MeetingStatus, Visibility


def meeting_day() -> dt.date:
    """The meeting was ten days ago, so its tasks can be both due and overdue today."""
    return timezone.localdate() - dt.timedelta(days=10)


def build_world(city, *, visibility: str = Visibility.MEMBERS) -> SimpleNamespace:
    w = SimpleNamespace(city=city)
    w.group = WorkingGroupFactory(city=city, slug="media-literacy", name_fa="کارگروه سواد رسانه‌ای",
                                  name_en="Media literacy group", visibility=visibility)
    w.other_group = WorkingGroupFactory(city=city, slug="health", name_fa="کارگروه سلامت", name_en="Health group")
    w.institution = InstitutionFactory(city=city, name_fa="دانشگاه رازی", name_en="Razi University")
    w.other_institution = InstitutionFactory(city=city, name_fa="آموزش و پرورش", name_en="Education department")

    def seat(role, name, institution=None, group=None, **user):
        person = CitizenFactory(city=city, name=name, **user)
        GroupMemberFactory(group=group or w.group, user=person, role=role, institution=institution)
        return person

    w.chair = seat(GroupRole.CHAIR, "مریم رئیسی", w.institution)
    w.secretary = seat(GroupRole.SECRETARY, "علی دبیری", email="ali@example.org")
    w.member = seat(GroupRole.MEMBER, "سارا عضوی", email="sara@example.org")
    w.representative = seat(GroupRole.MEMBER, "رضا نماینده", w.other_institution)
    w.observer = seat(GroupRole.OBSERVER, "ناظر ناظری")
    w.outsider = CitizenFactory(city=city, name="شهروند بیرونی")
    w.staff = CitizenFactory(city=city, name="کارمند آموزش و پرورش")
    StaffMembershipFactory(institution=w.other_institution, user=w.staff, role=Role.INSTITUTION_EDITOR)
    w.secretariat = CitizenFactory(city=city, name="دبیرخانه")
    RoleAssignmentFactory(user=w.secretariat, role=Role.SECRETARIAT, city=city)
    starts = timezone.make_aware(dt.datetime.combine(meeting_day(), dt.time(10, 0)))
    w.meeting = MeetingFactory(group=w.group, starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                               status=MeetingStatus.HELD, title_fa="نشست اول", title_en="First meeting")
    w.decision = DecisionFactory(meeting=w.meeting, group=w.group, year=1405, number=3,
                                 text="برگزاری دوره‌های سواد رسانه‌ای برای خانواده‌ها در همهٔ مناطق")
    return w
