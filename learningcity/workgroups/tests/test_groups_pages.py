"""The working-group pages as people use them: the list, a group's page, the group form and the members page."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from learningcity.core.models import AuditEntry
from learningcity.core.permissions import Role
from learningcity.factories import (
    CitizenFactory,
    DecisionFactory,
    GroupMemberFactory,
    InstitutionFactory,
    LearningDomainFactory,
    MeetingFactory,
    RoleAssignmentFactory,
    TaskFactory,
    UserFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import (
    GroupMember,
    GroupRole,
    MinutesStatus,
    TaskStatus,
    Visibility,
    WorkingGroup,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(city):
    group = WorkingGroupFactory(city=city, slug="media-literacy", name_fa="کارگروه سواد رسانه‌ای",
                                name_en="Media literacy", mandate_fa="هماهنگی آموزش سواد رسانه‌ای در شهر",
                                mandate_en="Coordinate media-literacy learning", key_features=["2.4", "3.2"])
    group.domains.add(LearningDomainFactory(city=city, name_fa="سواد دیجیتال", name_en="Digital literacy"))
    return group


@pytest.fixture
def private_group(city):
    return WorkingGroupFactory(city=city, slug="monitoring", name_fa="کارگروه پایش و ارزیابی",
                               name_en="Monitoring and evaluation", visibility=Visibility.MEMBERS)


def _seated(group, role, **kwargs):
    return GroupMemberFactory(group=group, role=role, user=CitizenFactory(city=group.city), **kwargs).user


@pytest.fixture
def chair(group):
    return _seated(group, GroupRole.CHAIR)


@pytest.fixture
def secretary(group):
    return _seated(group, GroupRole.SECRETARY)


@pytest.fixture
def member(group):
    return _seated(group, GroupRole.MEMBER)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the list -----------------------------------------------------------------------------------------


def test_the_public_sees_public_groups_and_not_members_only_ones(client, group, private_group):
    page = _text(client.get("/fa/groups/"))
    assert "کارگروه سواد رسانه‌ای" in page
    assert "کارگروه پایش و ارزیابی" not in page
    assert "New working group" not in page


def test_members_see_their_members_only_group_marked_with_a_badge_and_their_seat(client, group, private_group):
    person = _seated(private_group, GroupRole.OBSERVER)
    client.force_login(person)
    page = _text(client.get("/en/groups/"))
    card = page[page.index('data-group="monitoring"'):]
    card = card[:card.index("</article>")]
    assert "Monitoring and evaluation" in card and "Members only" in card and "Your seat: Observer" in card
    assert "Media literacy" in page


def test_the_list_counts_members_partners_and_open_tasks_for_those_who_may_see_inside(client, group, member):
    partner = InstitutionFactory(city=group.city)
    GroupMemberFactory(group=group, institution=partner)
    GroupMemberFactory(group=group, institution=partner)
    GroupMemberFactory(group=group, institution=InstitutionFactory(city=group.city))
    GroupMemberFactory(group=group, institution=InstitutionFactory(city=group.city),
                       left_on=timezone.localdate())  # a former member counts for nothing
    TaskFactory(group=group)
    TaskFactory(group=group, status=TaskStatus.DONE, progress=100)
    public = _text(client.get("/en/groups/"))
    assert "4 members" in public and "2 partners" in public and "open task" not in public
    client.force_login(member)
    inside = _text(client.get("/en/groups/"))
    assert "1 open task" in inside


def test_the_secretariat_sees_every_group_and_the_new_group_button(client, secretariat, group, private_group):
    client.force_login(secretariat)
    page = _text(client.get("/en/groups/"))
    assert "Media literacy" in page and "Monitoring and evaluation" in page
    assert "/en/groups/new/" in page


def test_archived_groups_are_listed_apart(client, group, city):
    WorkingGroupFactory(city=city, name_en="Old literacy campaign", is_active=False)
    page = _text(client.get("/en/groups/"))
    assert page.index("Media literacy") < page.index("Archived working groups") < page.index("Old literacy campaign")


def test_the_list_reads_a_bounded_number_of_queries_however_many_groups(client, secretariat, city,
                                                                       django_assert_max_num_queries):
    for n in range(30):
        g = WorkingGroupFactory(city=city, visibility=Visibility.MEMBERS if n % 2 else Visibility.PUBLIC)
        g.domains.add(LearningDomainFactory(city=city))
        GroupMemberFactory(group=g, institution=InstitutionFactory(city=city))
        TaskFactory(group=g)
    client.force_login(secretariat)
    with django_assert_max_num_queries(10):
        response = client.get("/fa/groups/")
    assert response.status_code == 200 and response.content.decode().count("data-group=") == 30


def test_another_citys_groups_are_not_listed(client, group, other_city):
    WorkingGroupFactory(city=other_city, name_en="Hamedan literacy")
    assert "Hamedan literacy" not in client.get("/en/groups/").content.decode()


# --- a group's page -----------------------------------------------------------------------------------


def test_the_public_page_shows_mandate_focus_partners_and_published_decisions(client, group, city):
    partner = InstitutionFactory(city=city, name_fa="دانشگاه رازی", name_en="Razi University")
    gone = InstitutionFactory(city=city, name_en="Former partner")
    GroupMemberFactory(group=group, institution=partner)
    GroupMemberFactory(group=group, institution=partner)
    GroupMemberFactory(group=group, institution=gone, left_on=timezone.localdate())
    approved = MeetingFactory(group=group, minutes_status=MinutesStatus.APPROVED,
                              starts_at=timezone.make_aware(dt.datetime(2026, 4, 4, 10, 0)))
    draft = MeetingFactory(group=group)
    DecisionFactory(meeting=approved, year=1405, number=3, text="برگزاری کارگاه سواد رسانه‌ای برای خانواده‌ها")
    DecisionFactory(meeting=draft, year=1405, number=4, text="تصمیم هنوز تأییدنشده")
    page = _text(client.get("/fa/groups/media-literacy/"))
    assert "هماهنگی آموزش سواد رسانه‌ای در شهر" in page
    assert "سواد دیجیتال" in page and "2.4" in page.replace("۲", "2").replace("۴", "4")
    assert page.count("دانشگاه رازی") == 1 and "Former partner" not in page
    assert "برگزاری کارگاه سواد رسانه‌ای برای خانواده‌ها" in page and "تصمیم هنوز تأییدنشده" not in page
    assert "۱۴۰۵/۳" in page  # the resolution's number in Persian digits
    assert "۱۵ فروردین ۱۴۰۵" in page  # the meeting's Jalali date
    # Nothing of the inside shows to the public.
    assert "For members" not in page and "/meetings/" not in page and "/tasks/" not in page


def test_english_pages_show_gregorian_dates(client, group):
    meeting = MeetingFactory(group=group, minutes_status=MinutesStatus.APPROVED,
                             starts_at=timezone.make_aware(dt.datetime(2026, 4, 4, 10, 0)))
    DecisionFactory(meeting=meeting, year=1405, number=1)
    page = _text(client.get("/en/groups/media-literacy/"))
    assert "4 April 2026" in page and "Coordinate media-literacy learning" in page


def test_long_lists_of_decisions_are_paged(client, group):
    meeting = MeetingFactory(group=group, minutes_status=MinutesStatus.APPROVED)
    for number in range(1, 26):
        DecisionFactory(meeting=meeting, year=1405, number=number, text=f"resolution {number:02d}")
    first = _text(client.get("/en/groups/media-literacy/"))
    second = _text(client.get("/en/groups/media-literacy/", {"page": 2}))
    assert first.count("data-decision=") == 20 and "resolution 25" in first and "resolution 05" not in first
    assert second.count("data-decision=") == 5 and "resolution 01" in second
    assert client.get("/en/groups/media-literacy/", {"page": "abc"}).status_code == 200


def test_members_see_next_meetings_open_tasks_and_links_to_the_groups_other_pages(client, group, member):
    MeetingFactory(group=group, title_en="Planning the autumn campaign")
    TaskFactory(group=group, deadline=timezone.localdate() - dt.timedelta(days=2))
    TaskFactory(group=group)
    client.force_login(member)
    page = _text(client.get("/en/groups/media-literacy/"))
    assert "For members" in page and "Planning the autumn campaign" in page
    assert "2 open tasks" in page and "1 overdue" in page
    assert 'href="/en/groups/media-literacy/meetings/"' in page
    assert 'href="/en/groups/media-literacy/tasks/"' in page
    assert "/meetings/new/" not in page  # members do not schedule meetings
    assert "/members/" not in page and "/edit/" not in page
    assert "Your seat: Member" in page


def test_members_see_the_groups_documents_and_may_attach_more_but_observers_only_read(client, group, member):
    from learningcity.workgroups.models import Document

    Document.objects.create(city=group.city, group=group, file="workgroups/x.pdf", name="terms-of-reference.pdf",
                            title="شرح وظایف کارگروه", content_type="application/pdf", extension="pdf", size=2048,
                            sha256="0" * 64)
    client.force_login(member)
    page = client.get("/fa/groups/media-literacy/").content.decode()
    assert "شرح وظایف کارگروه" in page
    assert 'name="target_field" value="group"' in page and f'name="target_id" value="{group.pk}"' in page
    client.force_login(_seated(group, GroupRole.OBSERVER))
    page = client.get("/fa/groups/media-literacy/").content.decode()
    assert "شرح وظایف کارگروه" in page and 'name="target_field"' not in page
    client.logout()
    assert "شرح وظایف کارگروه" not in client.get("/fa/groups/media-literacy/").content.decode()


def test_the_secretary_gets_the_link_to_schedule_a_meeting_and_the_chair_to_manage_members(client, group,
                                                                                         secretary, chair):
    client.force_login(secretary)
    page = client.get("/en/groups/media-literacy/").content.decode()
    assert 'href="/en/groups/media-literacy/meetings/new/"' in page and "/members/" not in page
    client.force_login(chair)
    page = client.get("/en/groups/media-literacy/").content.decode()
    assert 'href="/en/groups/media-literacy/members/"' in page and "/edit/" not in page


def test_the_secretariat_gets_every_link(client, group, secretariat):
    client.force_login(secretariat)
    page = client.get("/en/groups/media-literacy/").content.decode()
    for path in ("meetings/", "meetings/new/", "tasks/", "members/", "edit/"):
        assert f'href="/en/groups/media-literacy/{path}"' in page


def test_a_members_only_group_is_a_404_to_everyone_without_a_seat(client, private_group, citizen, other_city):
    outsider = CitizenFactory(city=other_city)
    RoleAssignmentFactory(user=outsider, role=Role.SECRETARIAT, city=other_city)
    for person in (None, citizen, outsider, _seated(WorkingGroupFactory(city=private_group.city), GroupRole.CHAIR)):
        client.logout()
        if person:
            client.force_login(person)
        for path in ("", "edit/", "members/"):
            assert client.get(f"/fa/groups/monitoring/{path}").status_code == 404


def test_a_members_only_group_opens_for_its_observer(client, private_group):
    client.force_login(_seated(private_group, GroupRole.OBSERVER))
    response = client.get("/fa/groups/monitoring/")
    assert response.status_code == 200 and "کارگروه پایش و ارزیابی" in response.content.decode()


def test_an_unknown_group_is_a_404(client):
    assert client.get("/fa/groups/no-such-group/").status_code == 404


def test_a_group_page_reads_a_bounded_number_of_queries(client, group, member, city, django_assert_max_num_queries):
    meeting = MeetingFactory(group=group, minutes_status=MinutesStatus.APPROVED)
    for number in range(1, 30):
        DecisionFactory(meeting=meeting, year=1405, number=number)
        GroupMemberFactory(group=group, institution=InstitutionFactory(city=city))
        TaskFactory(group=group)
    MeetingFactory(group=group)
    client.force_login(member)
    with django_assert_max_num_queries(15):
        response = client.get("/fa/groups/media-literacy/")
    assert response.status_code == 200
    client.logout()
    with django_assert_max_num_queries(15):
        assert client.get("/fa/groups/media-literacy/").status_code == 200


# --- creating and editing groups ----------------------------------------------------------------------


def test_the_secretariat_creates_a_group_and_goes_on_to_seat_its_members(client, secretariat, city):
    domain = LearningDomainFactory(city=city)
    client.force_login(secretariat)
    form = client.get("/en/groups/new/").content.decode()
    assert f'value="{domain.pk}"' in form and 'value="3.2"' in form
    response = client.post("/en/groups/new/", {
        "name_fa": "کارگروه سلامت و بهزیستی", "name_en": "Health and well-being", "slug": "",
        "mandate_fa": "ترویج یادگیری برای سلامت", "mandate_en": "", "visibility": "public",
        "domains": [domain.pk], "key_features": ["1.1", "2.2"],
    })
    assert response.status_code == 302 and response["Location"] == "/en/groups/health-and-well-being/members/"
    group = WorkingGroup.objects.get(slug="health-and-well-being")
    assert group.key_features == ["1.1", "2.2"] and list(group.domains.all()) == [domain]
    assert AuditEntry.objects.filter(action="workgroup.create", actor=secretariat).exists()


def test_bad_group_form_input_is_shown_and_nothing_is_saved(client, secretariat, group):
    client.force_login(secretariat)
    response = client.post("/en/groups/new/", {"name_fa": "کارگروه", "mandate_fa": "", "visibility": "public"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post("/en/groups/new/", {"name_fa": "کارگروه", "mandate_fa": "م", "visibility": "public",
                                               "slug": "media-literacy"})
    assert "A working group with this short name already exists." in response.content.decode()
    response = client.post("/en/groups/new/", {"name_fa": "کارگروه", "mandate_fa": "م", "visibility": "public",
                                               "slug": "new"})
    assert "used by the site itself" in response.content.decode()
    assert WorkingGroup.objects.count() == 1


def test_the_secretariat_edits_a_group_and_makes_it_members_only(client, secretariat, group):
    client.force_login(secretariat)
    form = client.get("/en/groups/media-literacy/edit/").content.decode()
    assert "Coordinate media-literacy learning" in form
    response = client.post("/en/groups/media-literacy/edit/", {
        "action": "save", "name_fa": group.name_fa, "name_en": "Media and digital literacy",
        "mandate_fa": group.mandate_fa, "mandate_en": group.mandate_en, "visibility": "members",
        "domains": [d.pk for d in group.domains.all()], "key_features": ["2.4"],
    })
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name_en == "Media and digital literacy" and not group.is_public and group.key_features == ["2.4"]
    client.logout()
    assert client.get("/en/groups/media-literacy/").status_code == 404


def test_archiving_from_the_edit_page(client, secretariat, group):
    client.force_login(secretariat)
    client.post("/en/groups/media-literacy/edit/", {"action": "archive"})
    group.refresh_from_db()
    assert not group.is_active
    response = client.post("/en/groups/media-literacy/edit/", {"action": "archive"}, follow=True)
    assert "already archived" in response.content.decode()
    client.post("/en/groups/media-literacy/edit/", {"action": "reactivate"})
    group.refresh_from_db()
    assert group.is_active


# --- the members page ---------------------------------------------------------------------------------


def test_the_chair_seats_a_person_by_mobile_number_for_a_partner(client, group, chair, city):
    partner = InstitutionFactory(city=city, name_en="Razi University")
    person = UserFactory(mobile="09181112233", name="نگار محمدی")
    client.force_login(chair)
    page = client.get("/en/groups/media-literacy/members/").content.decode()
    assert "Razi University" in page
    response = client.post("/en/groups/media-literacy/members/", {
        "action": "add", "add-mobile": "۰۹۱۸۱۱۱۲۲۳۳", "add-institution": partner.pk, "add-role": "member",
        "add-joined_on": "",
    }, follow=True)
    assert "نگار محمدی now sits in the group as: Member." in response.content.decode()
    seat = GroupMember.objects.get(user=person)
    assert seat.institution == partner and seat.group == group


def test_a_joining_date_is_typed_in_the_jalali_calendar(client, group, secretariat):
    UserFactory(mobile="09181112244")
    client.force_login(secretariat)
    client.post("/fa/groups/media-literacy/members/", {
        "action": "add", "add-mobile": "09181112244", "add-role": "observer", "add-joined_on": "۱۴۰۴/۱۰/۰۱",
    })
    assert GroupMember.objects.get(user__mobile="09181112244").joined_on == dt.date(2025, 12, 22)


def test_a_day_that_does_not_exist_in_the_jalali_calendar_is_refused(client, group, secretariat):
    UserFactory(mobile="09181112245")
    client.force_login(secretariat)
    response = client.post("/fa/groups/media-literacy/members/", {
        "action": "add", "add-mobile": "09181112245", "add-role": "member", "add-joined_on": "1404/12/30",
    })
    assert response.status_code == 200 and 'id="add-errors"' in response.content.decode()
    assert not group.members.exists()


def test_bad_members_form_input_is_shown_and_seats_nobody(client, group, secretariat, other_city):
    UserFactory(mobile="09181112255")
    client.force_login(secretariat)
    url = "/en/groups/media-literacy/members/"
    response = client.post(url, {"action": "add", "add-mobile": "0918", "add-role": "member"})
    assert "Enter an Iranian mobile number" in response.content.decode()
    response = client.post(url, {"action": "add", "add-mobile": "09990000000", "add-role": "member"})
    assert "Ask the person to sign up first." in response.content.decode()
    response = client.post(url, {"action": "add", "add-mobile": "09181112255", "add-role": "member",
                                 "add-institution": InstitutionFactory(city=other_city).pk})
    assert "Select a valid choice." in response.content.decode()
    response = client.post(url, {"action": "add", "add-mobile": "09181112255", "add-role": "member",
                                 "add-joined_on": "2026-02-30"})
    assert "Enter a date like" in response.content.decode()
    assert client.post(url, {"action": "dance"}).status_code == 200
    assert not group.members.exists()


def test_appointing_a_second_chair_asks_first_and_replaces_on_confirmation(client, group, chair, secretariat):
    newcomer = UserFactory(mobile="09181112266")
    client.force_login(secretariat)
    url = "/en/groups/media-literacy/members/"
    asked = client.post(url, {"action": "add", "add-mobile": "09181112266", "add-role": "chair"})
    page = _text(asked)
    assert asked.status_code == 200 and 'id="confirm-replace"' in page
    assert f"already has a chair: {chair.name}" in page
    assert not GroupMember.objects.filter(user=newcomer).exists()
    confirmed = client.post(url, {"action": "add", "add-mobile": "09181112266", "add-role": "chair", "replace": "1"})
    assert confirmed.status_code == 302
    assert GroupMember.objects.get(user=newcomer).role == GroupRole.CHAIR
    assert GroupMember.objects.get(user=chair).role == GroupRole.MEMBER


def test_changing_a_role_to_secretary_asks_before_replacing_the_secretary(client, group, secretary, member,
                                                                         secretariat):
    seat = GroupMember.objects.get(user=member)
    client.force_login(secretariat)
    url = "/en/groups/media-literacy/members/"
    asked = client.post(url, {"action": "role", "seat": seat.pk, "role": "secretary"})
    assert 'id="confirm-replace"' in asked.content.decode()
    assert GroupMember.objects.get(user=secretary).role == GroupRole.SECRETARY
    client.post(url, {"action": "role", "seat": seat.pk, "role": "secretary", "replace": "1"})
    assert GroupMember.objects.get(user=member).role == GroupRole.SECRETARY
    assert GroupMember.objects.get(user=secretary).role == GroupRole.MEMBER


def test_taking_someone_off_asks_first_then_keeps_them_as_a_former_member(client, group, member, secretariat):
    seat = GroupMember.objects.get(user=member)
    client.force_login(secretariat)
    url = "/en/groups/media-literacy/members/"
    asked = client.post(url, {"action": "remove", "seat": seat.pk})
    assert 'id="confirm-remove"' in asked.content.decode()
    seat.refresh_from_db()
    assert seat.left_on is None
    client.post(url, {"action": "remove", "seat": seat.pk, "confirmed": "on"})
    seat.refresh_from_db()
    assert seat.left_on == timezone.localdate()
    page = client.get(url).content.decode()
    assert f'data-former="{member.mobile}"' in page and f'data-seat="{member.mobile}"' not in page
    again = client.post(url, {"action": "remove", "seat": seat.pk, "confirmed": "on"})
    assert "not a member any more" in again.content.decode()


def test_a_chair_who_gives_up_the_chair_is_sent_back_to_the_group_page(client, group, chair):
    seat = GroupMember.objects.get(user=chair)
    client.force_login(chair)
    response = client.post("/en/groups/media-literacy/members/", {"action": "role", "seat": seat.pk,
                                                                  "role": "member"})
    assert response.status_code == 302 and response["Location"] == "/en/groups/media-literacy/"


def test_the_members_page_is_only_for_those_who_manage_members(client, group, member, secretary, chair, secretariat):
    for person, status in ((member, 404), (secretary, 404), (chair, 200), (secretariat, 200)):
        client.force_login(person)
        assert client.get("/fa/groups/media-literacy/members/").status_code == status


def test_the_members_page_reads_a_bounded_number_of_queries(client, group, secretariat, city,
                                                            django_assert_max_num_queries):
    for n in range(25):
        GroupMemberFactory(group=group, institution=InstitutionFactory(city=city),
                           left_on=timezone.localdate() if n % 5 == 0 else None)
    client.force_login(secretariat)
    with django_assert_max_num_queries(15):
        response = client.get("/fa/groups/media-literacy/members/")
    assert response.content.decode().count("data-seat=") == 20
