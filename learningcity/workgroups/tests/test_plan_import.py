"""Importing progress from CSV and XLSX: every row is checked first, then all rows are written or none."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from learningcity.core.errors import DomainError, NotFound
from learningcity.core.models import AuditEntry
from learningcity.factories import PlanResultFactory
from learningcity.workgroups.models import PlanStatus, ResultUpdate
from learningcity.workgroups.services import plan as plan_services
from learningcity.workgroups.services.plan import results_import, results_import_template

from .test_plan_support import build_world, jalali, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are compared in English; the tests that need Persian say so."""
    with translation.override("en"):
        yield

HEADER_EN = ["Result code", "Date", "Status", "Progress (%)", "Value reached", "Note", "Evidence link"]
HEADER_FA = ["کد نتیجه", "تاریخ", "وضعیت", "درصد پیشرفت", "مقدار", "توضیحات", "پیوند مستندات"]


@pytest.fixture
def world(city):
    return build_world(city)


def csv_bytes(rows: list[list], *, bom: bool = True, delimiter: str = ",") -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in rows:
        writer.writerow(row)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- What works --------------------------------------------------------------------------------------

def test_a_csv_in_persian_with_persian_digits_and_labels_is_imported_in_one_batch(world, secretariat):
    data = csv_bytes([
        HEADER_FA,
        ["R1", jalali(today(), persian=True), "در معرض خطر", "۴۵", "۱٬۲۰۰", "کمبود مربی", "https://example.org/a"],
        ["R۲", jalali(today()), "On track", "60%", "", "", ""],
    ])
    report = results_import(plan=world.plan, actor=secretariat, data=data)
    assert report.ok and report.created == 2 and report.file_format == "csv" and report.results == ["R1", "R2"]
    updates = list(ResultUpdate.objects.order_by("result__code"))
    assert {u.import_batch for u in updates} == {report.batch} and len(report.batch) >= 16
    assert updates[0].value == 1200 and updates[0].note == "کمبود مربی" and updates[0].recorded_by == secretariat
    world.result.refresh_from_db()
    world.other_result.refresh_from_db()
    assert (world.result.status, world.result.progress, world.result.current_value) == ("at_risk", 45, 1200)
    assert (world.other_result.status, world.other_result.progress) == ("on_track", 60)
    entry = AuditEntry.objects.get(action="plan.results_import")
    assert entry.changes["import_batch"][1] == report.batch and entry.changes["updates"][1] == 2


def test_an_xlsx_with_numbers_and_date_cells_is_imported(world, secretariat):
    data = xlsx_bytes([
        HEADER_EN,
        ["R1", jalali(today()), "achieved", 100, 2000.0, "تمام شد", "https://example.org/b"],
        ["R2", today(), "off_track", 10.0, 1, None, None],
    ])
    report = results_import(plan=world.plan, actor=secretariat, data=data)
    assert report.ok and report.file_format == "xlsx" and report.created == 2
    world.result.refresh_from_db()
    world.other_result.refresh_from_db()
    assert (world.result.status, world.result.progress, world.result.current_value) == ("achieved", 100, 2000)
    assert (world.other_result.status, world.other_result.progress) == ("off_track", 10)


def test_a_csv_saved_with_semicolons_and_without_bom_is_read(world, secretariat):
    data = csv_bytes([HEADER_EN, ["R1", jalali(today()), "on_track", "5", "", "", ""]], bom=False, delimiter=";")
    assert results_import(plan=world.plan, actor=secretariat, data=data).created == 1


def test_rows_with_only_a_code_are_skipped_so_a_template_can_be_filled_in_part(world, secretariat):
    data = csv_bytes([
        ["Result code", "Result title", "Date", "Status", "Progress (%)"],
        ["R1", "۲۰۰۰ خانواده", jalali(today()), "on_track", "20"],
        ["R2", "۱۰ نشست", "", "", ""],
        [],
    ])
    report = results_import(plan=world.plan, actor=secretariat, data=data)
    assert report.ok and report.created == 1 and report.skipped == 1
    assert not world.other_result.updates.exists()


def test_an_imported_update_older_than_the_newest_report_does_not_move_the_result(world, secretariat):
    if world.year_starts == today():
        pytest.skip("needs two distinct days in the plan's year")
    plan_services.result_report(result=world.result, actor=secretariat, reported_on=today(), status="on_track",
                                progress=70)
    data = csv_bytes([HEADER_EN, ["R1", jalali(world.year_starts), "off_track", "5", "", "", ""]])
    results_import(plan=world.plan, actor=secretariat, data=data)
    world.result.refresh_from_db()
    assert (world.result.status, world.result.progress) == ("on_track", 70)
    assert world.result.updates.count() == 2


def test_within_a_file_the_newest_date_wins_and_a_later_row_wins_a_tie(world, secretariat):
    rows = [HEADER_EN, ["R1", jalali(today()), "at_risk", "40", "", "", ""],
            ["R1", jalali(today()), "on_track", "50", "", "", ""]]
    if world.year_starts != today():
        rows.append(["R1", jalali(world.year_starts), "off_track", "1", "", "", ""])
    results_import(plan=world.plan, actor=secretariat, data=csv_bytes(rows))
    world.result.refresh_from_db()
    assert (world.result.status, world.result.progress) == ("on_track", 50)


# --- All or nothing ----------------------------------------------------------------------------------

def test_one_bad_row_commits_nothing_and_the_report_names_its_row_and_column(world, secretariat):
    data = csv_bytes([
        HEADER_EN,
        ["R1", jalali(today()), "on_track", "50", "", "", ""],
        ["R2", jalali(today()), "on_track", "150", "", "", ""],
        ["R1", jalali(today()), "on_track", "55", "", "", ""],
    ])
    with translation.override("en"):
        report = results_import(plan=world.plan, actor=secretariat, data=data)
    assert not report.ok and report.batch == ""
    assert [(e.row, e.column) for e in report.errors] == [(3, "Progress (%)")]
    assert "between 0 and 100" in report.errors[0].message
    assert not ResultUpdate.objects.exists() and not AuditEntry.objects.filter(action="plan.results_import").exists()
    world.result.refresh_from_db()
    assert world.result.progress == 0


def test_every_problem_of_every_row_is_reported_in_the_page_language(world, secretariat):
    future = jalali(today() + dt.timedelta(days=2))
    data = csv_bytes([
        HEADER_EN,
        ["R404", future, "finished", "-3", "lots", "", "ftp://x"],
        ["", "1405/13/40", "on_track", "5", "", "", ""],
        ["R1", "", "", "", "", "", ""],  # nothing but a code: skipped, not an error
        ["R1", "", "", "", "", "a note", ""],  # something to report, but no date, status or progress
    ])
    with translation.override("fa"):
        report = results_import(plan=world.plan, actor=secretariat, data=data)
        columns = {column: str(label) for column, (label, _aliases) in plan_services.IMPORT_COLUMNS.items()}
    found = {(e.row, e.column) for e in report.errors}
    assert {(2, columns["code"]), (2, columns["date"]), (2, columns["status"]), (2, columns["progress"]),
            (2, columns["value"]), (2, columns["evidence"])} <= found
    assert {(3, columns["code"]), (3, columns["date"])} <= found
    assert {(5, columns["date"]), (5, columns["status"]), (5, columns["progress"])} <= found
    assert not any(e.row == 4 for e in report.errors)
    message = next(e.message for e in report.errors if e.row == 2 and e.column == columns["code"])
    assert "R404" in message
    assert not ResultUpdate.objects.exists()


def test_a_date_before_the_plan_year_is_a_row_error(world, secretariat):
    data = csv_bytes([HEADER_EN, ["R1", "1390/01/01", "on_track", "5", "", "", ""]])
    report = results_import(plan=world.plan, actor=secretariat, data=data)
    assert [e.row for e in report.errors] == [2] and not ResultUpdate.objects.exists()


def test_a_chair_imports_only_the_results_of_their_own_group(world):
    data = csv_bytes([HEADER_EN, ["R1", jalali(today()), "on_track", "10", "", "", ""],
                      ["R2", jalali(today()), "on_track", "10", "", "", ""]])
    report = results_import(plan=world.plan, actor=world.chair, data=data)
    assert not report.ok and [(e.row, e.column) for e in report.errors] == [(3, "Result code")]
    assert not ResultUpdate.objects.exists()
    own = csv_bytes([HEADER_EN, ["R1", jalali(today()), "on_track", "10", "", "", ""]])
    assert results_import(plan=world.plan, actor=world.secretary, data=own).ok
    for person in (world.member, world.observer, world.outsider):
        assert not results_import(plan=world.plan, actor=person, data=own).ok
    assert ResultUpdate.objects.count() == 1


def test_nobody_but_the_secretariat_imports_into_a_draft_plan(city, secretariat):
    world = build_world(city, status=PlanStatus.DRAFT)
    data = csv_bytes([HEADER_EN, ["R1", jalali(today()), "on_track", "10", "", "", ""]])
    with pytest.raises(NotFound):
        results_import(plan=world.plan, actor=world.chair, data=data)
    assert results_import(plan=world.plan, actor=secretariat, data=data).ok


# --- Files that are not what they say ----------------------------------------------------------------

def _zip_without_workbook() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "words"), [
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "neither CSV"),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "neither CSV"),
    ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, ".xls"),
    ("zip", _zip_without_workbook(), "neither CSV"),
    ("utf16", "Result code,Date\n".encode("utf-16"), "neither CSV"),
    ("windows-1256", "کد نتيجه,تاريخ\n".encode("cp1256"), "UTF-8"),
    ("empty", b"", "empty"),
    ("broken-xlsx", b"PK\x03\x04" + b"garbage" * 10, "neither CSV"),
])
def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_its_content(world, secretariat, name, data, words):
    with translation.override("en"), pytest.raises(DomainError) as refused:
        results_import(plan=world.plan, actor=secretariat, data=data)
    assert words in str(refused.value.message) and refused.value.field == "file"
    assert not ResultUpdate.objects.exists()


def test_a_csv_without_the_required_columns_is_refused(world, secretariat):
    data = csv_bytes([["code", "when", "how"], ["R1", jalali(today()), "on_track"]])
    with translation.override("en"), pytest.raises(DomainError) as refused:
        results_import(plan=world.plan, actor=secretariat, data=data)
    assert "Date" in str(refused.value.message) and "Progress" in str(refused.value.message)


def test_a_column_named_twice_is_refused(world, secretariat):
    data = csv_bytes([["code", "Date", "تاریخ", "Status", "Progress"], ["R1", "1405/01/01", "1405/01/01", "x", "1"]])
    with pytest.raises(DomainError):
        results_import(plan=world.plan, actor=secretariat, data=data)


def test_a_file_with_nothing_to_import_says_so(world, secretariat):
    with pytest.raises(DomainError) as refused:
        results_import(plan=world.plan, actor=secretariat, data=csv_bytes([HEADER_EN, ["R1"], ["R2"]]))
    assert refused.value.field == "file"


def test_size_and_row_limits(world, secretariat, monkeypatch):
    monkeypatch.setattr(plan_services, "MAX_IMPORT_ROWS", 2)
    rows = [HEADER_EN] + [["R1", jalali(today()), "on_track", str(i), "", "", ""] for i in range(3)]
    with translation.override("en"), pytest.raises(DomainError) as refused:
        results_import(plan=world.plan, actor=secretariat, data=csv_bytes(rows))
    assert "more than 2 rows" in str(refused.value.message)
    monkeypatch.setattr(plan_services, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(DomainError) as refused:
        results_import(plan=world.plan, actor=secretariat, data=b"a" * 101)
    assert refused.value.field == "file"
    assert not ResultUpdate.objects.exists()


# --- The template ------------------------------------------------------------------------------------

@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_template_lists_the_results_and_comes_back_in_as_an_import(world, secretariat, file_format):
    with translation.override("fa"):
        content = results_import_template(plan=world.plan, file_format=file_format, actor=secretariat)
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert sheet.sheet_view.rightToLeft
    else:
        import csv

        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["R1", "R2"]
    assert rows[1][1] == "۲۰۰۰ خانواده در دوره‌ها"
    # Fill in one row (date, status, progress) and import the file as it is.
    filled = [list(row) for row in rows]
    filled[1][2:5] = [jalali(today(), persian=True), "در مسیر", "۳۰"]
    data = xlsx_bytes(filled) if file_format == "xlsx" else csv_bytes(filled)
    with translation.override("fa"):
        report = results_import(plan=world.plan, actor=secretariat, data=data)
    assert report.ok and report.created == 1 and report.skipped == 1
    world.result.refresh_from_db()
    assert (world.result.status, world.result.progress) == ("on_track", 30)


def test_a_chairs_template_has_only_their_groups_results(world):
    content = results_import_template(plan=world.plan, file_format="csv", actor=world.chair).decode("utf-8-sig")
    assert "R1" in content and "R2" not in content


def test_a_spreadsheet_formula_in_a_title_stays_text_in_the_template(world, secretariat):
    PlanResultFactory(objective=world.objective, code="R3", title_fa="=HYPERLINK(\"x\")")
    with translation.override("fa"):  # the Persian title is the one written in the template
        content = results_import_template(plan=world.plan, file_format="csv", actor=secretariat).decode("utf-8-sig")
    assert "'=HYPERLINK" in content


# --- The import page ---------------------------------------------------------------------------------

def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_page_shows_the_row_by_row_report_and_saves_nothing(client, world, secretariat):
    client.force_login(secretariat)
    data = csv_bytes([HEADER_EN, ["R1", jalali(today()), "on_track", "50", "", "", ""],
                      ["R2", jalali(today()), "on_track", "۲۰۰", "", "", ""]])
    response = client.post(f"/fa/plan/{world.plan.year}/import/", {"file": _upload("progress.csv", data)})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html and 'data-row="3"' in html and "۳" in html
    assert not ResultUpdate.objects.exists()


def test_the_page_imports_and_shows_a_summary_of_the_batch(client, world, secretariat):
    client.force_login(secretariat)
    data = xlsx_bytes([HEADER_EN, ["R1", jalali(today()), "on_track", 50, None, None, None]])
    response = client.post(f"/fa/plan/{world.plan.year}/import/", {"file": _upload("progress.xlsx", data)})
    assert response.status_code == 302
    batch = ResultUpdate.objects.get().import_batch
    assert response["Location"].endswith(f"?batch={batch}")
    html = client.get(response["Location"]).content.decode()
    assert 'id="import-summary"' in html and "R1" in html and "۵۰" in html


def test_the_page_refuses_a_pdf_named_csv_with_a_form_error(client, world, secretariat):
    client.force_login(secretariat)
    response = client.post(f"/en/plan/{world.plan.year}/import/",
                           {"file": _upload("progress.csv", b"%PDF-1.4 fake")})
    assert response.status_code == 200 and "neither CSV" in response.content.decode()
    assert not ResultUpdate.objects.exists()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_templates_download(client, world, secretariat, file_format):
    client.force_login(secretariat)
    response = client.get(f"/fa/plan/{world.plan.year}/import/template.{file_format}")
    assert response.status_code == 200
    assert f"plan-{world.plan.year}-results.{file_format}" in response["Content-Disposition"]
    assert b"R1" in response.content or file_format == "xlsx"


@pytest.mark.parametrize(("who", "status"), [("secretariat", 200), ("chair", 200), ("secretary", 200),
                                             ("member", 404), ("observer", 404), ("outsider", 404),
                                             ("anonymous", 404)])
def test_who_may_open_the_import_page_and_the_template(client, world, request, who, status):
    person = request.getfixturevalue("secretariat") if who == "secretariat" else getattr(world, who, None)
    if person is not None:
        client.force_login(person)
    assert client.get(f"/fa/plan/{world.plan.year}/import/").status_code == status
    assert client.get(f"/fa/plan/{world.plan.year}/import/template.csv").status_code == status


def test_an_unknown_template_format_is_a_404(client, world, secretariat):
    client.force_login(secretariat)
    assert client.get(f"/fa/plan/{world.plan.year}/import/template.pdf").status_code == 404
