"""Issue 5, in Persian RTL in Chromium: a working group's secretary schedules a meeting on a Jalali date,
records a decision at the meeting (the clock moved on to its start) and turns it into a task for a member;
the member finds it in "my tasks" and reports progress; the group's secretary reports progress on a plan
result, and the public plan page shows it. No request leaves the host, and axe finds nothing serious on the
group, meeting, my-tasks and plan pages."""

import datetime as dt
import re

import jdatetime
from django.utils import timezone

from learningcity.core.jalali import jalali_year_of
from learningcity.core.text import persian_digits
from learningcity.demo.clock import DemoClock
from learningcity.factories import CitizenFactory
from learningcity.workgroups.models import Decision, GroupRole, Meeting, PlanResult, ResultUpdate, Task, TaskStatus
from learningcity.workgroups.services import (
    group_create,
    member_add,
    objective_create,
    plan_create,
    plan_publish,
    result_create,
)

from .conftest import Visit
from .test_learning_journey import log_in
from .test_pages import serious_violations


def jalali(day: dt.date) -> str:
    """A date as a Persian speaker types it: Jalali, in Persian digits."""
    return persian_digits(jdatetime.date.fromgregorian(date=day).strftime("%Y/%m/%d"))


def new_visit(chromium, live_server) -> tuple:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    return context, Visit(context.new_page(), live_server.url)


def submit(visit: Visit, form: str) -> None:
    """Press the submit button of the form matching `form` and wait for the page that answers."""
    with visit.page.expect_navigation(wait_until="networkidle"):
        visit.page.locator(f"main {form} [type=submit]").first.click()


def accessible(visit: Visit, name: str, problems: dict) -> None:
    violations = serious_violations(visit.page)
    if violations:
        problems[name] = violations
    visit.screenshot(f"workgroups-{name}-fa")


def test_secretary_meets_decides_assigns_and_the_plan_shows_the_progress(live_server, chromium, city, secretariat,
                                                                          institution):
    # A public working group with a chair, a secretary and a member, and this year's published plan
    # with one of its results in the group's charge.
    group = group_create(city=city, actor=secretariat, slug="media-literacy", name_fa="کارگروه سواد رسانه‌ای",
                         name_en="Media literacy", mandate_fa="گسترش سواد رسانه‌ای در خانواده‌های شهر")
    chair = CitizenFactory(city=city, name="فرهاد کلهر")
    secretary = CitizenFactory(city=city, name="شیرین زنگنه")
    owner = CitizenFactory(city=city, name="آرش جلیلیان")
    for person, role in ((chair, GroupRole.CHAIR), (secretary, GroupRole.SECRETARY), (owner, GroupRole.MEMBER)):
        member_add(group=group, actor=secretariat, user=person, role=role, institution=institution, notify=False)
    today = timezone.localdate()
    year = jalali_year_of(today)
    plan = plan_create(city=city, actor=secretariat, year=year, title_fa=f"برنامهٔ عمل {persian_digits(year)}")
    objective = objective_create(plan=plan, actor=secretariat, area="2.4", code="O2.4-1",
                                 title_fa="سواد رسانه‌ای برای همهٔ نسل‌ها", working_group=group)
    result = result_create(objective=objective, actor=secretariat, code="R1",
                           title_fa="۱٬۰۰۰ والد در کارگاه‌های سواد رسانه‌ای", target_value="1000", unit_fa="نفر")
    plan_publish(plan=plan, actor=secretariat)

    problems: dict[str, list[str]] = {}
    secretary_context, desk = new_visit(chromium, live_server)
    owner_context, member = new_visit(chromium, live_server)
    public_context, public = new_visit(chromium, live_server)

    # 1. The secretary opens the group's page and schedules a meeting for tomorrow, typing a Jalali date.
    log_in(desk, secretary.mobile)
    desk.go(f"/fa/groups/{group.slug}/")
    assert desk.page.get_attribute("html", "dir") == "rtl"
    assert "کارگروه سواد رسانه‌ای" in desk.page.locator("h1").inner_text()
    accessible(desk, "group", problems)
    desk.page.locator(f"a[href='/fa/groups/{group.slug}/meetings/new/']").first.click()
    desk.page.wait_for_load_state("networkidle")
    tomorrow = today + dt.timedelta(days=1)
    desk.page.fill("input[name=title_fa]", "نشست ماهانهٔ کارگروه")
    desk.page.fill("input[name=day]", jalali(tomorrow))
    desk.page.fill("input[name=starts]", "10:00")
    desk.page.fill("input[name=ends]", "12:00")
    desk.page.fill("input[name=place_fa]", "کتابخانهٔ عمومی مرکزی کرمانشاه")
    desk.page.fill("textarea[name=agenda]", "گزارش کارگاه‌های والدین\nبرنامهٔ ماه آینده")
    submit(desk, "form[data-meeting-form]")
    meeting = Meeting.objects.get(group=group)
    assert timezone.localtime(meeting.starts_at).date() == tomorrow
    assert timezone.localtime(meeting.starts_at).time() == dt.time(10, 0)
    assert meeting.attendance.count() == 3  # everyone was invited
    assert desk.page.url.endswith(f"/fa/groups/{group.slug}/meetings/{meeting.pk}/")
    main = desk.page.locator("main").inner_text()
    assert "نشست ماهانهٔ کارگروه" in main and "گزارش کارگاه‌های والدین" in main
    assert re.search(r"[۰-۹]{4}", main), "the meeting's Jalali date is written in Persian digits"

    # Decisions are taken at the meeting: before it starts, the page offers no way to record one.
    assert desk.page.locator(f"a[href$='/meetings/{meeting.pk}/decisions/new/']").count() == 0

    # 2. The next morning, at the meeting, it records a decision under the first agenda item. (The site's
    # clock, which the live server reads too, moves on to a quarter of an hour after the start.)
    clock = DemoClock()
    with clock.running(), clock.at(meeting.starts_at + dt.timedelta(minutes=15)):
        desk.go(f"/fa/groups/{group.slug}/meetings/{meeting.pk}/")
        desk.page.locator(f"a[href='/fa/groups/{group.slug}/meetings/{meeting.pk}/decisions/new/']").first.click()
        desk.page.wait_for_load_state("networkidle")
        desk.page.fill("textarea[name=text]", "چهار کارگاه سواد رسانه‌ای برای والدین در کتابخانه‌ها برگزار شود.")
        desk.page.select_option("select[name=agenda_item]", index=1)
        submit(desk, "form:has(textarea[name=text])")
        decision = Decision.objects.get(meeting=meeting)
        assert decision.number == 1 and decision.agenda_item.position == 1
        assert persian_digits(decision.code) in desk.page.locator(f"#decision-{decision.pk}").inner_text()
        accessible(desk, "meeting", problems)

    # 3. It turns the decision into a task for a member, with a Jalali deadline.
    desk.page.locator(f"#decision-{decision.pk} a[href*='/tasks/new/?decision=']").click()
    desk.page.wait_for_load_state("networkidle")
    desk.page.fill("input[name=title]", "برگزاری چهار کارگاه سواد رسانه‌ای برای والدین")
    desk.page.select_option("select[name=owner]", value=f"user:{owner.pk}")
    deadline = today + dt.timedelta(days=30)
    desk.page.fill("input[name=deadline]", jalali(deadline))
    submit(desk, "form:has(select[name=owner])")
    task = Task.objects.get(group=group)
    assert (task.decision, task.owner_user, task.deadline, task.status) == (decision, owner, deadline,
                                                                            TaskStatus.NOT_STARTED)

    # 4. The owner logs in, finds the task in "my tasks" and reports 40% (typed in Persian digits).
    log_in(member, owner.mobile)
    member.go("/fa/me/tasks/")
    row = member.page.locator(f"tr[data-task='{task.pk}']")
    assert "برگزاری چهار کارگاه سواد رسانه‌ای برای والدین" in row.inner_text()
    accessible(member, "my-tasks", problems)
    with member.page.expect_navigation(wait_until="networkidle"):
        row.locator("a").first.click()
    member.page.fill("[name=progress-progress]", "۴۰")
    member.page.fill("[name=progress-comment]", "دو کارگاه برگزار شد.")
    submit(member, "form:has(input[name=action][value=progress])")
    task.refresh_from_db()
    assert (task.status, task.progress) == (TaskStatus.IN_PROGRESS, 40)
    assert "دو کارگاه برگزار شد." in member.page.locator("main").inner_text()
    member.screenshot("workgroups-task-fa")
    member.go("/fa/me/tasks/")
    assert member.page.locator(f"tr[data-task='{task.pk}'] [data-progress]").get_attribute("data-progress") == "40"

    # 5. The secretary reports progress on the group's plan result.
    desk.go(f"/fa/plan/{year}/results/{result.pk}/")
    desk.page.select_option("select[name=status]", value="on_track")
    desk.page.fill("input[name=progress]", "۳۵")
    desk.page.fill("input[name=value]", "۳۵۰")
    desk.page.fill("textarea[name=note]", "سه کارگاه با ۳۵۰ والد برگزار شد.")
    submit(desk, "form:has([name=reported_on])")
    update = ResultUpdate.objects.get(result=result)
    assert (update.progress, update.reported_on, update.recorded_by) == (35, today, secretary)
    result = PlanResult.objects.get(pk=result.pk)
    assert (result.progress, result.status, int(result.current_value)) == (35, "on_track", 350)
    desk.screenshot("workgroups-result-fa")

    # 6. Anyone sees the new progress on the public plan page.
    public.go(f"/fa/plan/{year}/")
    progress = public.page.locator("tr[data-result='R1'] [data-progress]")
    assert progress.get_attribute("data-progress") == "35"
    assert "۳۵" in progress.inner_text()
    assert public.page.locator("tr[data-result='R1'] [data-status]").get_attribute("data-status") == "on_track"
    accessible(public, "plan", problems)

    assert problems == {}
    for visit in (desk, member, public):
        assert visit.foreign_requests() == []
        assert visit.failures == []
    for context in (secretary_context, owner_context, public_context):
        context.close()
