"""The provider console through real requests: who may open and do what (denied is a 404), the forms, the queries."""

import jdatetime
import pytest
from django.core import mail

from learningcity.catalogue import services
from learningcity.catalogue.models import Offering, Programme, ProgrammeStatus, Session, Venue
from learningcity.core.models import AuditEntry
from learningcity.factories import DistrictFactory, ProgrammeFactory, UserFactory

from .test_console_support import *  # noqa: F403
from .test_console_support import make_draft, offering_fields

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "institution_editor", "institution_admin", "other_admin", "secretariat",
         "other_secretariat", "superuser"]
STAFF = {"institution_editor", "institution_admin", "secretariat", "superuser"}
SECRETARIAT = {"secretariat", "superuser"}
CONSOLE_USERS = STAFF | {"other_admin", "other_secretariat"}
HAMEDAN = "hamedan.example.org"


@pytest.fixture
def as_role(request, client, institution_admin, institution_editor, other_admin, other_secretariat):
    """A client logged in as `role`; the other city's secretariat asks through its own host name."""

    def login(role):
        client.logout()
        user = request.getfixturevalue(role)
        if user is not None:
            client.force_login(user)
        client.defaults["HTTP_HOST"] = HAMEDAN if role == "other_secretariat" else "testserver"
        return client

    return login


def _jalali(day: jdatetime.date) -> str:
    return day.strftime("%Y/%m/%d")


def programme_data(domains=(), **extra) -> dict:
    data = {
        "title_fa": "آشپزی سالم برای خانواده", "title_en": "Healthy cooking for families", "description_fa": "",
        "description_en": "", "outcomes_fa": "", "outcomes_en": "", "level": "all", "language": "fa",
        "format": "in_person", "hours": "12", "is_free": "on", "fee_rials": "", "prerequisites_fa": "",
        "prerequisites_en": "", "accessibility_fa": "", "accessibility_en": "",
        "domains": [str(d.pk) for d in domains],
    }
    data.update(extra)
    return data


def offering_data(venue, sessions=(("1405/09/14", "17:00", "19:00"), ("1405/09/21", "17:00", "19:00")),
                  **extra) -> dict:
    data = {
        "capacity": "۲۰", "opens_date": "1405/09/01", "opens_time": "08:00", "closes_date": "1405/09/10",
        "closes_time": "23:00", "venue": str(venue.pk) if venue else "", "online_url": "",
        "waitlist_policy": "auto_confirm", "offer_hours": "24", "completion_rule": "attendance",
        "attendance_percent": "75", "sessions-TOTAL_FORMS": str(len(sessions)), "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0", "sessions-MAX_NUM_FORMS": "200",
    }
    for index, (day, starts, ends) in enumerate(sessions):
        data.update({f"sessions-{index}-date": day, f"sessions-{index}-starts": starts,
                     f"sessions-{index}-ends": ends})
    data.update(extra)
    return data


# --- the permission matrix ---------------------------------------------------------------------------------

PAGES = {
    "home": (lambda o: "/fa/provider/", CONSOLE_USERS),
    "approvals": (lambda o: "/fa/provider/approvals/", SECRETARIAT | {"other_secretariat"}),
    "programme": (lambda o: f"/fa/provider/programmes/{o.programme_id}/", STAFF),
    "programme_edit": (lambda o: f"/fa/provider/programmes/{o.programme_id}/edit/", STAFF),
    "programme_new": (lambda o: "/fa/provider/programmes/new/", STAFF | {"other_admin"}),
    "offering_new": (lambda o: f"/fa/provider/programmes/{o.programme_id}/offerings/new/", STAFF),
    "offering_edit": (lambda o: f"/fa/provider/offerings/{o.pk}/edit/", STAFF),
    "venues": (lambda o: "/fa/provider/venues/", CONSOLE_USERS),
    "venue_new": (lambda o: "/fa/provider/venues/new/", STAFF | {"other_admin"}),
    "venue_edit": (lambda o: f"/fa/provider/venues/{o.venue_id}/edit/", STAFF),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_console_pages_it_may(as_role, role, page, offering):
    url, allowed = PAGES[page]
    response = as_role(role).get(url(offering))
    assert response.status_code == (200 if role in allowed else 404)
    if response.status_code == 200 and role in {"other_admin", "other_secretariat"}:
        assert "سواد رسانه‌ای برای والدین" not in response.content.decode()


def _state_after(transition, programme):
    programme.refresh_from_db()
    return programme.status


WRITES = {
    # action: (starting state, url suffix, data, state when allowed, who may)
    "submit": ("draft", "submit/", {}, ProgrammeStatus.SUBMITTED, STAFF),
    "approve": ("submitted", "approve/", {}, ProgrammeStatus.PUBLISHED, SECRETARIAT),
    "return": ("submitted", "return/", {"reason": "Add outcomes"}, ProgrammeStatus.RETURNED, SECRETARIAT),
    "archive": ("published", "archive/", {}, ProgrammeStatus.ARCHIVED, STAFF),
    "edit": ("published", "edit/", None, ProgrammeStatus.PUBLISHED, STAFF),
}


@pytest.mark.parametrize("action", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_moves_programmes_only_if_it_may(request, as_role, role, action, domain):
    state, suffix, data, after, allowed = WRITES[action]
    programme = request.getfixturevalue(state)
    if data is None:
        data = programme_data([domain], title_en="Changed by the console")
    before = AuditEntry.objects.count()
    response = as_role(role).post(f"/fa/provider/programmes/{programme.pk}/{suffix}", data)
    programme.refresh_from_db()
    if role in allowed:
        assert response.status_code == 302
        assert programme.status == after
        assert AuditEntry.objects.count() == before + 1
    else:
        assert response.status_code == 404
        assert programme.status == state
        assert programme.title_en == "Media literacy for parents"
        assert AuditEntry.objects.count() == before


def test_the_console_is_only_reachable_by_post_for_transitions(as_role, draft):
    assert as_role("institution_admin").get(f"/fa/provider/programmes/{draft.pk}/submit/").status_code == 405


# --- programmes --------------------------------------------------------------------------------------------


def test_staff_see_their_partners_programmes_grouped_by_status(as_role, draft, published, other_institution,
                                                               domain):
    make_draft(other_institution, [domain], title_fa="برنامه دیگر")
    page = as_role("institution_editor").get("/fa/provider/").content.decode()
    assert "سواد رسانه‌ای برای والدین" in page
    assert "برنامه دیگر" not in page
    secretariat_page = as_role("secretariat").get("/fa/provider/").content.decode()
    assert "برنامه دیگر" in secretariat_page


def test_the_home_page_groups_and_filters(as_role, institution, domain):
    make_draft(institution, [domain], title_fa="پیش‌نویس باغبانی", title_en="Gardening")
    services.programme_submit(programme=make_draft(institution, [domain], title_fa="نجوم برای نوجوانان",
                                                   title_en="Astronomy for teenagers"), actor=None)
    client = as_role("institution_admin")
    page = client.get("/en/provider/").content.decode()
    assert page.index('id="group-draft"') < page.index("Gardening") < page.index('id="group-submitted"')
    assert page.index('id="group-submitted"') < page.index("Astronomy for teenagers")
    only_submitted = client.get("/en/provider/", {"status": "submitted"}).content.decode()
    assert "Astronomy for teenagers" in only_submitted and "Gardening" not in only_submitted
    searched = client.get("/en/provider/", {"q": "نجوم"}).content.decode()
    assert "Astronomy for teenagers" in searched and "Gardening" not in searched


def test_a_draft_is_written_with_persian_digits_and_a_fee(as_role, institution, domain, seniors):
    data = programme_data([domain], institution=str(institution.pk), is_free="", fee_rials="۱۲۰٬۰۰۰",
                          hours="۱۲٫۵", life_stages=[str(seniors.pk)], key_features=["1.1", "2.2"],
                          sdg_targets=["4.6"])
    response = as_role("institution_editor").post("/fa/provider/programmes/new/", data)
    assert response.status_code == 302
    programme = Programme.objects.get()
    assert response["Location"] == f"/fa/provider/programmes/{programme.pk}/"
    assert programme.status == ProgrammeStatus.DRAFT and programme.fee_rials == 120_000
    assert str(programme.hours) == "12.5" and list(programme.life_stages.all()) == [seniors]
    assert programme.key_features == ["1.1", "2.2"] and programme.sdg_targets == ["4.6"]
    assert "120,000 rials" in as_role("institution_editor").get(
        f"/en/provider/programmes/{programme.pk}/").content.decode()


def test_free_is_a_shortcut_and_a_paid_programme_needs_its_fee(as_role, institution, domain):
    client = as_role("institution_admin")
    data = programme_data([domain], institution=str(institution.pk), is_free="on", fee_rials="5000")
    assert client.post("/fa/provider/programmes/new/", data).status_code == 302
    assert Programme.objects.get().fee_rials == 0
    refused = client.post("/en/provider/programmes/new/",
                          programme_data([domain], institution=str(institution.pk), is_free=""))
    assert refused.status_code == 200
    assert "Enter the fee" in refused.content.decode()
    assert Programme.objects.count() == 1


@pytest.mark.parametrize(("field", "value"), [("hours", "0"), ("hours", "2001"), ("fee_rials", "-5"),
                                              ("title_fa", ""), ("key_features", ["7.7"])])
def test_bad_programme_input_is_shown_on_the_form_and_nothing_is_saved(as_role, institution, domain, field,
                                                                      value):
    data = programme_data([domain], institution=str(institution.pk), **{field: value})
    if field == "fee_rials":
        data["is_free"] = ""
    response = as_role("institution_admin").post("/en/provider/programmes/new/", data)
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert not Programme.objects.exists()


def test_a_partner_of_another_institution_cannot_be_chosen(as_role, other_institution, domain):
    data = programme_data([domain], institution=str(other_institution.pk))
    response = as_role("institution_admin").post("/en/provider/programmes/new/", data)
    assert response.status_code == 200 and not Programme.objects.exists()


def test_html_typed_into_a_programme_is_shown_escaped(as_role, institution, domain):
    make_draft(institution, [domain], title_fa="<script>alert('x')</script>", description_fa="<b>bold</b>")
    programme = Programme.objects.get()
    for url in ("/fa/provider/", f"/fa/provider/programmes/{programme.pk}/",
                f"/fa/provider/programmes/{programme.pk}/edit/"):
        page = as_role("institution_admin").get(url).content.decode()
        assert "<script>alert(" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in as_role("institution_admin").get(
        f"/fa/provider/programmes/{programme.pk}/").content.decode()


def test_editing_a_published_programme_is_audited_and_shown_in_its_history(as_role, published, domain,
                                                                          second_domain):
    data = programme_data([domain, second_domain], title_fa=published.title_fa, title_en="Media literacy at home",
                          description_fa=published.description_fa, description_en=published.description_en)
    client = as_role("institution_editor")
    assert client.post(f"/fa/provider/programmes/{published.pk}/edit/", data).status_code == 302
    entry = AuditEntry.objects.get(action="programme.update", object_id=str(published.pk))
    assert set(entry.changes) == {"title_en", "domains"}
    assert entry.changes["domains"] == [["media-literacy"], ["digital-skills", "media-literacy"]]
    published.refresh_from_db()
    assert published.status == ProgrammeStatus.PUBLISHED and "digital skills" in published.search_key
    history = client.get(f"/en/provider/programmes/{published.pk}/").content.decode()
    assert "programme.update" in history and "Media literacy at home" in history


def test_submit_approve_and_return_through_the_console(as_role, draft, secretariat):
    staff = as_role("institution_admin")
    staff.post(f"/fa/provider/programmes/{draft.pk}/submit/")
    draft.refresh_from_db()
    assert draft.status == ProgrammeStatus.SUBMITTED
    queue = as_role("secretariat").get("/en/provider/approvals/").content.decode()
    assert "Media literacy for parents" in queue
    empty_reason = as_role("secretariat").post(f"/en/provider/programmes/{draft.pk}/return/", {"reason": ""},
                                               follow=True)
    assert "Say what should change" in empty_reason.content.decode()
    as_role("secretariat").post(f"/en/provider/programmes/{draft.pk}/return/", {"reason": "<i>More</i> detail"})
    draft.refresh_from_db()
    assert draft.status == ProgrammeStatus.RETURNED
    page = as_role("institution_admin").get(f"/en/provider/programmes/{draft.pk}/").content.decode()
    assert "&lt;i&gt;More&lt;/i&gt; detail" in page


def test_refusals_come_back_as_a_message(as_role, institution, domain):
    programme = make_draft(institution, [])
    response = as_role("institution_admin").post(f"/en/provider/programmes/{programme.pk}/submit/", follow=True)
    assert "Choose at least one learning domain" in response.content.decode()
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.DRAFT


def test_the_approvals_queue_lists_the_longest_waiting_first(as_role, institution, domain):
    first = services.programme_submit(programme=make_draft(institution, [domain], title_fa="اول"), actor=None)
    second = services.programme_submit(programme=make_draft(institution, [domain], title_fa="دوم"), actor=None)
    Programme.objects.filter(pk=first.pk).update(submitted_at=second.submitted_at.replace(year=2025))
    page = as_role("secretariat").get("/fa/provider/approvals/").content.decode()
    assert page.index("اول") < page.index("دوم")
    as_role("secretariat").post(f"/fa/provider/programmes/{first.pk}/approve/", {"next": "approvals"})
    first.refresh_from_db()
    assert first.status == ProgrammeStatus.PUBLISHED


def test_submitting_emails_the_secretariat_and_approval_emails_the_staff(as_role, draft, secretariat,
                                                                         institution_admin,
                                                                         django_capture_on_commit_callbacks):
    secretariat.email, institution_admin.email = "office@example.org", "staff@example.org"
    secretariat.save()
    institution_admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        as_role("institution_admin").post(f"/fa/provider/programmes/{draft.pk}/submit/")
    with django_capture_on_commit_callbacks(execute=True):
        as_role("secretariat").post(f"/fa/provider/programmes/{draft.pk}/approve/")
    assert [m.to for m in mail.outbox] == [["office@example.org"], ["staff@example.org"]]
    assert "سواد رسانه‌ای برای والدین" in mail.outbox[1].body


# --- offerings ---------------------------------------------------------------------------------------------


def test_an_offering_with_jalali_dates_in_persian_digits(as_role, published, venue):
    data = offering_data(venue, sessions=[("۱۴۰۵/۰۹/۱۴", "۱۷:۰۰", "۱۹:۳۰"), ("1405-09-21", "17:00", "19:30")])
    response = as_role("institution_editor").post(f"/fa/provider/programmes/{published.pk}/offerings/new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    offering = Offering.objects.get()
    assert offering.capacity == 20 and offering.venue == venue
    assert offering.starts_on == jdatetime.date(1405, 9, 14).togregorian()
    assert offering.ends_on == jdatetime.date(1405, 9, 21).togregorian()
    first = offering.sessions.first()
    assert first.starts_at.astimezone(first.starts_at.tzinfo).hour in (13, 14)  # 17:00 in Tehran, stored in UTC
    assert [s.ends_at - s.starts_at for s in offering.sessions.all()] == [first.ends_at - first.starts_at] * 2


def test_english_pages_take_iso_dates(as_role, published, venue):
    data = offering_data(venue, opens_date="2026-11-22", closes_date="2026-12-01",
                         sessions=[("2026-12-05", "17:00", "19:00")])
    assert as_role("institution_admin").post(f"/en/provider/programmes/{published.pk}/offerings/new/",
                                             data).status_code == 302
    assert str(Offering.objects.get().starts_on) == "2026-12-05"


NO_SESSIONS = {f"sessions-{i}-{name}": "" for i in (0, 1) for name in ("date", "starts", "ends")}


@pytest.mark.parametrize(("change", "where"), [
    ({"sessions-0-date": "1404/12/30"}, "session 0 date"),  # 1404 is not a leap year: no 30 Esfand
    ({"sessions-0-date": "2026-12-05"}, "session 0 date"),  # a Gregorian date on a Persian page
    ({"sessions-0-ends": "16:00"}, "session 0 ends"),
    ({"closes_date": "1405/09/15"}, "closes_date"),  # enrolment closes after the first session
    ({"opens_date": "1405/09/12"}, "closes_date"),  # opens after it closes
    ({"capacity": "0"}, "capacity"),
    ({"capacity": "ده"}, "capacity"),
    ({"venue": ""}, "venue"),
    ({"venue": "new"}, "new_venue_name_fa"),
    (NO_SESSIONS, "sessions"),
])
def test_bad_offerings_are_explained_and_nothing_is_saved(as_role, published, venue, change, where):
    data = offering_data(venue)
    data.update(change)
    response = as_role("institution_admin").post(f"/fa/provider/programmes/{published.pk}/offerings/new/", data)
    assert response.status_code == 200
    form, formset = response.context["form"], response.context["formset"]
    if where.startswith("session "):
        _, index, field = where.split()
        assert formset.forms[int(index)].has_error(field)
    elif where == "sessions":
        assert formset.non_form_errors()
    else:
        assert form.has_error(where), form.errors
    assert 'class="alert alert-danger"' in response.content.decode()
    assert not Offering.objects.exists() and not Session.objects.exists()


def test_an_online_offering_needs_its_link(as_role, institution, domain):
    online = make_draft(institution, [domain], format="online")
    data = offering_data(None)
    refused = as_role("institution_admin").post(f"/fa/provider/programmes/{online.pk}/offerings/new/", data)
    assert refused.context["form"].has_error("online_url")
    data["online_url"] = "meet.example.org/room-1"
    assert as_role("institution_admin").post(f"/fa/provider/programmes/{online.pk}/offerings/new/",
                                             data).status_code == 302
    assert Offering.objects.get().online_url == "https://meet.example.org/room-1"


def test_a_new_venue_is_added_with_the_offering(as_role, published, city):
    district = DistrictFactory(city=city, number=3)
    data = {**offering_data(None), "venue": "new", "new_venue_name_fa": "سرای محله فردوسی",
            "new_venue_district": str(district.pk)}
    assert as_role("institution_admin").post(f"/fa/provider/programmes/{published.pk}/offerings/new/",
                                             data).status_code == 302
    venue = Offering.objects.get().venue
    assert venue.name_fa == "سرای محله فردوسی" and venue.district == district
    assert venue.institution == published.institution


def test_editing_an_offering_moves_removes_and_adds_sessions(as_role, offering):
    first, second, third = offering.sessions.all()

    def row(session):
        day = jdatetime.date.fromgregorian(date=session.starts_at.astimezone(session.starts_at.tzinfo).date())
        return _jalali(day)

    edit_page = as_role("institution_admin").get(f"/fa/provider/offerings/{offering.pk}/edit/")
    assert edit_page.status_code == 200
    form = edit_page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    for key in ("opens_date", "closes_date"):
        data[key] = _jalali(jdatetime.date.fromgregorian(date=form.initial[key]))
    for key in ("opens_time", "closes_time"):
        data[key] = form.initial[key].strftime("%H:%M")
    formset = edit_page.context["formset"]
    data.update({"sessions-TOTAL_FORMS": "4", "sessions-INITIAL_FORMS": "3", "sessions-MIN_NUM_FORMS": "0",
                 "sessions-MAX_NUM_FORMS": "200"})
    for index, session in enumerate((first, second, third)):
        local = formset.forms[index].initial
        data.update({f"sessions-{index}-id": str(session.pk), f"sessions-{index}-date": row(session),
                     f"sessions-{index}-starts": local["starts"].strftime("%H:%M"),
                     f"sessions-{index}-ends": local["ends"].strftime("%H:%M")})
    data["sessions-1-DELETE"] = "on"
    data["sessions-2-starts"] = "18:00"
    last = jdatetime.date.fromgregorian(date=offering.ends_on) + jdatetime.timedelta(days=7)
    data.update({"sessions-3-date": _jalali(last), "sessions-3-starts": "17:00", "sessions-3-ends": "19:00"})
    response = as_role("institution_admin").post(f"/fa/provider/offerings/{offering.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    offering.refresh_from_db()
    sessions = list(offering.sessions.all())
    assert [s.pk for s in sessions[:2]] == [first.pk, third.pk] and len(sessions) == 3
    assert not Session.objects.filter(pk=second.pk).exists()
    assert offering.ends_on == last.togregorian()
    assert AuditEntry.objects.filter(action="offering.update", object_id=str(offering.pk)).exists()


def test_a_cancelled_offering_shows_no_form(as_role, offering):
    Offering.objects.filter(pk=offering.pk).update(status="cancelled")
    page = as_role("institution_admin").get(f"/en/provider/offerings/{offering.pk}/edit/").content.decode()
    assert "can no longer be changed" in page and 'name="capacity"' not in page
    as_role("institution_admin").post(f"/en/provider/offerings/{offering.pk}/edit/", {"capacity": "50"})
    offering.refresh_from_db()
    assert offering.capacity == 10


def test_the_programme_page_shows_seats_taken_and_waiting_from_the_counters(as_role, offering):
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=7, offered_count=1, waitlist_count=3)
    page = as_role("institution_admin").get(f"/en/provider/programmes/{offering.programme_id}/")
    row = page.content.decode().split(f'id="offering-{offering.pk}"')[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:6]]
    assert cells[2:6] == ["3", "10", "8", "3"]  # sessions, seats, taken (7 + 1 on offer), waiting


# --- venues ------------------------------------------------------------------------------------------------


def test_venues_are_listed_added_and_edited_per_partner(as_role, institution, venue, other_institution, city):
    Venue.objects.create(city=city, institution=other_institution, name_fa="سالن دیگران")
    client = as_role("institution_editor")
    page = client.get("/fa/provider/venues/").content.decode()
    assert "سالن کتابخانه" in page and "سالن دیگران" not in page
    district = DistrictFactory(city=city, number=7)
    response = client.post("/fa/provider/venues/new/", {
        "institution": str(institution.pk), "name_fa": "کارگاه", "district": str(district.pk),
        "latitude": "۳۴٫۳۱", "longitude": "47.05",
    })
    assert response.status_code == 302
    created = Venue.objects.get(name_fa="کارگاه")
    assert created.institution == institution and created.district == district and created.city == city
    response = client.post(f"/fa/provider/venues/{created.pk}/edit/", {
        "name_fa": "کارگاه بزرگ", "district": str(district.pk), "latitude": "34.31", "longitude": "47.05",
    })
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name_fa == "کارگاه بزرگ"
    assert AuditEntry.objects.filter(action="venue.update", object_id=str(created.pk)).exists()
    foreign = as_role("institution_editor").post("/fa/provider/venues/new/", {
        "institution": str(other_institution.pk), "name_fa": "نه"})
    assert foreign.status_code == 200 and not Venue.objects.filter(name_fa="نه").exists()


# --- queries -----------------------------------------------------------------------------------------------


@pytest.fixture
def busy_city(institution, domain, second_domain, venue, other_institution):
    """Programmes in every state, offerings and history: enough rows that an N+1 would show."""
    for n in range(6):
        programme = make_draft(institution, [domain, second_domain], title_fa=f"برنامه {n}")
        if n % 3:
            programme = services.programme_submit(programme=programme, actor=None)
        if n % 3 == 2:
            programme = services.programme_approve(programme=programme, actor=None)
            for _ in range(3):
                services.offering_create(programme=programme, actor=None, **offering_fields(venue))
            services.programme_update(programme=programme, actor=None, title_en=f"Programme {n}")
    for _n in range(4):
        ProgrammeFactory(institution=other_institution, status=ProgrammeStatus.SUBMITTED, domains=[domain])
    return Programme.objects.filter(institution=institution, status=ProgrammeStatus.PUBLISHED).first()


@pytest.mark.parametrize("role", ["institution_editor", "secretariat"])
def test_console_pages_stay_within_fifteen_queries(as_role, role, busy_city, django_assert_max_num_queries):
    client = as_role(role)
    offering = busy_city.offerings.first()
    urls = ["/fa/provider/", "/fa/provider/?status=submitted", f"/fa/provider/programmes/{busy_city.pk}/",
            f"/fa/provider/programmes/{busy_city.pk}/edit/", f"/fa/provider/programmes/{busy_city.pk}/offerings/new/",
            f"/fa/provider/offerings/{offering.pk}/edit/", "/fa/provider/venues/", "/fa/provider/venues/new/",
            f"/fa/provider/venues/{offering.venue_id}/edit/"]
    if role == "secretariat":
        urls.append("/fa/provider/approvals/")
    for url in urls:
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200, url


def test_a_person_without_an_account_role_sees_nothing(client, offering):
    client.force_login(UserFactory())
    assert client.get("/fa/provider/").status_code == 404


# --- admin -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["programme", "offering", "venue"])
def test_the_admin_shows_programmes_offerings_and_venues_read_only(client, superuser, offering, model):
    client.force_login(superuser)
    assert client.get(f"/en/admin/catalogue/{model}/").status_code == 200
    assert client.get(f"/en/admin/catalogue/{model}/", {"q": "سواد"}).status_code == 200
    assert client.get(f"/en/admin/catalogue/{model}/add/").status_code == 403
    pk = {"programme": offering.programme_id, "offering": offering.pk, "venue": offering.venue_id}[model]
    page = client.get(f"/en/admin/catalogue/{model}/{pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


# --- date and number inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "typed", "expected"), [
    ("fa", "۱۴۰۵/۰۹/۰۳", "2026-11-24"),
    ("fa", "١٤٠٥-٠٩-٠٣", "2026-11-24"),
    ("fa", "1403/12/30", "2025-03-20"),  # 1403 is a leap year
    ("fa", "1404/12/30", None),
    ("fa", "2026-11-24", None),
    ("fa", "1405/13/01", None),
    ("en", "2026-11-24", "2026-11-24"),
    ("en", "۲۰۲۶/۱۱/۲۴", "2026-11-24"),
    ("en", "24/11/2026", None),
])
def test_dates_are_typed_in_the_pages_calendar(language, typed, expected):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from learningcity.catalogue.console_forms import LocalDateField

    with translation.override(language):
        if expected is None:
            with pytest.raises(ValidationError):
                LocalDateField().clean(typed)
        else:
            assert str(LocalDateField().clean(typed)) == expected


def test_numbers_take_persian_digits_and_separators():
    from learningcity.catalogue.console_forms import HoursField, LocalIntegerField

    assert LocalIntegerField().clean("۱۲۰٬۰۰۰") == 120_000
    assert LocalIntegerField().clean("1,500,000") == 1_500_000
    assert str(HoursField().clean("۱۲٫۵")) == "12.5"


def test_people_waiting_are_pointed_to_the_attendees_page_for_more_seats(as_role, offering):
    Offering.objects.filter(pk=offering.pk).update(confirmed_count=10, waitlist_count=2)
    page = as_role("institution_admin").get(f"/en/provider/offerings/{offering.pk}/edit/").content.decode()
    assert f"/en/enrolments/offerings/{offering.pk}/attendees/" in page
