"""The weekly digest: one message per person with what changed in their groups, instead of one per change."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from learningcity.core.jalali import format_date
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.factories import (
    CitizenFactory,
    DecisionFactory,
    GroupMemberFactory,
    MeetingFactory,
    TaskFactory,
)
from learningcity.workgroups.models import DigestReceipt, GroupRole, Meeting, Task, TaskStatus, TaskUpdate
from learningcity.workgroups.selectors.tasks import digests_due
from learningcity.workgroups.services.tasks import digests_send
from learningcity.workgroups.tasks import send_weekly_digests

from .test_tasks_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return build_world(city)


@pytest.fixture
def now():
    return timezone.now() + dt.timedelta(minutes=1)


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return digests_send(**kwargs)

    return run


def ago(now, **delta):
    return now - dt.timedelta(**delta)


def update(task, author, at, **fields):
    entry = TaskUpdate.objects.create(task=task, author=author, **fields)
    TaskUpdate.objects.filter(pk=entry.pk).update(at=at)
    return entry


def task(at, **fields):
    created = TaskFactory(**fields)
    Task.objects.filter(pk=created.pk).update(created_at=at)
    created.refresh_from_db()
    return created


def decision(group, at, **fields):
    made = DecisionFactory(meeting=MeetingFactory(group=group, starts_at=at - dt.timedelta(hours=3),
                                                  ends_at=at - dt.timedelta(hours=1)), group=group, **fields)
    type(made).objects.filter(pk=made.pk).update(recorded_at=at)
    return made


def quiet(world, now):
    """Everyone but the people a test is about has had their digest just before the week began... and
    nothing in the world is older than a week, so tests start from what they add."""
    Meeting.objects.filter(pk=world.meeting.pk).update(created_at=ago(now, days=30))
    type(world.decision).objects.filter(pk=world.decision.pk).update(recorded_at=ago(now, days=30))


@pytest.fixture
def week(world, now):
    """A week in two groups, seen by Sara (a member of both, with an email address)."""
    quiet(world, now)
    GroupMemberFactory(group=world.other_group, user=world.member, role=GroupRole.MEMBER)
    mine = task(ago(now, days=20), group=world.group, title="گزارش کارگاه‌ها", owner_user=world.member,
                deadline=(now + dt.timedelta(days=20)).date())
    return {
        "update": update(mine, world.secretary, ago(now, days=2), status_before=TaskStatus.NOT_STARTED,
                         status_after=TaskStatus.IN_PROGRESS, progress_before=0, progress_after=20),
        "comment": update(mine, world.chair, ago(now, days=1), comment="لطفاً فهرست مدارس را هم بفرستید"),
        "own": update(mine, world.member, ago(now, hours=30), comment="یادداشت خودم"),
        "decision": decision(world.group, ago(now, days=3), year=1405, number=7, text="تشکیل کمیته کتابخوانی",
                             recorded_by=world.secretary),
        "new_task": task(ago(now, hours=5), group=world.other_group, title="پایش سلامت مدارس",
                         owner_user=world.member, created_by=world.chair),
        "meeting": MeetingFactory(group=world.other_group, title_fa="نشست ماهانه سلامت",
                                  starts_at=now + dt.timedelta(days=3), ends_at=now + dt.timedelta(days=3, hours=2)),
        "far_meeting": MeetingFactory(group=world.other_group, title_fa="نشست دور",
                                      starts_at=now + dt.timedelta(days=12),
                                      ends_at=now + dt.timedelta(days=12, hours=2)),
        "old": update(mine, world.secretary, ago(now, days=9), comment="خبر کهنه"),
    }


def sara_email(world):
    [email] = [m for m in mail.outbox if m.to == ["sara@example.org"]]
    return email


def test_each_person_gets_one_email_grouped_by_group_newest_first(world, week, now, send):
    sent = send(now=now)

    body = sara_email(world).body
    assert sent >= 1 and len([m for m in mail.outbox if m.to == ["sara@example.org"]]) == 1
    # The health group had the newest change (a task given five hours ago), so it comes first.
    assert body.index("کارگروه سلامت") < body.index("کارگروه سواد رسانه‌ای")
    assert "پایش سلامت مدارس" in body and "نشست ماهانه سلامت" in body
    literacy = body[body.index("== کارگروه سواد رسانه‌ای"):]
    comment, change, made = (literacy.index("لطفاً فهرست مدارس را هم بفرستید"), literacy.index("علی دبیری"),
                             literacy.index("تشکیل کمیته کتابخوانی"))
    assert comment < change < made  # newest first within a group
    assert "۱۴۰۵/۷" in body and "۲۰" in body
    assert "یادداشت خودم" not in body  # nobody is told about what they did themselves
    assert "خبر کهنه" not in body and "نشست دور" not in body  # older than a week / further than a week away
    assert format_date(ago(now, days=1), language="fa") in body
    assert f"/fa/groups/health/tasks/{week['new_task'].pk}/" in body and "/fa/me/tasks/" in body
    assert world.member.mobile not in [sms.to for sms in MemorySmsBackend.outbox]  # email, so no text message


def test_the_digest_is_in_the_persons_language(world, week, now, send):
    world.member.preferred_language = "en"
    world.member.save(update_fields=["preferred_language"])
    send(now=now)
    body = sara_email(world).body
    assert "Here is what happened in your working groups" in body and "Health group" in body
    assert format_date(ago(now, days=1), language="en") in body and "/en/groups/health/" in body


def test_people_without_an_email_get_one_short_text_message(world, week, now, send):
    send(now=now)
    texts = [sms for sms in MemorySmsBackend.outbox if sms.to == world.observer.mobile]
    assert len(texts) == 1 and "/fa/me/tasks/" in texts[0].body and len(texts[0].body) < 300
    assert not any(m.to == [world.observer.email] for m in mail.outbox if world.observer.email)


def test_people_with_nothing_new_are_skipped(world, week, now, send):
    quiet_person = CitizenFactory(city=world.city, email="quiet@example.org")
    lonely = GroupMemberFactory(user=quiet_person, group__city=world.city).group  # a group where nothing happened
    send(now=now)
    assert not [m for m in mail.outbox if m.to == ["quiet@example.org"]] and lonely.pk
    assert not DigestReceipt.objects.filter(user=quiet_person).exists()
    assert not DigestReceipt.objects.filter(user=world.outsider).exists()


def test_a_receipt_is_kept_and_a_second_run_in_the_same_hour_sends_nothing(world, week, now, send):
    first = send(now=now)
    receipt = DigestReceipt.objects.get(user=world.member)
    assert receipt.sent_at == now and receipt.items == 5  # update, comment, decision, new task, meeting
    outbox = (len(mail.outbox), len(MemorySmsBackend.outbox))

    assert send(now=now + dt.timedelta(minutes=20)) == 0
    assert (len(mail.outbox), len(MemorySmsBackend.outbox)) == outbox
    assert first == DigestReceipt.objects.count()
    assert AuditEntry.objects.filter(action="workgroup.digest").count() == 1


def test_the_next_digest_covers_only_what_happened_since_the_last(world, week, now, send):
    send(now=now)
    mail.outbox.clear()
    later = now + dt.timedelta(days=7)
    update(week["new_task"], world.chair, later - dt.timedelta(days=1), comment="کار تازه شروع شد")

    send(now=later)

    body = sara_email(world).body
    assert "کار تازه شروع شد" in body
    assert "لطفاً فهرست مدارس را هم بفرستید" not in body and "تشکیل کمیته کتابخوانی" not in body


def test_overdue_tasks_are_listed_and_only_newly_late_ones_call_for_a_digest(world, now, send):
    quiet(world, now)
    late = task(ago(now, days=30), group=world.group, title="گزارش عقب‌افتاده", owner_user=world.member,
                deadline=(now - dt.timedelta(days=2)).date(), status=TaskStatus.IN_PROGRESS)
    task(ago(now, days=30), group=world.group, title="کار تمام‌شده", owner_user=world.member,
         deadline=(now - dt.timedelta(days=2)).date(), status=TaskStatus.DONE, progress=100)

    send(now=now)
    body = sara_email(world).body
    assert "گزارش عقب‌افتاده" in body and f"/tasks/{late.pk}/" in body and "کار تمام‌شده" not in body

    mail.outbox.clear()
    send(now=now + dt.timedelta(days=7))
    assert not [m for m in mail.outbox if m.to == ["sara@example.org"]]  # still late, but nothing new


def test_tasks_given_to_an_institution_reach_its_representatives(world, now, send):
    quiet(world, now)
    given = task(ago(now, days=1), group=world.group, title="کارگاه معلمان", owner_user=None,
                 owner_institution=world.other_institution, created_by=world.secretary)
    [digest] = [d for d in digests_due(now=now) if d.user == world.representative]
    assert [change.obj for section in digest.sections for change in section.changes] == [given]
    assert digest.count("new_task") == 1


def test_the_celery_task_sends_the_digests(world, week, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_weekly_digests()
    assert sent == DigestReceipt.objects.count() >= 1


def test_the_command_dry_run_lists_people_and_sends_nothing(world, week):
    out = io.StringIO()
    call_command("digest", "--dry-run", stdout=out)
    assert world.member.mobile in out.getvalue() and "dry run" in out.getvalue()
    assert mail.outbox == [] and MemorySmsBackend.outbox == [] and not DigestReceipt.objects.exists()


def test_the_command_sends(world, week, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("digest", stdout=out)
    assert "digests sent" in out.getvalue() and DigestReceipt.objects.filter(user=world.member).exists()


def test_the_digest_reads_a_bounded_number_of_rows_for_everyone(world, now, django_assert_max_num_queries):
    quiet(world, now)
    for n in range(40):
        person = CitizenFactory(city=world.city, email=f"m{n}@example.org")
        GroupMemberFactory(group=world.group, user=person)
        made = task(ago(now, days=1), group=world.group, title=f"کار {n}", owner_user=person,
                    created_by=world.secretary, deadline=(now - dt.timedelta(days=1)).date())
        update(made, world.chair, ago(now, hours=n + 1), comment=f"یادداشت {n}")
    with django_assert_max_num_queries(12):
        digests = digests_due(now=now)
    assert len(digests) >= 40
