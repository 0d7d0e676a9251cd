"""Found in review: numbers too large to round (1e30), due dates far from the plan's year, CSV cells too long to
read, "²" as an objective id, and a result removed while a report on it was being written."""

import csv
import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.utils import translation

from learningcity.core.errors import Conflict, DomainError
from learningcity.core.text import persian_digits
from learningcity.workgroups.models import Objective, PlanResult, ResultUpdate
from learningcity.workgroups.services import plan as plan_services
from learningcity.workgroups.services.plan import (
    parse_amount,
    result_create,
    result_report,
    result_update,
    results_import,
)

from .test_plan_support import build_world, jalali, today

pytestmark = pytest.mark.django_db
HEADER = ["Result code", "Date", "Status", "Progress (%)", "Value reached", "Note"]


@pytest.fixture
def world(city):
    return build_world(city)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode()


# --- Amounts -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1e30", "99999999999999999999999999999", 1e30, Decimal("1E+30"), 10**40,
                                   "-1e30", "1000000000000"])
def test_an_amount_too_large_to_store_is_refused_with_the_limit(value):
    with pytest.raises(DomainError) as refused:
        parse_amount(value, field_name="value")
    assert refused.value.field == "value" and refused.value.code == "number_too_large"
    assert "at most 999,999,999,999.99" in str(refused.value.message)


def test_the_largest_amount_and_spreadsheet_floats_still_work():
    assert parse_amount("999,999,999,999.99") == Decimal("999999999999.99")
    assert parse_amount("۱۲٫۵") == Decimal("12.50")
    assert parse_amount(12.299999999999999) == Decimal("12.30")


def test_a_huge_value_in_a_report_is_refused_and_nothing_is_saved(world):
    with pytest.raises(DomainError) as refused:
        result_report(result=world.result, actor=world.chair, reported_on=today(), status="on_track", progress=10,
                      value="1e30")
    assert refused.value.field == "value"
    assert not ResultUpdate.objects.exists()


def test_the_report_form_shows_a_huge_value_on_its_field(client, world):
    client.force_login(world.chair)
    response = client.post(f"/en/plan/{world.plan.year}/results/{world.result.pk}/", {
        "reported_on": today().isoformat(), "status": "on_track", "progress": "10", "value": "1e30"})
    assert response.status_code == 200
    assert "too large" in response.context["form"].errors["value"][0]
    assert not ResultUpdate.objects.exists()


def test_the_result_editor_refuses_a_29_digit_target(client, world, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/en/plan/{world.plan.year}/manage/results/{world.result.pk}/", {
        "action": "save", "code": "R1", "title_fa": "x", "target_value": "9" * 29})
    assert response.status_code == 200
    assert "too large" in response.context["form"].errors["target_value"][0]
    world.result.refresh_from_db()
    assert world.result.target_value != Decimal("9" * 29)


def test_an_import_row_with_a_huge_value_is_reported_on_its_row_and_nothing_is_written(world):
    data = _csv([HEADER, ["R1", jalali(today()), "on_track", "10", "1e30"]])
    report = results_import(plan=world.plan, actor=world.chair, data=data)
    assert not report.ok
    assert [(error.row, error.column) for error in report.errors] == [(2, "Value reached")]
    assert "too large" in report.errors[0].message
    assert not ResultUpdate.objects.exists()


def test_an_xlsx_row_with_a_huge_number_is_reported_too(world):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(["R1", jalali(today()), "on_track", 10, 1e30])
    output = io.BytesIO()
    workbook.save(output)
    report = results_import(plan=world.plan, actor=world.chair, data=output.getvalue())
    assert [error.column for error in report.errors] == ["Value reached"]


# --- A CSV the reader cannot read -------------------------------------------------------------------------------

def test_a_csv_cell_longer_than_the_reader_takes_is_refused_for_the_file(world):
    data = ("Result code,Date,Status,Progress (%),Note\nR1,1405/01/02,on_track,10,\"" + "a" * 200_000
            + "\"\n").encode()
    with pytest.raises(DomainError) as refused:
        results_import(plan=world.plan, actor=world.chair, data=data)
    assert refused.value.field == "file" and refused.value.code == "csv_unreadable"
    assert "could not be read" in str(refused.value.message)
    assert not ResultUpdate.objects.exists()


def test_the_import_page_shows_why_the_csv_could_not_be_read(client, world):
    client.force_login(world.chair)
    data = ("Result code,Date,Status,Progress (%),Note\nR1,1405/01/02,on_track,10,\"" + "a" * 200_000
            + "\"\n").encode()
    response = client.post(f"/en/plan/{world.plan.year}/import/",
                           {"file": SimpleUploadedFile("r.csv", data, content_type="text/csv")})
    assert response.status_code == 200
    assert "could not be read" in response.context["form"].errors["file"][0]


# --- Due dates ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("due_on", [dt.date(9999, 12, 31), dt.date(2200, 1, 1)])
def test_a_due_date_long_after_the_plans_year_is_refused(world, secretariat, due_on):
    with pytest.raises(DomainError) as refused:
        result_update(result=world.result, actor=secretariat, due_on=due_on)
    assert refused.value.field == "due_on" and refused.value.code == "due_on_too_late"
    assert "at most ten years after the plan's year starts" in str(refused.value.message)
    world.result.refresh_from_db()
    assert world.result.due_on != due_on


def test_a_due_date_a_few_years_on_is_fine(world, secretariat):
    due_on = world.year_starts + dt.timedelta(days=3 * 365)
    result = result_create(objective=world.objective, actor=secretariat, code="R9", title_fa="هدف", target_value="5",
                           due_on=due_on)
    assert result.due_on == due_on


def test_the_result_editor_refuses_a_far_due_date_and_the_plan_stays_readable(client, world, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/en/plan/{world.plan.year}/manage/results/{world.result.pk}/", {
        "action": "save", "code": "R1", "title_fa": "x", "target_value": "10", "due_on": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["form"].errors["due_on"]
    client.logout()
    assert client.get(f"/fa/plan/{world.plan.year}/").status_code == 200
    assert client.get(f"/api/v1/plans/{world.plan.year}").status_code == 200


@pytest.mark.parametrize("reported_on", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
def test_a_report_dated_far_away_is_refused(world, reported_on):
    with pytest.raises(DomainError) as refused:
        result_report(result=world.result, actor=world.chair, reported_on=reported_on, status="on_track", progress=1)
    assert refused.value.field == "reported_on"
    assert not ResultUpdate.objects.exists()


# --- Objective ids -----------------------------------------------------------------------------------------------

def test_a_superscript_objective_id_is_a_404_and_persian_digits_still_work(client, world, secretariat):
    client.force_login(secretariat)
    url = f"/en/plan/{world.plan.year}/manage/"
    assert client.post(url, {"action": "result", "objective": "²"}).status_code == 404
    key = world.objective.pk
    response = client.post(url, {"action": "result", "objective": persian_digits(key), f"result-{key}-code": "R7",
                                 f"result-{key}-title_fa": "هدف تازه", f"result-{key}-target_value": "5"})
    assert response.status_code == 302
    assert PlanResult.objects.filter(objective=world.objective, code="R7").exists()


# --- Removing while a report is being written (PostgreSQL: real row locks) ----------------------------------------

@pytest.mark.postgres
@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                    reason="real row locks and parallel connections need PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("remove", ["result", "objective"])
def test_a_removal_waits_for_a_report_being_written_and_then_refuses(city, secretariat, monkeypatch, remove):
    """A report holds its result's lock until it commits; the removal must wait for it and then see the report,
    instead of deleting the result under it."""
    world = build_world(city)
    written, release = threading.Event(), threading.Event()
    real_audit = plan_services.audit_created
    outcome: dict = {}

    def slow_audit(**kwargs):
        entry = real_audit(**kwargs)
        if kwargs.get("action") == "result.report":
            written.set()  # the update is written and the result locked; the commit comes later
            release.wait(timeout=2)
        return entry

    monkeypatch.setattr(plan_services, "audit_created", slow_audit)

    def report():
        try:
            result = PlanResult.objects.select_related("objective__plan__city").get(pk=world.result.pk)
            outcome["update"] = result_report(result=result, actor=world.chair, reported_on=today(),
                                              status="on_track", progress=10)
        except Exception as exc:  # noqa: BLE001  (reported by the test, not lost in the thread)
            outcome["update"] = exc
        finally:
            connections.close_all()

    reporter = threading.Thread(target=report)
    reporter.start()
    assert written.wait(timeout=30)
    # Let the reporter commit a moment after the removal has started waiting (if it waits at all).
    threading.Timer(0.3, release.set).start()
    with pytest.raises(Conflict):
        if remove == "result":
            plan_services.result_remove(result=world.result, actor=secretariat)
        else:
            plan_services.objective_remove(objective=Objective.objects.get(pk=world.objective.pk), actor=secretariat)
    reporter.join(timeout=30)
    assert isinstance(outcome["update"], ResultUpdate), outcome
    assert ResultUpdate.objects.filter(result_id=world.result.pk).count() == 1
    assert PlanResult.objects.filter(pk=world.result.pk).exists()
