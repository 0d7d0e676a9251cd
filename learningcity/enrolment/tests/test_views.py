"""The enrolment pages as people use them: the panel with and without JavaScript, the learner's buttons,
the staff's attendee list, exports, check-in and cancelling an offering."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone, translation

from learningcity.catalogue.models import OfferingStatus, ProgrammeStatus
from learningcity.core.jalali import format_date
from learningcity.core.sms import MemorySmsBackend
from learningcity.enrolment import services
from learningcity.enrolment.models import Attendance, Enrolment, EnrolmentStatus
from learningcity.factories import OfferingFactory, ProgrammeFactory

S = EnrolmentStatus
HTMX = {"HTTP_HX_REQUEST": "true"}


def panel_url(offering, lang="fa"):
    return f"/{lang}/enrolments/offerings/{offering.pk}/"


def enrol_url(offering, lang="fa"):
    return f"/{lang}/enrolments/offerings/{offering.pk}/enrol/"


def fill(offering, make_citizen, n):
    return [services.enrolment_request(offering=offering, citizen=c, acting_user=c)[0]
            for c in (make_citizen() for _ in range(n))]


def fa(msgid, **values):
    with translation.override("fa"):
        text = translation.gettext(msgid)
    return text % values if values else text


# --- the panel --------------------------------------------------------------------------------


def test_the_panel_shows_seats_and_asks_visitors_to_log_in(client, offering, make_citizen):
    fill(offering, make_citizen, 1)
    response = client.get(panel_url(offering, "en"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "Media literacy for parents" in html
    assert "1 of 2" in html  # seats left
    assert "Log in to enrol" in html
    assert f"/en/accounts/login/?next=%2Fen%2Fenrolments%2Fofferings%2F{offering.pk}%2F" in html


def test_the_panel_is_a_fragment_for_htmx_with_the_login_link_back_to_the_embedding_page(client, offering):
    response = client.get(panel_url(offering, "en"), HTTP_HX_CURRENT_URL="http://testserver/en/programmes/7/", **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert f'id="enrolment-panel-{offering.pk}"' in html
    assert "next=%2Fen%2Fprogrammes%2F7%2F" in html


def test_the_panel_shows_persian_digits_and_jalali_dates_on_persian_pages(client, offering):
    html = client.get(panel_url(offering)).content.decode()
    assert "۲" in html
    assert format_date(offering.enrolment_closes_at, "long", "fa") in html


def test_a_citizen_enrols_without_javascript_and_sees_the_confirmation(client_as, offering, make_citizen):
    client = client_as(make_citizen())
    response = client.post(enrol_url(offering, "en"), {"next": panel_url(offering, "en")}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == panel_url(offering, "en")
    assert "Your seat is confirmed." in html
    assert "Cancel my enrolment" in html
    assert Enrolment.objects.get().status == S.CONFIRMED


def test_a_citizen_joins_the_waitlist_with_htmx_and_sees_their_position(client_as, offering, make_citizen):
    fill(offering, make_citizen, 3)
    client = client_as(make_citizen())
    response = client.post(enrol_url(offering, "en"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "You are on the waitlist, number 2." in html
    assert "You are number 2 of 2 on the waitlist." in html
    assert "Leave the waitlist" in html


def test_a_double_click_makes_one_enrolment(client_as, offering, citizen):
    client = client_as(citizen)
    client.post(enrol_url(offering, "en"))
    response = client.post(enrol_url(offering, "en"), follow=True)
    assert "You are already enrolled in this offering." in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in_and_back(client, offering):
    response = client.post(enrol_url(offering))
    assert response.status_code == 302
    assert response["Location"] == f"/fa/accounts/login/?next=/fa/enrolments/offerings/{offering.pk}/"
    response = client.post(enrol_url(offering), **HTMX)
    assert response["HX-Redirect"].startswith("/fa/accounts/login/?next=")
    assert not Enrolment.objects.exists()


def test_the_enrol_button_takes_no_get(client_as, offering, citizen):
    assert client_as(citizen).get(enrol_url(offering)).status_code == 405


def test_a_closed_window_is_explained_in_the_pages_language_and_nothing_changes(client_as, offering, citizen):
    offering.enrolment_closes_at = timezone.now() - dt.timedelta(hours=2)
    offering.save()
    client = client_as(citizen)
    html = client.post(enrol_url(offering, "en"), follow=True).content.decode()
    assert "Enrolment for this offering closed on" in html
    html = client.post(enrol_url(offering, "fa"), follow=True).content.decode()
    assert fa("Enrolment for this offering closed on %(closes)s.",
              closes=format_date(offering.enrolment_closes_at, "long", "fa")).split("،")[0][:20] in html
    assert not Enrolment.objects.exists()
    offering.refresh_from_db()
    assert offering.confirmed_count == 0


def test_a_person_over_the_cap_is_told_why(settings, client_as, programme, citizen):
    settings.ENROLMENT_CAP = 1
    services.enrolment_request(offering=OfferingFactory(programme=programme), citizen=citizen, acting_user=citizen)
    second = OfferingFactory(programme=programme)
    html = client_as(citizen).post(enrol_url(second, "en"), **HTMX).content.decode()
    assert "You already have 1 active enrolment in this city" in html
    assert not Enrolment.objects.filter(offering=second).exists()


def test_a_cancelled_offering_says_so_with_its_reason_escaped(client_as, offering, citizen, institution_admin):
    services.offering_cancel(offering=offering, acting_user=institution_admin, reason="<script>alert(1)</script>")
    client = client_as(citizen)
    html = client.get(panel_url(offering, "en")).content.decode()
    assert "This offering was cancelled by its provider." in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    html = client.post(enrol_url(offering, "en"), **HTMX).content.decode()
    assert "no one can enrol" in html
    assert not Enrolment.objects.exists()


def test_html_in_a_programme_title_is_shown_escaped(client, institution):
    programme = ProgrammeFactory(institution=institution, title_en="<b>Bold</b> course")
    offering = OfferingFactory(programme=programme)
    html = client.get(panel_url(offering, "en")).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; course" in html and "<b>Bold</b>" not in html


def test_unpublished_and_other_city_offerings_are_not_found(client, offering, other_city):
    draft = OfferingFactory(programme=ProgrammeFactory(institution=offering.programme.institution,
                                                       status=ProgrammeStatus.SUBMITTED))
    assert client.get(panel_url(draft)).status_code == 404
    elsewhere = OfferingFactory(programme=ProgrammeFactory(institution__city=other_city))
    assert client.get(panel_url(elsewhere)).status_code == 404
    assert client.get(panel_url(elsewhere), HTTP_HOST="hamedan.example.org").status_code == 200


def test_leaving_a_seat_hands_it_to_the_next_person(client_as, offering, learner, enrolled, make_citizen):
    waiting = fill(offering, make_citizen, 2)
    response = client_as(learner).post(f"/en/enrolments/{enrolled.pk}/cancel/", **HTMX)
    assert "Your enrolment is cancelled." in response.content.decode()
    assert Enrolment.objects.get(pk=enrolled.pk).status == S.CANCELLED
    assert Enrolment.objects.get(pk=waiting[1].pk).status == S.CONFIRMED


def test_nobody_can_cancel_someone_elses_enrolment(client_as, enrolled, citizen):
    assert client_as(citizen).post(f"/fa/enrolments/{enrolled.pk}/cancel/").status_code == 404
    assert Enrolment.objects.get(pk=enrolled.pk).status == S.CONFIRMED


def test_an_offered_seat_is_accepted_or_declined_from_the_panel(client_as, offer_offering, make_citizen):
    holders = fill(offer_offering, make_citizen, 4)
    services.enrolment_cancel(enrolment=holders[0], acting_user=holders[0].citizen)
    offer = Enrolment.objects.get(status=S.OFFERED)
    client = client_as(offer.citizen)
    html = client.get(panel_url(offer_offering, "en")).content.decode()
    assert "A seat is free for you." in html and "Accept the seat" in html and "Decline" in html
    html = client.post(f"/en/enrolments/{offer.pk}/accept/", **HTMX).content.decode()
    assert "Your seat is confirmed." in html
    assert Enrolment.objects.get(pk=offer.pk).status == S.CONFIRMED
    # The next one declines.
    services.enrolment_cancel(enrolment=holders[1], acting_user=holders[1].citizen)
    second = Enrolment.objects.get(status=S.OFFERED)
    assert client_as(offer.citizen).post(f"/en/enrolments/{second.pk}/decline/").status_code == 404
    response = client_as(second.citizen).post(f"/en/enrolments/{second.pk}/decline/", follow=True)
    assert "You declined the seat" in response.content.decode()
    assert Enrolment.objects.get(pk=second.pk).status == S.DECLINED


def test_the_panel_needs_few_queries(client_as, offering, learner, enrolled, make_citizen,
                                     django_assert_max_num_queries):
    fill(offering, make_citizen, 5)
    client = client_as(learner)
    with django_assert_max_num_queries(15):
        assert client.get(panel_url(offering)).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(panel_url(offering), **HTMX).status_code == 200


def test_enrolling_needs_few_queries(client_as, offering, make_citizen, django_assert_max_num_queries):
    fill(offering, make_citizen, 3)
    client = client_as(make_citizen())
    with django_assert_max_num_queries(25):  # the write itself, then the refreshed panel
        assert client.post(enrol_url(offering), **HTMX).status_code == 200


# --- staff pages ------------------------------------------------------------------------------


def test_the_attendee_list_shows_groups_positions_and_contacts_to_the_offerings_staff(
    client_as, offer_offering, make_citizen, institution_editor, secretariat
):
    people = fill(offer_offering, make_citizen, 5)
    services.enrolment_cancel(enrolment=people[0], acting_user=people[0].citizen)  # people[2] is offered the seat
    url = f"/en/enrolments/offerings/{offer_offering.pk}/attendees/"
    html = client_as(institution_editor).get(url).content.decode()
    assert people[1].citizen.name in html and people[1].citizen.mobile in html
    assert 'data-list="offered"' in html and people[2].citizen.name in html
    assert f'<tr data-enrolment="{people[3].pk}">' in html
    assert 'data-position>1<' in html and 'data-position>2<' in html
    # The secretariat oversees, but does not get the learners' phone numbers.
    html = client_as(secretariat).get(url).content.decode()
    assert people[1].citizen.name in html and people[1].citizen.mobile not in html


def test_the_attendee_list_escapes_names_and_needs_few_queries(
    client_as, offering, make_citizen, institution_admin, django_assert_max_num_queries
):
    fill(offering, make_citizen, 1)
    sneaky = make_citizen(name="<img src=x onerror=alert(1)>")
    services.enrolment_request(offering=offering, citizen=sneaky, acting_user=sneaky)
    fill(offering, make_citizen, 28)
    client = client_as(institution_admin)
    with django_assert_max_num_queries(15):
        html = client.get(f"/fa/enrolments/offerings/{offering.pk}/attendees/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


def _csv_rows(response):
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_has_everyone_with_jalali_dates_in_persian(
    client_as, offering, make_citizen, institution_admin, django_assert_max_num_queries
):
    people = fill(offering, make_citizen, 3)
    formula = make_citizen(name="=HYPERLINK(\"http://evil\")")
    services.enrolment_request(offering=offering, citizen=formula, acting_user=formula)
    client = client_as(institution_admin)
    with django_assert_max_num_queries(15):
        response = client.get(f"/fa/enrolments/offerings/{offering.pk}/attendees.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = _csv_rows(response)
    with translation.override("fa"):
        assert rows[0][:3] == [translation.gettext("Status"), translation.gettext("Waitlist position"),
                               translation.gettext("Name")]
    assert len(rows) == 5
    by_name = {row[2]: row for row in rows[1:]}
    assert by_name[people[0].citizen.name][3] == people[0].citizen.mobile
    assert by_name[people[2].citizen.name][1] == "1"
    requested = by_name[people[0].citizen.name][5]
    assert requested.startswith(format_date(people[0].requested_at, "short", "fa"))  # e.g. ۱۴۰۵/۰۹/۰۳ ۱۴:۳۰
    assert "'=HYPERLINK" in "".join(rows[-1])


def test_the_english_csv_export_has_gregorian_dates_and_no_contacts_for_the_secretariat(
    client_as, offering, make_citizen, secretariat
):
    people = fill(offering, make_citizen, 1)
    rows = _csv_rows(client_as(secretariat).get(f"/en/enrolments/offerings/{offering.pk}/attendees.csv"))
    assert rows[0] == ["Status", "Waitlist position", "Name", "Requested", "Confirmed", "Offer expires"]
    assert rows[1][0] == "Confirmed" and rows[1][2] == people[0].citizen.name
    assert rows[1][3] == timezone.localtime(people[0].requested_at).strftime("%Y-%m-%d %H:%M")


def test_the_xlsx_export_opens_with_persian_text_right_to_left(client_as, offering, make_citizen, institution_admin):
    from openpyxl import load_workbook

    persian = make_citizen(name="زهرا کرمانشاهی")
    services.enrolment_request(offering=offering, citizen=persian, acting_user=persian)
    formula = make_citizen(name="=1+1")
    services.enrolment_request(offering=offering, citizen=formula, acting_user=formula)
    fill(offering, make_citizen, 1)
    response = client_as(institution_admin).get(f"/fa/enrolments/offerings/{offering.pk}/attendees.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.sheet_view.rightToLeft
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    names = [row[2] for row in rows[1:]]
    assert "زهرا کرمانشاهی" in names and "=1+1" in names  # kept as text, never run as a formula
    formula_cell = next(cell for cell in sheet["C"] if cell.value == "=1+1")
    assert formula_cell.data_type == "s"
    assert rows[3][1] == 1  # the waiting person's position
    assert rows[1][5].startswith(format_date(timezone.now(), "short", "fa")[:4])


def test_taking_attendance_for_the_whole_list(client_as, programme, make_citizen, institution_editor):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    offering = OfferingFactory(programme=programme, starts_on=yesterday)
    here, away, unmarked = fill(offering, make_citizen, 3)
    session = offering.sessions.order_by("starts_at").first()
    client = client_as(institution_editor)
    url = f"/en/enrolments/sessions/{session.pk}/check-in/"
    html = client.get(url).content.decode()
    assert here.citizen.name in html and "Save attendance" in html
    response = client.post(url, {f"p{here.pk}": "1", f"p{away.pk}": "0"}, follow=True)
    assert "Attendance saved (2 changes)." in response.content.decode()
    marks = dict(Attendance.objects.values_list("enrolment_id", "present"))
    assert marks == {here.pk: True, away.pk: False}
    html = client.get(url).content.decode()
    assert "Recorded: present" in html and "Recorded: absent" in html
    # One tap with htmx: only that person's mark is sent, and the answer is a small status.
    response = client.post(url, {f"p{unmarked.pk}": "1"}, **HTMX)
    assert "Saved: present" in response.content.decode() and "<html" not in response.content.decode()
    assert Attendance.objects.get(enrolment=unmarked).present is True


def test_attendance_for_a_future_session_is_refused_and_nothing_is_saved(
    client_as, offering, make_citizen, institution_editor
):
    person = fill(offering, make_citizen, 1)[0]
    session = offering.sessions.first()
    url = f"/en/enrolments/sessions/{session.pk}/check-in/"
    html = client_as(institution_editor).post(url, {f"p{person.pk}": "1"}).content.decode()
    assert "Attendance can be taken from the day of the session on." in html
    assert not Attendance.objects.exists()


def test_the_check_in_page_needs_few_queries(client_as, programme, make_citizen, institution_editor,
                                             django_assert_max_num_queries):
    offering = OfferingFactory(programme=programme, capacity=30,
                               starts_on=timezone.localdate() - dt.timedelta(days=1))
    fill(offering, make_citizen, 30)
    session = offering.sessions.first()
    client = client_as(institution_editor)
    with django_assert_max_num_queries(15):
        assert client.get(f"/fa/enrolments/sessions/{session.pk}/check-in/").status_code == 200
    marks = {f"p{e.pk}": "1" for e in Enrolment.objects.filter(offering=offering)}
    with django_assert_max_num_queries(15):
        assert client.post(f"/fa/enrolments/sessions/{session.pk}/check-in/", marks).status_code == 302
    assert Attendance.objects.filter(present=True).count() == 30


def test_cancelling_an_offering_needs_a_reason_and_then_tells_everyone(
    client_as, offering, make_citizen, institution_admin, on_commit
):
    people = fill(offering, make_citizen, 3)
    client = client_as(institution_admin)
    url = f"/en/enrolments/offerings/{offering.pk}/cancel/"
    html = client.get(url).content.decode()
    assert "3 people enrolled or waiting will be told" in html
    html = client.post(url, {"reason": "  ", "confirm": "on"}).content.decode()
    assert "Nothing was saved" in html
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SCHEDULED
    MemorySmsBackend.outbox.clear()
    with on_commit():
        response = client.post(url, {"reason": "The teacher is ill", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == f"/en/enrolments/offerings/{offering.pk}/attendees/"
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CANCELLED
    assert sorted(m.to for m in MemorySmsBackend.outbox) == sorted(p.citizen.mobile for p in people)
    assert all("The teacher is ill" in m.body for m in MemorySmsBackend.outbox)
    assert mail.outbox == []  # these learners gave no email
    assert "cannot be cancelled" in client.get(url).content.decode()


def test_cancelling_an_offering_needs_the_confirmation_box(client_as, offering, institution_admin):
    client_as(institution_admin).post(f"/en/enrolments/offerings/{offering.pk}/cancel/", {"reason": "x"})
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SCHEDULED


@pytest.mark.parametrize("typed, expected", [("۵", 5), ("4", 4)])
def test_staff_add_seats_in_any_digits_and_the_waiting_move_up(
    client_as, offering, make_citizen, institution_admin, typed, expected
):
    people = fill(offering, make_citizen, 5)
    response = client_as(institution_admin).post(f"/en/enrolments/offerings/{offering.pk}/capacity/",
                                                 {"capacity": typed}, follow=True)
    assert f"The offering now has {expected} seats." in response.content.decode()
    assert Enrolment.objects.filter(status=S.CONFIRMED).count() == expected
    assert Enrolment.objects.get(pk=people[-1].pk).status == (S.CONFIRMED if expected == 5 else S.WAITLISTED)


def test_staff_cannot_cut_seats_below_those_taken(client_as, offering, make_citizen, institution_admin):
    fill(offering, make_citizen, 2)
    response = client_as(institution_admin).post(f"/en/enrolments/offerings/{offering.pk}/capacity/",
                                                 {"capacity": "1"}, follow=True)
    assert "2 seats are already taken or on offer" in response.content.decode()
    offering.refresh_from_db()
    assert offering.capacity == 2


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2", "<script>", "", "1' OR 1=1"])
def test_odd_check_in_values_are_refused_or_ignored_without_a_failure(client_as, programme, make_citizen,
                                                                      institution_editor, value):
    offering = OfferingFactory(programme=programme, starts_on=timezone.localdate() - dt.timedelta(days=1))
    person = fill(offering, make_citizen, 1)[0]
    session = offering.sessions.order_by("starts_at").first()
    response = client_as(institution_editor).post(f"/en/enrolments/sessions/{session.pk}/check-in/",
                                                  {f"p{person.pk}": value, "p999999": "1"})
    assert response.status_code in (200, 302)
    assert "<script>" not in response.content.decode()
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("typed", ["abc", "-1", "0", "1000001", "", "<b>9</b>"])
def test_bad_seat_numbers_are_refused_with_a_message(client_as, offering, institution_admin, typed):
    response = client_as(institution_admin).post(f"/en/enrolments/offerings/{offering.pk}/capacity/",
                                                 {"capacity": typed}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="alert alert-danger"' in html and "<b>9" not in html
    offering.refresh_from_db()
    assert offering.capacity == 2


def test_unknown_offerings_sessions_and_enrolments_are_404(client_as, institution_admin):
    client = client_as(institution_admin)
    for url in ["/fa/enrolments/offerings/999999/", "/fa/enrolments/offerings/999999/attendees/",
                "/fa/enrolments/sessions/999999/check-in/", "/fa/enrolments/offerings/999999/cancel/",
                "/fa/enrolments/offerings/abc/"]:
        assert client.get(url).status_code == 404, url
    for url in ["/fa/enrolments/offerings/999999/enrol/", "/fa/enrolments/999999/cancel/",
                "/fa/enrolments/999999/accept/", "/fa/enrolments/999999/decline/"]:
        assert client.post(url).status_code == 404, url


def test_an_unsafe_next_address_is_ignored(client_as, offering, citizen):
    response = client_as(citizen).post(enrol_url(offering), {"next": "https://evil.example.com/"})
    assert response["Location"] == panel_url(offering)


def test_the_admin_lists_enrolments_read_only(client_as, superuser, offering, enrolled):
    admin_client = client_as(superuser)
    response = admin_client.get("/fa/admin/enrolment/enrolment/")
    assert response.status_code == 200 and enrolled.citizen.name in response.content.decode()
    assert admin_client.get("/fa/admin/enrolment/enrolment/add/").status_code == 403
    assert admin_client.get("/fa/admin/enrolment/attendance/").status_code == 200
