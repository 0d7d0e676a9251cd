"""The plan's pages: the public progress page, a result's timeline, the secretariat's editor, who sees what."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learningcity.core.models import AuditEntry
from learningcity.factories import (
    ActionPlanFactory,
    ObjectiveFactory,
    PlanResultFactory,
    ProgrammeFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import (
    ActionPlan,
    BudgetLine,
    Objective,
    PlanResult,
    PlanStatus,
    ResultStatus,
    ResultUpdate,
    Visibility,
)
from learningcity.workgroups.services.plan import budget_line_add, result_report

from .test_plan_support import build_world, jalali, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city):
    return build_world(city)


def _person(request, world, who):
    if who == "anonymous":
        return None
    if who in ("secretariat", "superuser", "citizen"):
        return request.getfixturevalue(who)
    return getattr(world, who)


# --- The public page ---------------------------------------------------------------------------------

def test_the_public_page_shows_progress_by_area_with_groups_programmes_and_budget(client, world, secretariat):
    programme = ProgrammeFactory(institution__city=world.city, title_fa="سواد رسانه‌ای برای والدین")
    world.objective.programmes.add(programme)
    result_report(result=world.result, actor=world.chair, reported_on=today(), status=ResultStatus.AT_RISK,
                  progress=45, value=900)
    result_report(result=world.other_result, actor=secretariat, reported_on=today(), status=ResultStatus.ACHIEVED,
                  progress=100)
    budget_line_add(objective=world.objective, actor=secretariat, title_fa="کارگاه", planned_rials="12,000,000",
                    spent_rials="15,000,000")
    response = client.get(f"/fa/plan/{world.plan.year}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert world.plan.title_fa in html
    # Building blocks come before fundamental conditions.
    assert html.index('data-area="2.4"') < html.index('data-area="3.2"')
    # Progress as a bar and as text, with Persian digits, and the status as a badge.
    assert 'aria-valuenow="45"' in html and "۴۵٪" in html and 'data-status="at_risk"' in html
    assert "۱۰۰٪" in html and 'data-status="achieved"' in html
    # Summary tiles.
    assert 'data-tile="at_risk"' in html and 'data-tile="achieved"' in html and 'data-tile="progress"' in html
    assert "۷۳٪" in html  # (45 + 100) / 2, rounded
    assert "۱۲٬۰۰۰٬۰۰۰" in html and "۱۵٬۰۰۰٬۰۰۰" in html and "data-overspent" in html
    # Links to the responsible group and to the linked programme.
    assert f"/fa/groups/{world.group.slug}/" in html
    assert f"/fa/programmes/{programme.pk}/" in html and programme.title_fa in html
    assert f"/fa/plan/{world.plan.year}/results/{world.result.pk}/" in html
    # A visitor sees no editing buttons.
    assert "/manage/" not in html and "/import/" not in html


def test_the_english_page_uses_latin_digits(client, world):
    result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track", progress=45)
    html = client.get(f"/en/plan/{world.plan.year}/").content.decode()
    assert "45%" in html and "On track" in html and world.plan.title_en in html


def test_markup_typed_into_a_result_is_shown_as_text_not_run(client, world):
    world.result.title_fa = '<script>alert("x")</script> نتیجه'
    world.result.unit_fa = "<b>نفر</b>"
    world.result.save(update_fields=["title_fa", "unit_fa"])
    html = client.get(f"/fa/plan/{world.plan.year}/").content.decode()
    assert '<script>alert("x")</script>' not in html and "<b>نفر</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; نتیجه" in html and "&lt;b&gt;نفر&lt;/b&gt;" in html


def test_members_only_groups_and_unpublished_programmes_stay_hidden_from_the_public(client, world, secretariat):
    world.group.visibility = Visibility.MEMBERS
    world.group.save(update_fields=["visibility"])
    draft = ProgrammeFactory(institution__city=world.city, status="draft", title_fa="دورهٔ پیش‌نویس")
    world.objective.programmes.add(draft)
    html = client.get(f"/fa/plan/{world.plan.year}/").content.decode()
    assert world.group.name_fa not in html and f"/groups/{world.group.slug}/" not in html
    assert "دورهٔ پیش‌نویس" not in html
    client.force_login(world.member)
    html = client.get(f"/fa/plan/{world.plan.year}/").content.decode()
    assert f"/fa/groups/{world.group.slug}/" in html
    client.force_login(secretariat)
    html = client.get(f"/fa/plan/{world.plan.year}/").content.decode()
    assert "دورهٔ پیش‌نویس" in html and f"/programmes/{draft.pk}/" not in html


def _big_plan(city, results: int) -> ActionPlan:
    plan = ActionPlanFactory(city=city, year=1404)
    groups = [WorkingGroupFactory(city=city) for _ in range(3)]
    programmes = [ProgrammeFactory(institution__city=city) for _ in range(3)]
    areas = ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.1", "3.2", "3.3"]
    objectives = []
    for index in range(max(1, results // 25)):
        objective = ObjectiveFactory(plan=plan, area=areas[index % len(areas)], working_group=groups[index % 3])
        objective.programmes.add(programmes[index % 3])
        BudgetLine.objects.create(objective=objective, title_fa="بودجه", planned_rials=1000, spent_rials=500)
        objectives.append(objective)
    PlanResult.objects.bulk_create([
        PlanResult(objective=objectives[i % len(objectives)], code=f"R{i}", title_fa=f"نتیجه {i}", target_value=100,
                   status=ResultStatus.values[i % 5], progress=i % 101, due_on=dt.date(2026, 3, 1))
        for i in range(results)
    ])
    return plan


def test_the_public_page_with_500_results_reads_a_fixed_number_of_queries(client, city, django_assert_max_num_queries):
    small = _big_plan(city, 5)
    client.get(f"/fa/plan/{small.year}/")  # the city's host lookup is cached after the first request
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/fa/plan/{small.year}/").status_code == 200
    small.delete()
    big = _big_plan(city, 500)
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as many:
        response = client.get(f"/fa/plan/{big.year}/")
    assert response.status_code == 200 and response.content.decode().count("data-result=") == 500
    assert len(many.captured_queries) == len(few.captured_queries), [q["sql"][:80] for q in few.captured_queries]


def test_the_secretariats_view_of_500_results_is_bounded_too(client, city, secretariat, django_assert_max_num_queries):
    plan = _big_plan(city, 500)
    client.force_login(secretariat)
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/plan/{plan.year}/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/plan/{plan.year}/manage/").status_code == 200


# --- Drafts, the current plan and the list -----------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [("anonymous", 404), ("citizen", 404), ("chair", 404),
                                             ("secretary", 404), ("secretariat", 200), ("superuser", 200)])
def test_a_draft_plan_is_a_404_to_everyone_but_the_secretariat(client, city, request, who, status):
    world = build_world(city, status=PlanStatus.DRAFT)
    person = _person(request, world, who)
    if person:
        client.force_login(person)
    assert client.get(f"/fa/plan/{world.plan.year}/").status_code == status
    assert client.get(f"/fa/plan/{world.plan.year}/results/{world.result.pk}/").status_code == status
    if status == 200:
        assert "draft" in client.get(f"/en/plan/{world.plan.year}/").content.decode()


def test_the_current_plan_address_leads_to_this_years_published_plan(client, world):
    response = client.get("/fa/plan/")
    assert response.status_code == 302 and response["Location"] == f"/fa/plan/{world.plan.year}/"


def test_without_a_published_plan_this_year_the_address_lists_the_plans(client, city, secretariat):
    ActionPlanFactory(city=city, year=1400, title_fa="برنامهٔ ۱۴۰۰")
    ActionPlanFactory(city=city, year=1490, title_fa="پیش‌نویس آینده", status=PlanStatus.DRAFT)
    response = client.get("/fa/plan/")
    html = response.content.decode()
    assert response.status_code == 200 and "برنامهٔ ۱۴۰۰" in html and "پیش‌نویس آینده" not in html
    assert "/fa/plan/new/" not in html
    client.force_login(secretariat)
    html = client.get("/fa/plan/").content.decode()
    assert "پیش‌نویس آینده" in html and "/fa/plan/new/" in html


def test_another_citys_plan_is_a_404(client, world, other_city):
    other = ActionPlanFactory(city=other_city, year=1399)
    assert client.get(f"/fa/plan/{other.year}/").status_code == 404


# --- Creating and editing the plan -------------------------------------------------------------------

def test_the_secretariat_creates_a_plan_with_persian_digits_and_lands_on_its_editor(client, city, secretariat):
    client.force_login(secretariat)
    assert client.get("/fa/plan/new/").status_code == 200
    response = client.post("/fa/plan/new/", {"year": "۱۴۰۶", "title_fa": "برنامهٔ عمل ۱۴۰۶"})
    assert response.status_code == 302 and response["Location"] == "/fa/plan/1406/manage/"
    assert ActionPlan.objects.get(year=1406).status == PlanStatus.DRAFT
    response = client.post("/fa/plan/new/", {"year": "1406", "title_fa": "دوباره"})
    assert response.status_code == 200 and response.context["form"].errors["year"]
    assert ActionPlan.objects.filter(year=1406).count() == 1


def test_the_editor_adds_an_objective_a_result_and_a_budget_line_and_publishes(client, city, secretariat):
    plan = ActionPlanFactory(city=city, year=1406, status=PlanStatus.DRAFT)
    group = WorkingGroupFactory(city=city)
    programme = ProgrammeFactory(institution__city=city)
    client.force_login(secretariat)
    url = "/fa/plan/1406/manage/"
    response = client.post(url, {"action": "publish"})
    assert response.status_code == 200 and 'id="publish-error"' in response.content.decode()
    response = client.post(url, {"action": "objective", "objective-area": "2.3", "objective-code": "O2.3-1",
                                 "objective-title_fa": "مهارت‌های شغلی", "objective-working_group": group.pk,
                                 "objective-programmes": [programme.pk]})
    assert response.status_code == 302
    objective = Objective.objects.get(plan=plan)
    assert objective.working_group == group and list(objective.programmes.all()) == [programme]
    response = client.post(url, {"action": "result", "objective": objective.pk, f"result-{objective.pk}-code": "R1",
                                 f"result-{objective.pk}-title_fa": "۳۰۰ نفر آموزش ببینند",
                                 f"result-{objective.pk}-target_value": "۳۰۰",
                                 f"result-{objective.pk}-due_on": "۱۴۰۶/۱۲/۲۰"})
    assert response.status_code == 302
    result = PlanResult.objects.get(objective=objective)
    assert result.target_value == 300 and result.due_on == dt.date(2028, 3, 10)
    response = client.post(url, {"action": "budget", "objective": objective.pk,
                                 f"budget-{objective.pk}-title_fa": "کارگاه‌ها",
                                 f"budget-{objective.pk}-planned_rials": "۵۰٬۰۰۰٬۰۰۰",
                                 f"budget-{objective.pk}-spent_rials": "۶۰٬۰۰۰٬۰۰۰"}, follow=True)
    line = BudgetLine.objects.get(objective=objective)
    assert (line.planned_rials, line.spent_rials) == (50_000_000, 60_000_000)
    html = response.content.decode()
    assert "alert-warning" in html and "۶۰٬۰۰۰٬۰۰۰" in html
    response = client.post(url, {"action": "publish"})
    assert response.status_code == 302 and response["Location"] == "/fa/plan/1406/"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


def test_bad_input_in_the_editor_is_shown_on_its_form_and_saves_nothing(client, world, secretariat):
    client.force_login(secretariat)
    url = f"/en/plan/{world.plan.year}/manage/"
    key = world.objective.pk
    response = client.post(url, {"action": "result", "objective": key, f"result-{key}-code": "r2",
                                 f"result-{key}-title_fa": "تکراری", f"result-{key}-target_value": "5"})
    assert response.status_code == 200
    form = next(b.result_form for a in response.context["areas"] for b in a.objectives if b.objective.pk == key)
    assert "already has the code" in form.errors["code"][0]
    response = client.post(url, {"action": "budget", "objective": key, f"budget-{key}-title_fa": "بودجه",
                                 f"budget-{key}-planned_rials": "-100"})
    form = next(b.budget_form for a in response.context["areas"] for b in a.objectives if b.objective.pk == key)
    assert form.errors["planned_rials"]
    response = client.post(url, {"action": "objective", "objective-area": "2.1", "objective-code": "O2.4-1",
                                 "objective-title_fa": "تکراری"})
    assert response.context["objective_form"].errors["code"]
    assert PlanResult.objects.count() == 2 and not BudgetLine.objects.exists() and Objective.objects.count() == 2
    for data in ({"action": "result", "objective": "abc"}, {"action": "result", "objective": "999999"},
                 {"action": "unknown"}):
        assert client.post(url, data).status_code == 404


def test_objectives_results_and_budget_lines_are_edited_and_removed(client, world, secretariat):
    client.force_login(secretariat)
    year = world.plan.year
    response = client.post(f"/fa/plan/{year}/manage/objectives/{world.objective.pk}/",
                           {"action": "save", "area": "2.5", "code": "O2.5-1", "title_fa": "کیفیت"})
    assert response.status_code == 302
    world.objective.refresh_from_db()
    assert (world.objective.area, world.objective.code) == ("2.5", "O2.5-1")
    response = client.post(f"/fa/plan/{year}/manage/results/{world.result.pk}/",
                           {"action": "save", "code": "R1", "title_fa": "هدف تازه", "target_value": "۲۵۰۰"})
    assert response.status_code == 302
    world.result.refresh_from_db()
    assert world.result.target_value == 2500
    assert client.get(f"/fa/plan/{year}/manage/results/{world.result.pk}/").status_code == 200
    line = budget_line_add(objective=world.objective, actor=secretariat, title_fa="چاپ", planned_rials=100)
    response = client.post(f"/fa/plan/{year}/manage/budget/{line.pk}/",
                           {"action": "save", "title_fa": "چاپ", "planned_rials": "200", "spent_rials": "50"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.planned_rials, line.spent_rials) == (200, 50)
    assert client.post(f"/fa/plan/{year}/manage/budget/{line.pk}/", {"action": "remove"}).status_code == 302
    assert not BudgetLine.objects.exists()
    result_report(result=world.result, actor=secretariat, reported_on=today(), status="on_track", progress=5)
    response = client.post(f"/en/plan/{year}/manage/objectives/{world.objective.pk}/", {"action": "remove"})
    assert response.status_code == 200 and "can no longer be removed" in response.content.decode()
    assert Objective.objects.filter(pk=world.objective.pk).exists()
    assert client.post(f"/fa/plan/{year}/manage/results/{world.other_result.pk}/",
                       {"action": "remove"}).status_code == 302
    assert not PlanResult.objects.filter(pk=world.other_result.pk).exists()


# --- A result's page ---------------------------------------------------------------------------------

def test_the_result_page_shows_the_dated_timeline_with_evidence(client, world, secretariat):
    result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track", progress=30,
                  note="دورهٔ اول برگزار شد", evidence_url="https://example.org/report.pdf")
    html = client.get(f"/fa/plan/{world.plan.year}/results/{world.result.pk}/").content.decode()
    assert "دورهٔ اول برگزار شد" in html and 'href="https://example.org/report.pdf"' in html
    assert "۳۰٪" in html and jalali(today(), persian=True).split("/")[0] in html
    # The public sees neither the form nor who recorded it.
    assert "<form method=\"post\" novalidate>" not in html and world.chair.name not in html


def test_the_chair_reports_progress_on_the_result_page_and_the_plan_page_shows_it(client, world):
    client.force_login(world.chair)
    url = f"/fa/plan/{world.plan.year}/results/{world.result.pk}/"
    assert 'name="progress"' in client.get(url).content.decode()
    response = client.post(url, {"reported_on": jalali(today(), persian=True), "status": "on_track",
                                 "progress": "۶۵", "value": "۱٬۳۰۰", "note": "", "evidence_url": ""})
    assert response.status_code == 302
    world.result.refresh_from_db()
    assert world.result.progress == 65 and world.result.current_value == 1300
    html = client.get(f"/fa/plan/{world.plan.year}/").content.decode()
    assert "۶۵٪" in html


@pytest.mark.parametrize(("field", "value"), [("progress", "120"), ("progress", "-5"), ("reported_on", "1499/01/01"),
                                              ("reported_on", "1390/01/01"), ("reported_on", "1405/13/01"),
                                              ("evidence_url", "javascript:alert(1)")])
def test_a_bad_report_on_the_page_is_a_form_error_and_saves_nothing(client, world, field, value):
    client.force_login(world.secretary)
    data = {"reported_on": jalali(today()), "status": "on_track", "progress": "10", field: value}
    response = client.post(f"/fa/plan/{world.plan.year}/results/{world.result.pk}/", data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not ResultUpdate.objects.exists()


@pytest.mark.parametrize("who", ["member", "observer", "other_chair", "outsider", "anonymous"])
def test_people_who_may_not_report_see_no_form_and_cannot_post(client, world, request, who):
    person = _person(request, world, who)
    if person:
        client.force_login(person)
    url = f"/fa/plan/{world.plan.year}/results/{world.result.pk}/"
    response = client.get(url)
    assert response.status_code == 200 and response.context["form"] is None
    assert client.post(url, {"reported_on": jalali(today()), "status": "on_track", "progress": "10"}).status_code == 404
    assert not ResultUpdate.objects.exists()


def test_a_result_of_another_plan_is_a_404_under_this_plans_address(client, world, city):
    other = PlanResultFactory(objective=ObjectiveFactory(plan=ActionPlanFactory(city=city, year=1399)))
    assert client.get(f"/fa/plan/{world.plan.year}/results/{other.pk}/").status_code == 404


def test_the_result_page_stays_within_the_query_budget(client, world, django_assert_max_num_queries):
    for progress in range(0, 60, 5):
        result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track",
                      progress=progress)
    client.force_login(world.chair)
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/plan/{world.plan.year}/results/{world.result.pk}/").status_code == 200


# --- Who may open which page -------------------------------------------------------------------------

ROLES = ["anonymous", "citizen", "observer", "member", "secretary", "chair", "other_chair", "secretariat",
         "superuser"]
SECRETARIAT = {"secretariat", "superuser"}
PAGES = {
    "plan": (lambda w: f"/fa/plan/{w.plan.year}/", set(ROLES)),
    "result": (lambda w: f"/fa/plan/{w.plan.year}/results/{w.result.pk}/", set(ROLES)),
    "create": (lambda w: "/fa/plan/new/", SECRETARIAT),
    "manage": (lambda w: f"/fa/plan/{w.plan.year}/manage/", SECRETARIAT),
    "objective_edit": (lambda w: f"/fa/plan/{w.plan.year}/manage/objectives/{w.objective.pk}/", SECRETARIAT),
    "result_edit": (lambda w: f"/fa/plan/{w.plan.year}/manage/results/{w.result.pk}/", SECRETARIAT),
    "import": (lambda w: f"/fa/plan/{w.plan.year}/import/", {"secretary", "chair", "other_chair", *SECRETARIAT}),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("who", ROLES)
def test_each_role_opens_exactly_the_plan_pages_it_may_and_gets_404_elsewhere(client, world, request, who, page):
    person = _person(request, world, who)
    if person:
        client.force_login(person)
    url_of, allowed = PAGES[page]
    assert client.get(url_of(world)).status_code == (200 if who in allowed else 404)


@pytest.mark.parametrize("who", ["anonymous", "citizen", "chair", "secretary"])
def test_people_other_than_the_secretariat_cannot_change_the_plan_by_posting(client, world, request, who):
    person = _person(request, world, who)
    if person:
        client.force_login(person)
    year = world.plan.year
    posts = [
        ("/fa/plan/new/", {"year": "1407", "title_fa": "نه"}),
        (f"/fa/plan/{year}/manage/", {"action": "plan", "plan-title_fa": "نه"}),
        (f"/fa/plan/{year}/manage/objectives/{world.objective.pk}/", {"action": "remove"}),
        (f"/fa/plan/{year}/manage/results/{world.result.pk}/", {"action": "remove"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    assert ActionPlan.objects.count() == 1 and Objective.objects.count() == 2 and PlanResult.objects.count() == 2
    assert not AuditEntry.objects.exists()
