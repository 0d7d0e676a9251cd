"""A year of learning in the demo city, replayed through the services.

Four hundred synthetic learners (seed 0 of `learningcity generate`, so their districts, sexes and ages
follow the city's population table; they cannot log in) and the three named demo citizens take part in
the offerings the demo adds. For each offering, in the order their enrolment windows opened, the demo
clock (`clock.py`) steps through what would have happened:

- people ask for places while the window is open (`enrolment_request`: the same lock, window check and
  seat count as on the web), learners whose age fits the programme's life stages, more often from the
  venue's district; popular offerings fill up and keep a waitlist, others keep seats free;
- a few people cancel, and the freed seat goes to the next person waiting by the offering's policy
  (confirmed at once, or offered for some hours);
- after each session that has taken place the provider takes attendance (most learners come to most
  sessions; a few drop out);
- a week after the last session the provider decides completions (attendance rule or assessment):
  learning records and certificates for those who completed, "not completed" for the others; offerings
  that ended within the last week still wait for that decision, as they would;
- most learners who completed rate the programme, so ratings show from five up.

The per-person cap (`ENROLMENT_CAP`) is raised for the synthetic learners only, who have a whole year of
history behind them; the named citizens enrol under the city's cap. Nothing happens after the start of
today, so everything but the certificates' random verification codes is the same for the same day, and
offers of seats made "an hour ago" are still open to accept.

Everything happens only for offerings the run itself added, so loading the demo again replays nothing.
"""

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from learningcity.accounts.models import CitizenProfile, User
from learningcity.catalogue.models import CompletionRule, Offering, ProgrammeStatus, Session, WaitlistPolicy
from learningcity.cities.models import City
from learningcity.core.errors import DomainError
from learningcity.core.models import AuditEntry
from learningcity.enrolment.models import Attendance, Enrolment, EnrolmentStatus
from learningcity.enrolment.permissions import may_record_attendance
from learningcity.enrolment.services import attendance_record_many, enrolment_cancel, enrolment_request
from learningcity.institutions.models import StaffMembership
from learningcity.records.models import LearningRecord
from learningcity.records.permissions import can_decide_completion
from learningcity.records.services import enrolment_complete, feedback_give

from .clock import DemoClock
from .programmes import NewOffering
from .synthetic import generate_citizens, mobile_for

DEMO_LEARNER_SEED = 0
DEMO_LEARNERS = 400
# High enough never to refuse a synthetic learner with a year of history; the named citizens keep the city's cap.
SYNTHETIC_LEARNER_CAP = 10_000
# Each named demo citizen shows every state on "My learning": completed learning with a certificate (and a
# rating), a confirmed seat, a place on a waitlist and a seat on offer. That is three active places: the
# cap of 3, so trying to enrol once more shows the cap's message.
NAMED_CITIZENS = ("citizen_1", "citizen_2", "citizen_3")
# Each named citizen has completed learning and one current place, so together they show every state on
# "My learning" and each can still enrol in more during a demo (the cap is 3 active places).
NAMED_STATES = (("completed", "confirmed"), ("completed", "waitlisted"), ("completed", "offered"))
DECIDED_AFTER = dt.timedelta(days=7)
WAITLIST_POSITION = 3  # where a named citizen waits
# (life stage, youngest, oldest): who a programme's life stages are for, by age in years.
LIFE_STAGE_AGES = {
    "children": (4, 12), "teenagers": (12, 18), "youth": (18, 30), "adults": (25, 64), "seniors": (60, 120),
}
NO_LIFE_STAGE_AGES = (15, 120)
COMMENTS = (
    "مدرس با حوصله و مسلط بود و به پرسش‌ها خوب پاسخ داد.",
    "مطالب کاربردی بود و تمرین‌های عملی خیلی کمک کرد.",
    "کاش تعداد جلسه‌ها بیشتر بود.",
    "برای کارم مفید بود؛ به دوستانم هم پیشنهاد می‌کنم.",
    "ساعت جلسه‌ها برای شاغلان کمی سخت بود.",
    "محیط کلاس مناسب و دسترسی به آن آسان بود.",
)


@dataclass(frozen=True)
class Learner:
    user: User
    district_id: int | None
    age: int | None
    named: bool = False


@dataclass
class Plan:
    """What happens in one offering: who comes, in which order, who cancels."""

    item: NewOffering
    rng: random.Random
    window_end: dt.datetime
    held: list  # sessions that took place before today
    decide: bool  # ended a week ago or more: completions are decided
    stages: list[str]  # the programme's life stages
    candidates: list[Learner]
    demand: int = 0
    cancellations: int = 0
    cancel_at: dt.datetime | None = None
    named: dict[int, tuple[Learner, str]] = field(default_factory=dict)  # arrival index -> (citizen, state)

    @property
    def offering(self):
        return self.item.offering

    @property
    def capacity(self) -> int:
        return self.item.offering.capacity

    @property
    def window_open(self) -> bool:
        """Enrolment is still open today (the window opened before today and closes after it began)."""
        return self.window_end < self.item.offering.enrolment_closes_at


def _fits(learner: Learner, stages: list[str]) -> bool:
    if learner.age is None:
        return not stages
    ranges = [LIFE_STAGE_AGES[s] for s in stages if s in LIFE_STAGE_AGES] or [NO_LIFE_STAGE_AGES]
    return any(low <= learner.age <= high for low, high in ranges)


def _learners(city: City, today: dt.date, clock: DemoClock, start: dt.datetime, result) -> list[Learner]:
    """The synthetic demo learners (added the first time, dated before the year's first enrolment)."""
    with clock.at(start):
        generated = generate_citizens(city=city, count=DEMO_LEARNERS, seed=DEMO_LEARNER_SEED)
    if generated.created:
        result.created["demo_learner"] += generated.created
    profiles = (
        CitizenProfile.objects.filter(
            city=city, user__mobile__gte=mobile_for(DEMO_LEARNER_SEED, 0),
            user__mobile__lte=mobile_for(DEMO_LEARNER_SEED, DEMO_LEARNERS - 1), user__is_active=True,
        )
        .select_related("user").order_by("user__mobile")
    )
    return [
        Learner(user=p.user, district_id=p.district_id, age=today.year - p.birth_year if p.birth_year else None)
        for p in profiles
    ]


def _named(city: City, today: dt.date, accounts) -> list[Learner]:
    """The named demo citizens who have never enrolled (so a second run leaves them alone)."""
    mobiles = [account.mobile for account in accounts if account.key in NAMED_CITIZENS]
    people = []
    for mobile in mobiles:
        profile = CitizenProfile.objects.filter(user__mobile=mobile, city=city).select_related("user").first()
        if profile is None or not profile.user.is_active or Enrolment.objects.filter(citizen=profile.user).exists():
            continue
        age = today.year - profile.birth_year if profile.birth_year else None
        people.append(Learner(user=profile.user, district_id=profile.district_id, age=age, named=True))
    return people


def _plan(item: NewOffering, present: dt.datetime, learners: list[Learner]) -> Plan | None:
    offering = item.offering
    if item.programme.status != ProgrammeStatus.PUBLISHED or offering.enrolment_opens_at >= present:
        return None
    rng = random.Random(item.key)  # noqa: S311 - demo data, not secrets
    held = [session for session in item.sessions if session.ends_at <= present]
    last_end = item.sessions[-1].ends_at
    stages = [audience.code for audience in item.programme.life_stages.all()]
    return Plan(
        item=item, rng=rng, window_end=min(offering.enrolment_closes_at, present), held=held,
        decide=last_end <= present - DECIDED_AFTER, stages=stages,
        candidates=[learner for learner in learners if _fits(learner, stages)],
    )


def _size(plan: Plan, present: dt.datetime) -> None:
    """How many people come and how many cancel, by how popular the offering turns out to be."""
    rng, capacity = plan.rng, plan.capacity
    popular = rng.random()
    if plan.window_open:
        if popular < 0.4:
            plan.demand = capacity + rng.randint(3, 10)
            if rng.random() < 0.25:
                plan.cancellations, plan.cancel_at = 1, present - dt.timedelta(hours=2)
        else:
            plan.demand = max(1, round(capacity * rng.uniform(0.15, 0.65)))
    else:
        if popular < 0.2 and plan.offering.waitlist_policy == WaitlistPolicy.AUTO_CONFIRM:
            # Full, two people cancel before the start, and the first two waiting get their seats.
            plan.demand, plan.cancellations = capacity + 2, 2
        else:
            # Small groups fill up more than big lecture halls do.
            low, high = (0.5, 0.95) if capacity <= 25 else (0.3, 0.7)
            plan.demand = max(1, round(capacity * rng.uniform(low, high)))


def _assign_named(plans: list[Plan], named: list[Learner], present: dt.datetime, result) -> None:
    """Give each named citizen one offering per state, each offering to at most one of them."""
    taken: set[int] = set()
    for index, person in enumerate(named):
        for state in NAMED_STATES[index % len(NAMED_STATES)]:
            def eligible(plan: Plan, person=person, state=state) -> bool:
                offering = plan.offering
                if offering.pk in taken:
                    return False
                if state == "completed":
                    return (plan.decide and offering.completion_rule == CompletionRule.ATTENDANCE
                            and plan.capacity >= 8)
                if not plan.window_open or offering.enrolment_closes_at < present + dt.timedelta(days=2):
                    return False
                if state == "confirmed":
                    return plan.demand < plan.capacity - 1 and plan.cancellations == 0
                busy = len(plan.candidates) >= plan.capacity + WAITLIST_POSITION + 2
                policy = WaitlistPolicy.OFFER if state == "offered" else WaitlistPolicy.AUTO_CONFIRM
                return busy and offering.waitlist_policy == policy

            fitting = [plan for plan in plans if eligible(plan) and _fits(person, plan.stages)]
            choices = fitting or [plan for plan in plans if eligible(plan)]
            if not choices:
                result.skipped[f"named_{state}"] += 1
                continue
            rng = random.Random(f"{person.user.mobile}|{state}")  # noqa: S311 - demo data
            plan = rng.choice(sorted(choices, key=lambda p: p.item.key))
            taken.add(plan.offering.pk)
            capacity = plan.capacity
            if state == "completed":
                plan.named[rng.randrange(min(5, capacity - 2))] = (person, state)
            elif state == "confirmed":
                plan.named[rng.randrange(3)] = (person, state)
            elif state == "waitlisted":
                plan.demand = max(plan.demand, capacity + WAITLIST_POSITION + 1)
                plan.named[capacity + WAITLIST_POSITION - 1] = (person, state)
            else:
                plan.demand = max(plan.demand, capacity + 3)
                plan.cancellations, plan.cancel_at = 1, present - dt.timedelta(hours=1)
                plan.named[capacity] = (person, state)


def _arrivals(plan: Plan, load: Counter) -> list[Learner]:
    """Who asks for a place, in order: learners drawn by district and by how busy they already are."""
    rng = plan.rng
    venue = plan.offering.venue
    district_id = venue.district_id if venue is not None else None
    wanted = min(plan.demand, len(plan.candidates) + len(plan.named))
    drawn = sorted(
        plan.candidates,
        key=lambda learner: rng.random() ** (
            (1 + load[learner.user.pk]) / (3.0 if district_id and learner.district_id == district_id else 1.0)
        ),
        reverse=True,
    )[: max(wanted - len(plan.named), 0)]
    order: list[Learner] = list(drawn)
    for index in sorted(plan.named):
        order.insert(min(index, len(order)), plan.named[index][0])
    return order


class Replay:
    """Steps one offering after another through the year, through the services."""

    def __init__(self, *, clock: DemoClock, present: dt.datetime, result, recorders: dict[int, User | None]):
        self.clock = clock
        self.present = present
        self.result = result
        self.recorders = recorders
        self.city_cap = settings.ENROLMENT_CAP
        self.load: Counter = Counter()

    def _request(self, plan: Plan, learner: Learner, at: dt.datetime) -> Enrolment | None:
        with self.clock.at(at):
            try:
                if learner.named:
                    with override_settings(ENROLMENT_CAP=self.city_cap):
                        enrolment, _created = enrolment_request(offering=plan.offering, citizen=learner.user,
                                                                acting_user=learner.user)
                else:
                    enrolment, _created = enrolment_request(offering=plan.offering, citizen=learner.user,
                                                            acting_user=learner.user)
            except DomainError:
                self.result.skipped["enrolment"] += 1
                return None
        self.load[learner.user.pk] += 1
        self.result.activity["enrolment"] += 1
        return enrolment

    def enrol(self, plan: Plan) -> list[Enrolment]:
        offering = plan.offering
        arrivals = _arrivals(plan, self.load)
        span = (plan.window_end - offering.enrolment_opens_at) * 0.8
        enrolments = []
        for number, learner in enumerate(arrivals):
            at = offering.enrolment_opens_at + span * (number + 1) / (len(arrivals) + 1)
            enrolment = self._request(plan, learner, at.replace(microsecond=0))
            if enrolment is not None:
                enrolments.append(enrolment)
        if plan.cancellations:
            named_ids = {person.user.pk for person, _state in plan.named.values()}
            seated = [e for e in enrolments if e.status == EnrolmentStatus.CONFIRMED and e.citizen_id not in named_ids]
            leaving = plan.rng.sample(seated, min(plan.cancellations, len(seated)))
            at = plan.cancel_at or offering.enrolment_opens_at + span * 1.1
            for enrolment in leaving:
                with self.clock.at(at.replace(microsecond=0)):
                    enrolment_cancel(enrolment=enrolment, acting_user=enrolment.citizen)
                self.result.activity["cancellation"] += 1
        return enrolments

    def attend(self, plan: Plan, enrolments: list[Enrolment]) -> None:
        """Attendance after each session held: most come to most sessions, a few drop out."""
        recorder = self.recorders.get(plan.item.programme.institution_id)
        if not plan.held or recorder is None or not may_record_attendance(recorder, plan.offering):
            return
        seated = list(
            Enrolment.objects.filter(offering=plan.offering, status=EnrolmentStatus.CONFIRMED).order_by("pk")
        )
        named = {person.user.pk for person, _state in plan.named.values()}
        keen = {e.pk: (1.0 if e.citizen_id in named else 0.93 if plan.rng.random() < 0.85 else 0.4) for e in seated}
        for session in plan.held:
            marks = {e.pk: plan.rng.random() < keen[e.pk] for e in seated}
            with self.clock.at(session.ends_at + dt.timedelta(minutes=10)):
                attendance_record_many(session=session, marks=marks, acting_user=recorder)
            self.result.activity["attendance"] += len(marks)

    def complete(self, plan: Plan) -> None:
        """A week after the last session: completions, certificates, and the learners' ratings."""
        offering = plan.offering
        recorder = self.recorders.get(plan.item.programme.institution_id)
        if not plan.decide or recorder is None or not can_decide_completion(recorder, offering):
            return
        rng = plan.rng
        decided_at = (plan.item.sessions[-1].ends_at + dt.timedelta(days=2)).replace(microsecond=0)
        total = len(plan.item.sessions)
        named = {person.user.pk for person, _state in plan.named.values()}
        quality = 3.5 + 1.3 * random.Random(plan.item.key.rsplit("|", 1)[0]).random()  # noqa: S311 - demo data
        seated = (
            Enrolment.objects.filter(offering=offering, status=EnrolmentStatus.CONFIRMED)
            .select_related("citizen").order_by("pk")
        )
        for enrolment in seated:
            passed = None
            if offering.completion_rule == CompletionRule.ASSESSMENT:
                attended = enrolment.attendance.filter(present=True).count()
                passed = attended * 100 >= offering.attendance_percent * total and (
                    enrolment.citizen_id in named or rng.random() < 0.9
                )
            with self.clock.at(decided_at):
                record = enrolment_complete(enrolment=enrolment, actor=recorder, passed=passed)
            if record is None:
                self.result.activity["not_completed"] += 1
                continue
            self.result.activity["completed"] += 1
            if enrolment.citizen_id not in named and rng.random() >= 0.6:
                continue
            rating = 5 if enrolment.citizen_id in named else min(5, max(1, round(rng.gauss(quality, 0.9))))
            answer = "yes" if rating >= 4 else "partly" if rating == 3 else rng.choice(("partly", "no"))
            comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
            at = min(decided_at + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 12)), self.present)
            with self.clock.at(at):
                feedback_give(enrolment=enrolment, citizen=enrolment.citizen, rating=rating,
                              learnt_what_expected=answer, will_use=answer if rng.random() < 0.7 else "partly",
                              comment=comment)
            self.result.activity["rating"] += 1


def _recorders(city: City, accounts, offerings: list[NewOffering]) -> dict[int, User | None]:
    """Who takes attendance and decides completions for each partner: its demo staff, else the demo admin."""
    mobiles = [account.mobile for account in accounts]
    staff: dict[int, list[User]] = {}
    for membership in (
        StaffMembership.objects.filter(user__mobile__in=mobiles, user__is_active=True)
        .select_related("user").order_by("user__mobile")
    ):
        staff.setdefault(membership.institution_id, []).append(membership.user)
    admins = list(User.objects.filter(mobile__in=mobiles, is_superuser=True, is_active=True).order_by("mobile"))
    recorders: dict[int, User | None] = {}
    for item in offerings:
        institution_id = item.programme.institution_id
        if institution_id in recorders:
            continue
        choices = [*staff.get(institution_id, []), *admins]
        recorders[institution_id] = next(
            (user for user in choices if may_record_attendance(user, item.offering)
             and can_decide_completion(user, item.offering)),
            None,
        )
    return recorders


def _refresh_statistics() -> None:
    """Let PostgreSQL's planner see how big the tables the replay fills have grown.

    The whole demo is one transaction, so autovacuum never analyses these tables meanwhile and the
    planner would keep planning for empty ones (sequential scans that slow every step down).
    """
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in (Enrolment, Attendance, Offering, Session, LearningRecord, AuditEntry)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


def replay_year(
    result, *, city: City, offerings: list[NewOffering], today: dt.date, clock: DemoClock, accounts,
) -> None:
    """Enrolments, waitlists, attendance, completions and ratings in the offerings this run added."""
    present = timezone.make_aware(dt.datetime.combine(today, dt.time.min)) - dt.timedelta(minutes=1)
    live = [item for item in offerings if item.programme.status == ProgrammeStatus.PUBLISHED]
    if not live:
        return
    first_window = min(item.offering.enrolment_opens_at for item in live)
    learners = _learners(city, today, clock, min(first_window - dt.timedelta(days=1), present), result)
    plans = [plan for item in live if (plan := _plan(item, present, learners)) is not None]
    for plan in plans:
        _size(plan, present)
    _assign_named(plans, _named(city, today, accounts), present, result)
    replay = Replay(clock=clock, present=present, result=result, recorders=_recorders(city, accounts, live))
    plans.sort(key=lambda plan: (plan.offering.enrolment_opens_at, plan.item.key))
    with override_settings(ENROLMENT_CAP=SYNTHETIC_LEARNER_CAP):
        for number, plan in enumerate(plans):
            if number % 40 == 0:
                _refresh_statistics()
            enrolments = replay.enrol(plan)
            replay.attend(plan, enrolments)
            replay.complete(plan)
