"""Task pages as people use them: a group's tasks, a new task from a decision, one task, and "my tasks"."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from learningcity.core.jalali import format_date
from learningcity.core.templatetags.calendar import num
from learningcity.factories import TaskFactory
from learningcity.workgroups.models import Task, TaskStatus, TaskUpdate, Visibility

from .test_tasks_world import build_world, meeting_day

pytestmark = pytest.mark.django_db
PAGE_QUERY_LIMIT = 15


@pytest.fixture
def world(city):
    return build_world(city)


@pytest.fixture
def client_as(client):
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def tasks(world):
    """A late task, one due soon, a done one (late deadline but done), and an institution's task."""
    return {
        "late": TaskFactory(group=world.group, title="گزارش ماهانه", owner_user=world.member, deadline=days(-3),
                            status=TaskStatus.IN_PROGRESS, progress=30),
        "soon": TaskFactory(group=world.group, title="فهرست کتابخانه‌ها", owner_user=world.member, deadline=days(5)),
        "done": TaskFactory(group=world.group, title="دعوت از مدارس", owner_user=world.member, deadline=days(-20),
                            status=TaskStatus.DONE, progress=100, done_at=timezone.now()),
        "institution": TaskFactory(group=world.group, title="کارگاه دانشگاه", owner_user=None,
                                   owner_institution=world.other_institution, deadline=days(10)),
    }


# --- A group's tasks --------------------------------------------------------------------------------

def test_members_see_the_groups_tasks_with_late_ones_first_and_marked(client_as, world, tasks,
                                                                     django_assert_max_num_queries):
    client = client_as(world.observer)
    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        response = client.get("/fa/groups/media-literacy/tasks/")
    body = response.content.decode()

    assert response.status_code == 200
    order = [body.index(f'data-task="{tasks[name].pk}"') for name in ("late", "soon", "institution", "done")]
    assert order == sorted(order)
    late_row = body.split(f'data-task="{tasks["late"].pk}"')[1].split("</tr>")[0]
    assert "data-overdue" in late_row and late_row.startswith(' class="table-danger"')
    done_row = body.split(f'data-task="{tasks["done"].pk}"')[1].split("</tr>")[0]
    assert "data-overdue" not in done_row  # done work is never late
    assert format_date(days(-3), language="fa") in late_row and "آموزش و پرورش" in body
    assert 'data-count="overdue">' in body and "New task" not in body and "/tasks/new/" not in body


def test_the_status_and_overdue_filters_narrow_the_list(client_as, world, tasks):
    client = client_as(world.member)
    body = client.get("/fa/groups/media-literacy/tasks/?overdue=on").content.decode()
    assert f'data-task="{tasks["late"].pk}"' in body and f'data-task="{tasks["soon"].pk}"' not in body
    body = client.get("/fa/groups/media-literacy/tasks/?status=done").content.decode()
    assert f'data-task="{tasks["done"].pk}"' in body and f'data-task="{tasks["late"].pk}"' not in body
    owner = f"institution:{world.other_institution.pk}"
    body = client.get(f"/fa/groups/media-literacy/tasks/?owner={owner}").content.decode()
    assert f'data-task="{tasks["institution"].pk}"' in body and f'data-task="{tasks["soon"].pk}"' not in body


def test_managers_see_the_new_task_button(client_as, world, tasks):
    assert "/fa/groups/media-literacy/tasks/new/" in client_as(world.secretary).get(
        "/fa/groups/media-literacy/tasks/").content.decode()


@pytest.mark.parametrize("visibility", [Visibility.MEMBERS, Visibility.PUBLIC])
@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_people_without_a_seat_get_a_404_for_the_tasks_of_a_group(client_as, city, who, visibility):
    world = build_world(city, visibility=visibility)
    TaskFactory(group=world.group, owner_user=world.member)
    client = client_as(None if who == "anonymous" else world.outsider)
    assert client.get("/fa/groups/media-literacy/tasks/").status_code == 404


# --- A new task -------------------------------------------------------------------------------------

def test_a_task_starts_from_a_decision_showing_its_text(client_as, world):
    body = client_as(world.secretary).get(
        f"/fa/groups/media-literacy/tasks/new/?decision={world.decision.pk}").content.decode()
    assert f'data-decision="{world.decision.pk}"' in body
    assert "برگزاری دوره‌های سواد رسانه‌ای برای خانواده‌ها در همهٔ مناطق" in body
    assert 'value="برگزاری دوره‌های سواد رسانه‌ای برای خانواده‌ها در همهٔ مناطق"' in body  # the title, prefilled
    assert "۱۴۰۵/۳" in body and format_date(meeting_day(), language="fa") in body
    assert f'value="user:{world.member.pk}"' in body and f'value="institution:{world.other_institution.pk}"' in body
    assert f'value="user:{world.observer.pk}"' not in body  # observers do not own tasks


def test_creating_a_task_with_a_jalali_deadline_from_a_decision(client_as, world):
    response = client_as(world.secretary).post("/fa/groups/media-literacy/tasks/new/", {
        "decision": world.decision.pk, "title": "کارگاه برای والدین", "description": "",
        "owner": f"user:{world.member.pk}", "deadline": "۱۴۰۵/۱۲/۲۰",
    })
    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fa/groups/media-literacy/tasks/{task.pk}/"
    assert task.decision == world.decision and task.deadline == dt.date(2027, 3, 11)


def test_a_deadline_before_the_meeting_is_shown_on_the_form_and_nothing_is_saved(client_as, world):
    before = format_date(meeting_day() - dt.timedelta(days=2), "short", language="fa")
    response = client_as(world.secretary).post("/fa/groups/media-literacy/tasks/new/", {
        "decision": world.decision.pk, "title": "کارگاه", "owner": f"user:{world.member.pk}", "deadline": before,
    })
    body = response.content.decode()
    assert response.status_code == 200 and not Task.objects.exists()
    assert "is-invalid" in body and "۱۴۰۵/۳" in body and format_date(meeting_day(), language="fa") in body


def test_a_date_that_is_not_jalali_is_refused_on_the_form(client_as, world):
    response = client_as(world.secretary).post("/fa/groups/media-literacy/tasks/new/", {
        "title": "کارگاه", "owner": f"user:{world.member.pk}", "deadline": "فردا",
    })
    assert response.status_code == 200 and not Task.objects.exists() and "is-invalid" in response.content.decode()


@pytest.mark.parametrize("who", ["member", "observer", "outsider"])
def test_only_managers_open_the_new_task_page(client_as, world, who):
    assert client_as(getattr(world, who)).get("/fa/groups/media-literacy/tasks/new/").status_code == 404


# --- One task ---------------------------------------------------------------------------------------

def test_the_task_page_shows_owner_deadline_decision_and_timeline_in_jalali(client_as, world, tasks):
    task = tasks["late"]
    task.decision = world.decision
    task.save(update_fields=["decision"])
    TaskUpdate.objects.create(task=task, author=world.member, comment="در حال هماهنگی با مدارس",
                              progress_before=10, progress_after=30)
    body = client_as(world.chair).get(task.get_absolute_url()).content.decode()
    assert "گزارش ماهانه" in body and "سارا عضوی" in body and "data-overdue" in body
    assert format_date(days(-3), language="fa") in body
    assert "در حال هماهنگی با مدارس" in body and "۳۰" in body and "۱۴۰۵/۳" in body
    assert 'name="action" value="progress"' in body and 'name="action" value="comment"' in body
    assert f"/fa/groups/media-literacy/tasks/{task.pk}/edit/" in body


def test_the_owner_updates_progress_from_the_task_page(client_as, world, tasks):
    task = tasks["soon"]
    client = client_as(world.member)
    response = client.post(task.get_absolute_url(), {"action": "progress", "progress-status": "",
                                                      "progress-progress": "۵۰", "progress-comment": "نیمه راه"})
    task.refresh_from_db()
    assert response.status_code == 302
    assert task.progress == 50 and task.status == TaskStatus.IN_PROGRESS
    assert "نیمه راه" in client.get(task.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("status", "progress", "words"), [
    ("", "abc", "100"), ("", "101", "100"), ("", "-1", "100"), ("not_started", "", "Out of order"),
])
def test_bad_progress_or_an_out_of_order_move_is_explained_and_nothing_changes(client_as, world, tasks, status,
                                                                             progress, words):
    task = tasks["late"]
    response = client_as(world.member).post(f"/en/groups/media-literacy/tasks/{task.pk}/", {
        "action": "progress", "progress-status": status, "progress-progress": progress,
    })
    task.refresh_from_db()
    assert response.status_code == 200 and words in response.content.decode()
    assert task.progress == 30 and task.status == TaskStatus.IN_PROGRESS and not TaskUpdate.objects.exists()


def test_a_member_comments_on_a_task(client_as, world, tasks):
    task = tasks["soon"]
    response = client_as(world.representative).post(task.get_absolute_url(), {"action": "comment",
                                                                               "comment-comment": "موافقم"})
    assert response.status_code == 302 and TaskUpdate.objects.get().comment == "موافقم"


def test_an_empty_comment_is_explained(client_as, world, tasks):
    response = client_as(world.member).post(tasks["soon"].get_absolute_url(), {"action": "comment",
                                                                               "comment-comment": " "})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not TaskUpdate.objects.exists()


def test_an_observer_reads_the_task_but_cannot_change_it(client_as, world, tasks):
    task = tasks["soon"]
    client = client_as(world.observer)
    body = client.get(task.get_absolute_url()).content.decode()
    assert "فهرست کتابخانه‌ها" in body and 'value="progress"' not in body and 'value="comment"' not in body
    assert client.post(task.get_absolute_url(), {"action": "progress", "progress-progress": "10"}).status_code == 404
    assert client.post(task.get_absolute_url(), {"action": "comment", "comment-comment": "x"}).status_code == 404
    assert not TaskUpdate.objects.exists()


def test_a_member_who_does_not_own_the_task_may_comment_but_not_update_it(client_as, world, tasks):
    body = client_as(world.representative).get(tasks["soon"].get_absolute_url()).content.decode()
    assert 'value="progress"' not in body and 'value="comment"' in body


def test_the_staff_of_an_owning_institution_without_a_seat_see_and_update_its_task(client_as, world, tasks):
    task = tasks["institution"]
    client = client_as(world.staff)
    assert client.get(task.get_absolute_url()).status_code == 200
    assert client.post(task.get_absolute_url(), {"action": "progress", "progress-progress": "20"}).status_code == 302
    assert client.get(tasks["soon"].get_absolute_url()).status_code == 404


def test_the_task_page_has_a_bounded_number_of_queries(client_as, world, tasks, django_assert_max_num_queries):
    for n in range(30):
        TaskUpdate.objects.create(task=tasks["late"], author=world.member, comment=f"یادداشت {n}")
    client = client_as(world.secretary)
    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        assert client.get(tasks["late"].get_absolute_url()).status_code == 200


# --- Editing --------------------------------------------------------------------------------------

def test_the_chair_edits_a_task_and_changes_its_owner(client_as, world, tasks):
    task = tasks["soon"]
    client = client_as(world.chair)
    assert f'value="{format_date(task.deadline, "short", language="fa")}"' in client.get(
        f"/fa/groups/media-literacy/tasks/{task.pk}/edit/").content.decode()
    response = client.post(f"/fa/groups/media-literacy/tasks/{task.pk}/edit/", {
        "title": "فهرست کتابخانه‌های محله", "description": "", "owner": f"institution:{world.institution.pk}",
        "deadline": format_date(days(15), "short", language="fa"),
    })
    task.refresh_from_db()
    assert response.status_code == 302
    assert task.title == "فهرست کتابخانه‌های محله" and task.owner_institution == world.institution
    assert task.owner_user is None and task.deadline == days(15)


def test_members_cannot_open_the_edit_page(client_as, world, tasks):
    assert client_as(world.member).get(f"/fa/groups/media-literacy/tasks/{tasks['soon'].pk}/edit/").status_code == 404


# --- My tasks ---------------------------------------------------------------------------------------

def test_my_tasks_asks_visitors_to_log_in(client):
    response = client.get("/fa/me/tasks/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_my_tasks_lists_my_tasks_across_groups_with_late_ones_first(client_as, world, tasks):
    from learningcity.factories import GroupMemberFactory

    GroupMemberFactory(group=world.other_group, user=world.member)
    elsewhere = TaskFactory(group=world.other_group, title="پایش سلامت", owner_user=world.member, deadline=days(-1))
    not_mine = TaskFactory(group=world.group, title="کار دیگران", owner_user=world.secretary)

    body = client_as(world.member).get("/fa/me/tasks/").content.decode()

    assert "کارگروه سلامت" in body and "کارگروه سواد رسانه‌ای" in body
    assert f'data-task="{not_mine.pk}"' not in body and f'data-task="{tasks["institution"].pk}"' not in body
    order = [body.index(f'data-task="{t.pk}"') for t in (tasks["late"], elsewhere, tasks["soon"], tasks["done"])]
    assert order == sorted(order)
    assert "data-overdue-alert" in body and body.count("data-overdue>") == 2
    filtered = client_as(world.member).get(f"/fa/me/tasks/?group={world.other_group.pk}").content.decode()
    assert f'data-task="{elsewhere.pk}"' in filtered and f'data-task="{tasks["late"].pk}"' not in filtered


def test_my_tasks_includes_the_tasks_of_institutions_i_represent_or_work_for(client_as, world, tasks):
    for person in (world.representative, world.staff):
        body = client_as(person).get("/fa/me/tasks/").content.decode()
        assert f'data-task="{tasks["institution"].pk}"' in body and f'data-task="{tasks["soon"].pk}"' not in body


def test_my_tasks_shows_only_the_citys_own_groups(client_as, world, other_city):
    from learningcity.factories import WorkingGroupFactory

    foreign = TaskFactory(group=WorkingGroupFactory(city=other_city), owner_user=world.member, title="کار همدان")
    body = client_as(world.member).get("/fa/me/tasks/").content.decode()
    assert f'data-task="{foreign.pk}"' not in body


def test_my_tasks_with_a_thousand_tasks_pages_by_50_counts_them_all_and_stays_bounded(
        client_as, world, django_assert_max_num_queries):
    today = timezone.localdate()
    statuses = [TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.DONE]
    Task.objects.bulk_create([
        Task(group=world.group if n % 2 else world.other_group, title=f"کار {n}",
             owner_user=world.member if n % 3 else None,
             owner_institution=None if n % 3 else world.other_institution,
             deadline=today + dt.timedelta(days=(n % 60) - 20), status=statuses[n % 4],
             progress=100 if n % 4 == 3 else n % 100)
        for n in range(1000)
    ])
    from learningcity.factories import GroupMemberFactory

    GroupMemberFactory(group=world.other_group, user=world.member, institution=world.other_institution)
    client = client_as(world.member)

    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        response = client.get("/fa/me/tasks/")
    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        page_3 = client.get("/fa/me/tasks/?page=3&status=in_progress")

    body = response.content.decode()
    assert body.count('<tr data-task="') == 50
    late = Task.objects.filter(deadline__lt=today).exclude(status=TaskStatus.DONE).count()
    assert _count(body, "all") == "۱٬۰۰۰" and _count(body, "overdue") == _fa(late)
    assert _count(body, "done") == _fa(250)
    first = body.split('<tr data-task="')[1].split("</tr>")[0]
    assert "data-overdue" in first  # late work first
    assert page_3.content.decode().count('<tr data-task="') == 50


def _fa(n: int) -> str:
    with translation.override("fa"):
        return num(n)


def _count(body: str, key: str) -> str:
    return body.split(f'data-count="{key}">')[1].split("</span>")[0].rsplit(">", 1)[1]


@pytest.mark.parametrize("query", ["?page=abc", "?page=999", "?group=abc", "?group=99999", "?status=bogus",
                                   "?overdue=yes&status=blocked", "?group=&status=&overdue="])
def test_odd_filters_on_my_tasks_are_ignored_not_errors(client_as, world, tasks, query):
    assert client_as(world.member).get(f"/fa/me/tasks/{query}").status_code == 200


@pytest.mark.parametrize("query", ["?owner=user:abc", "?owner=someone", "?status=bogus", "?page=-1",
                                   "?overdue=on&status=done"])
def test_odd_filters_on_a_groups_tasks_are_ignored_not_errors(client_as, world, tasks, query):
    assert client_as(world.member).get(f"/fa/groups/media-literacy/tasks/{query}").status_code == 200


@pytest.mark.parametrize("data", [
    {"action": "progress", "progress-status": "finished"},
    {"action": "progress", "progress-progress": "1" * 30},
    {"action": "progress", "progress-comment": "x" * 5001},
])
def test_forged_or_oversized_updates_are_explained_and_change_nothing(client_as, world, tasks, data):
    response = client_as(world.member).post(tasks["soon"].get_absolute_url(), data)
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not TaskUpdate.objects.exists()


def test_an_unknown_action_or_decision_is_not_found_or_ignored(client_as, world, tasks):
    client = client_as(world.secretary)
    assert client.post(tasks["soon"].get_absolute_url(), {"action": "delete"}).status_code == 404
    assert client.get("/fa/groups/media-literacy/tasks/new/?decision=abc").status_code == 200
    body = client.get("/fa/groups/media-literacy/tasks/new/?decision=99999").content.decode()
    assert "data-decision" not in body
