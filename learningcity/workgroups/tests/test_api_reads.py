"""Reading working groups, meetings, decisions, tasks and the action plan through the API: public parts for
anyone, members-only parts for members and the secretariat, 404 for everything else."""

import pytest

from learningcity.factories import WorkingGroupFactory

from . import test_api_support as support
from .test_api_support import API, assert_error, bearer

pytestmark = pytest.mark.django_db
world = support.world


def _get(client, path, **params):
    return client.get(f"{API}{path}", params)


# --- Groups ---------------------------------------------------------------------------------------------------

def test_anyone_lists_the_public_groups_only(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = _get(client, "/groups")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    group = body["items"][0]
    assert group["slug"] == "literacy" and group["name_en"] == "Literacy" and group["visibility"] == "public"
    assert group["member_count"] == 4 and group["institution_count"] == 2
    assert group["url"].endswith("/groups/literacy/")


@pytest.mark.parametrize(("who", "slugs"), [
    ("private_member", ["literacy", "monitoring"]), ("secretariat", ["literacy", "monitoring"]),
    ("chair", ["literacy"]), ("outsider", ["literacy"]),
])
def test_members_only_groups_are_listed_for_their_members_and_the_secretariat(client, world, secretariat, who,
                                                                               slugs):
    person = {"private_member": world.private_member, "secretariat": secretariat, "chair": world.chair,
              "outsider": world.outsider}[who]
    response = client.get(f"{API}/groups", **bearer(person))
    assert sorted(group["slug"] for group in response.json()["items"]) == slugs


def test_the_web_session_counts_too(client, world):
    client.force_login(world.private_member)
    assert _get(client, "/groups/monitoring").status_code == 200


def test_a_public_group_shows_partners_and_published_decisions_but_not_people(client, world):
    body = _get(client, "/groups/literacy").json()
    assert sorted(i["slug"] for i in body["institutions"]) == ["family-ngo", "razi"]
    assert [d["code"] for d in body["decisions"]] == ["1405/1"]
    decision = body["decisions"][0]
    assert decision["published"] is True and decision["text"] == "مصوبهٔ منتشرشده"
    assert decision["meeting_date_jalali"].count("/") == 2
    assert body["members"] is None and body["my_role"] is None and body["capabilities"] == []


def test_a_member_also_gets_the_member_list_and_their_capabilities(client, world):
    body = client.get(f"{API}/groups/literacy", **bearer(world.chair)).json()
    assert body["my_role"] == "chair"
    assert "approve_minutes" in body["capabilities"] and "schedule_meetings" in body["capabilities"]
    assert [m["role"] for m in body["members"]] == ["chair", "secretary", "member", "observer"]
    assert body["members"][0]["institution"]["slug"] == "razi"


@pytest.mark.parametrize("who", ["anonymous", "outsider", "chair"])
def test_a_members_only_group_is_a_404_to_people_without_a_seat(client, world, who):
    headers = {} if who == "anonymous" else bearer(getattr(world, who))
    for path in ("/groups/monitoring", "/groups/monitoring/meetings",
                 f"/groups/monitoring/meetings/{world.private_meeting.pk}", "/groups/monitoring/decisions",
                 "/groups/monitoring/tasks", f"/tasks/{world.private_task.pk}/updates"):
        assert_error(client.get(f"{API}{path}", **headers), 404, "not_found")


def test_another_citys_group_is_a_404(client, world, other_city):
    WorkingGroupFactory(city=other_city, slug="elsewhere")
    assert_error(_get(client, "/groups/elsewhere"), 404)


# --- Meetings and decisions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_meetings_are_for_members_even_in_a_public_group(client, world, who):
    headers = {} if who == "anonymous" else bearer(world.outsider)
    assert_error(client.get(f"{API}/groups/literacy/meetings", **headers), 404)
    assert_error(client.get(f"{API}/groups/literacy/meetings/{world.held.pk}", **headers), 404)


def test_members_list_meetings_newest_first_with_jalali_and_iso_dates(client, world):
    body = client.get(f"{API}/groups/literacy/meetings", **bearer(world.observer)).json()
    assert [m["id"] for m in body["items"]] == [world.upcoming.pk, world.held.pk]
    meeting = body["items"][0]
    assert "T" in meeting["starts_at"] and meeting["starts_at_jalali"].startswith("14")
    assert meeting["status"] == "scheduled" and meeting["minutes_status"] == "draft"


def test_a_meeting_shows_agenda_minutes_decisions_and_documents(client, world, secretariat,
                                                               django_assert_max_num_queries):
    from learningcity.workgroups.models import AgendaItem, MeetingAttendance

    AgendaItem.objects.create(meeting=world.held, position=1, title="گزارش دبیر")
    MeetingAttendance.objects.create(meeting=world.held, user=world.member, status="present")
    headers = bearer(secretariat)
    with django_assert_max_num_queries(15):
        response = client.get(f"{API}/groups/literacy/meetings/{world.held.pk}", **headers)
    body = response.json()
    assert body["minutes"] == "صورت‌جلسه" and body["minutes_status"] == "approved"
    assert [item["title"] for item in body["agenda"]] == ["گزارش دبیر"]
    assert body["attendance"] == [{"name": world.member.name, "status": "present",
                                   "institution": {"slug": "razi", "name_fa": world.university.name_fa,
                                                   "name_en": "Razi University"}}]
    assert [d["code"] for d in body["decisions"]] == ["1405/1"] and body["documents"] == []


def test_a_meeting_of_another_group_is_a_404(client, world):
    assert_error(client.get(f"{API}/groups/literacy/meetings/{world.private_meeting.pk}", **bearer(world.chair)), 404)


def test_the_public_sees_published_decisions_and_members_see_all(client, world):
    public = _get(client, "/groups/literacy/decisions").json()
    assert [d["code"] for d in public["items"]] == ["1405/1"]
    members = client.get(f"{API}/groups/literacy/decisions", **bearer(world.observer)).json()
    assert [d["code"] for d in members["items"]] == ["1405/2", "1405/1"]
    assert members["items"][0]["published"] is False


# --- Tasks ------------------------------------------------------------------------------------------------------

def test_members_see_the_groups_tasks_late_ones_first(client, world, django_assert_max_num_queries):
    headers = bearer(world.observer)
    with django_assert_max_num_queries(10):
        body = client.get(f"{API}/groups/literacy/tasks", **headers).json()
    assert [t["title"] for t in body["items"]] == ["کار عقب‌افتاده", "تهیهٔ گزارش"]
    late, mine = body["items"]
    assert late["overdue"] is True and late["owner_kind"] == "institution" and late["owner_institution"] == "razi"
    assert mine["overdue"] is False and mine["owner_name"] == world.member.name and mine["decision"] == "1405/1"
    assert mine["deadline_jalali"].startswith("14") and len(mine["deadline"]) == 10


def test_group_tasks_filter_by_status_and_lateness(client, world):
    headers = bearer(world.chair)
    overdue = client.get(f"{API}/groups/literacy/tasks", {"overdue": "true"}, **headers).json()
    assert [t["id"] for t in overdue["items"]] == [world.late_task.pk]
    started = client.get(f"{API}/groups/literacy/tasks", {"status": "not_started"}, **headers).json()
    assert [t["id"] for t in started["items"]] == [world.task.pk]


def test_a_bad_status_filter_is_a_400(client, world):
    assert_error(client.get(f"{API}/groups/literacy/tasks", {"status": "finished"}, **bearer(world.chair)), 400)


def test_the_public_cannot_list_a_public_groups_tasks(client, world):
    assert_error(_get(client, "/groups/literacy/tasks"), 404)


def test_my_tasks_cover_my_own_and_my_institutions_across_groups(client, world):
    body = client.get(f"{API}/me/tasks", **bearer(world.member)).json()
    # The member sits for Razi University, which owns the late task.
    assert [t["id"] for t in body["items"]] == [world.late_task.pk, world.task.pk]
    assert body["count"] == 2
    assert client.get(f"{API}/me/tasks", **bearer(world.outsider)).json() == {"items": [], "count": 0}


def test_my_tasks_need_someone_logged_in(client, world):
    assert_error(_get(client, "/me/tasks"), 401, "unauthorised")


def test_a_task_timeline_is_for_who_may_see_the_task(client, world):
    from learningcity.workgroups.models import TaskUpdate

    TaskUpdate.objects.create(task=world.task, author=world.member, comment="شروع شد", status_before="not_started",
                              status_after="in_progress")
    body = client.get(f"{API}/tasks/{world.task.pk}/updates", **bearer(world.observer)).json()
    assert body["items"][0]["comment"] == "شروع شد" and body["items"][0]["author"] == world.member.name
    assert_error(_get(client, f"/tasks/{world.task.pk}/updates"), 404)


# --- The action plan -------------------------------------------------------------------------------------------

def test_anyone_lists_published_plans_and_the_secretariat_sees_drafts(client, world, secretariat):
    assert [p["year"] for p in _get(client, "/plans").json()["items"]] == [1405]
    assert [p["year"] for p in client.get(f"{API}/plans", **bearer(secretariat)).json()["items"]] == [1406, 1405]


def test_a_published_plan_shows_objectives_results_and_budget(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = _get(client, "/plans/1405")
    body = response.json()
    assert body["year"] == 1405 and body["total_results"] == 2
    assert body["planned_rials"] == 5_000_000_000 and body["spent_rials"] == 1_200_000_000
    assert body["results_by_status"]["on_track"] == 1 and body["results_by_status"]["not_started"] == 1
    assert body["overall_progress"] == 20
    first, second = body["objectives"]
    assert first["code"] == "O2.2-1" and first["area"] == "2.2" and first["working_group"] == "literacy"
    assert [r["code"] for r in first["results"]] == ["R1", "R2"]
    assert first["results"][0]["progress"] == 40 and first["results"][0]["target_value"] == "2000.00"
    assert len(first["programmes"]) == 1
    # A members-only group is not named to the public.
    assert second["code"] == "O3.1-1" and second["working_group"] is None


def test_a_draft_plan_is_a_404_to_all_but_the_secretariat(client, world, secretariat):
    assert_error(_get(client, "/plans/1406"), 404)
    assert_error(client.get(f"{API}/plans/1406", **bearer(world.chair)), 404)
    assert client.get(f"{API}/plans/1406", **bearer(secretariat)).status_code == 200
    assert_error(_get(client, "/plans/1406/results/D1"), 404)


def test_a_result_has_its_timeline(client, world):
    body = _get(client, "/plans/1405/results/r1").json()  # codes match in any case
    assert body["code"] == "R1" and body["plan"] == 1405 and body["objective"] == "O2.2-1"
    update = body["timeline"][0]
    assert update["progress"] == 40 and update["note"] == "۸۰۰ خانواده" and update["value"] == "800.00"
    assert update["reported_on_jalali"].startswith("1405/") and update["evidence_url"] == "https://example.org/r"


def test_a_result_code_in_persian_digits_is_found(client, world):
    assert _get(client, "/plans/1405/results/R۱").json()["code"] == "R1"


@pytest.mark.parametrize(("path", "status"), [
    ("/plans/1399", 404), ("/plans/1405/results/NOPE", 404), ("/plans/99999", 422), ("/plans/abc", 422),
    ("/groups/nope", 404), ("/groups/literacy/meetings/0", 422), (f"/groups/literacy/meetings/{'9' * 30}", 422),
    (f"/tasks/{'9' * 30}/updates", 422), ("/groups?limit=0", 422), ("/groups?limit=100000", 422),
    ("/groups?offset=-1", 422), (f"/groups?offset={'9' * 30}", 422),
])
def test_bad_reads_are_json_errors_never_500(client, world, path, status):
    assert_error(client.get(f"{API}{path}", **bearer(world.chair)), status)


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic abc", "Bearer " + "x" * 5000])
def test_a_bad_token_on_a_read_is_a_401_not_a_silent_anonymous(client, world, header):
    assert_error(client.get(f"{API}/groups", HTTP_AUTHORIZATION=header), 401, "unauthorised")


def test_reads_are_in_the_openapi_spec(client, world):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in ("/api/v1/groups", "/api/v1/groups/{slug}", "/api/v1/groups/{slug}/meetings/{meeting_id}",
                 "/api/v1/me/tasks", "/api/v1/plans/{year}", "/api/v1/plans/{year}/results/{code}/updates"):
        assert path in paths


def test_long_lists_read_in_a_bounded_number_of_queries(client, world, django_assert_max_num_queries):
    import datetime as dt

    from django.utils import timezone

    from learningcity.factories import DecisionFactory, InstitutionFactory, PlanResultFactory, TaskFactory

    today = timezone.localdate()
    for number in range(40):
        institution = InstitutionFactory(city=world.city)
        TaskFactory(group=world.group, owner_user=None, owner_institution=institution, decision=world.published,
                    deadline=today + dt.timedelta(days=number - 20))
        TaskFactory(group=world.group, owner_user=world.member)
        DecisionFactory(meeting=world.held, year=1405, number=100 + number)
        PlanResultFactory(objective=world.objective, code=f"X{number}")
    headers = bearer(world.member)
    for path, shown in (("/groups/literacy/tasks", 50), ("/me/tasks", 42), ("/groups/literacy/decisions", 42)):
        with django_assert_max_num_queries(12):
            body = client.get(f"{API}{path}", **headers).json()
        assert len(body["items"]) == shown
    with django_assert_max_num_queries(12):
        body = _get(client, "/plans/1405").json()
    assert body["total_results"] == 42
