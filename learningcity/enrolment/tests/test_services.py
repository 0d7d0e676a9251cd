"""Enrolment rules as the learner and the provider notice them: seats, the waitlist, offers, the cap,
windows, cancellations, reminders and attendance (architecture 4.2)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from learningcity.catalogue.models import OfferingStatus, ProgrammeStatus
from learningcity.core.errors import DomainError, NotAllowed, NotFound
from learningcity.core.jalali import format_datetime
from learningcity.core.models import AuditEntry
from learningcity.core.sms import MemorySmsBackend
from learningcity.enrolment import services, tasks
from learningcity.enrolment.models import ACTIVE_STATUSES, Attendance, Enrolment, EnrolmentStatus
from learningcity.enrolment.selectors import (
    attendees_of,
    enrolments_of,
    offering_enrolment_for,
    waitlist_position,
    waitlist_positions,
)
from learningcity.factories import CitizenFactory, OfferingFactory, ProgrammeFactory

S = EnrolmentStatus


def ask(offering, citizen, **kwargs):
    enrolment, _created = services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen,
                                                     **kwargs)
    return enrolment


def status_of(enrolment):
    enrolment.refresh_from_db()
    return enrolment.status


def assert_counters_match_rows(offering):
    offering.refresh_from_db()
    rows = Enrolment.objects.filter(offering=offering)
    assert offering.confirmed_count == rows.filter(status=S.CONFIRMED).count()
    assert offering.offered_count == rows.filter(status=S.OFFERED).count()
    assert offering.waitlist_count == rows.filter(status=S.WAITLISTED).count()
    assert offering.confirmed_count + offering.offered_count <= offering.capacity


def texts_to(user):
    return [message.body for message in MemorySmsBackend.outbox if message.to == user.mobile]


# --- seats and the waitlist -----------------------------------------------------------------------


def test_first_people_get_the_seats_and_the_rest_wait_in_order(offering, make_citizen, on_commit):
    people = [make_citizen() for _ in range(5)]
    with on_commit():
        places = [ask(offering, person) for person in people]
    assert [p.status for p in places] == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED, S.WAITLISTED]
    assert [p.position for p in places] == [None, None, 1, 2, 3]
    assert [waitlist_position(p) for p in places] == [None, None, 1, 2, 3]
    assert waitlist_positions(places) == {places[2].pk: 1, places[3].pk: 2, places[4].pk: 3}
    assert_counters_match_rows(offering)
    assert offering.seats_left == 0 and offering.waitlist_count == 3
    # Everyone heard what they got: a confirmation or their place in the queue.
    assert "confirmed" in texts_to(people[0])[0]
    assert "number 2" in texts_to(people[3])[0]


def test_staff_can_put_someone_in_a_priority_group_ahead_of_earlier_waiters(
    offering, make_citizen, institution_admin
):
    for _ in range(3):
        ask(offering, make_citizen())
    urgent = make_citizen()
    enrolment, created = services.enrolment_request(offering=offering, citizen=urgent,
                                                    acting_user=institution_admin, priority=1)
    assert created and enrolment.status == S.WAITLISTED and enrolment.position == 1
    later = ask(offering, make_citizen())
    assert later.position == 3


def test_a_citizen_cannot_put_themselves_in_a_priority_group(offering, citizen):
    with pytest.raises(NotAllowed):
        services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen, priority=2)
    assert not Enrolment.objects.exists()


def test_a_citizen_cannot_enrol_someone_else(offering, citizen, make_citizen):
    with pytest.raises(NotAllowed):
        services.enrolment_request(offering=offering, citizen=make_citizen(), acting_user=citizen)
    assert not Enrolment.objects.exists()


def test_a_repeated_request_returns_the_same_place_and_creates_nothing(offering, citizen, on_commit):
    with on_commit():
        first, created = services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen)
        again, created_again = services.enrolment_request(offering=offering, citizen=citizen, acting_user=citizen)
    assert created and not created_again
    assert again.pk == first.pk and again.status == S.CONFIRMED
    assert Enrolment.objects.count() == 1
    assert AuditEntry.objects.filter(action="enrolment.request").count() == 1
    assert len(texts_to(citizen)) == 1  # one confirmation, not two
    assert_counters_match_rows(offering)


def test_a_repeated_request_after_the_window_closed_still_finds_the_place(offering, citizen):
    first = ask(offering, citizen)
    offering.enrolment_closes_at = timezone.now() - dt.timedelta(minutes=1)
    offering.save()
    assert ask(offering, citizen).pk == first.pk


def test_a_waiting_person_asking_again_is_told_their_position(offering, make_citizen):
    for _ in range(2):
        ask(offering, make_citizen())
    waiting = make_citizen()
    ask(offering, waiting)
    again, created = services.enrolment_request(offering=offering, citizen=waiting, acting_user=waiting)
    assert not created and again.status == S.WAITLISTED and again.position == 1


# --- cancelling and promotion -----------------------------------------------------------------------


def test_cancelling_a_seat_confirms_the_next_person_automatically(offering, make_citizen, on_commit):
    first, second, third, fourth = (make_citizen() for _ in range(4))
    seat = ask(offering, first)
    ask(offering, second)
    waiting = ask(offering, third)
    behind = ask(offering, fourth)
    MemorySmsBackend.outbox.clear()
    with on_commit():
        services.enrolment_cancel(enrolment=seat, acting_user=first)
    assert status_of(seat) == S.CANCELLED
    assert status_of(waiting) == S.CONFIRMED
    assert waitlist_position(Enrolment.objects.get(pk=behind.pk)) == 1
    assert_counters_match_rows(offering)
    assert any("now yours" in text for text in texts_to(third))
    assert texts_to(first) == []  # the learner who cancelled saw it on the page
    assert AuditEntry.objects.filter(action="enrolment.cancel", actor=first).count() == 1
    assert AuditEntry.objects.filter(action="enrolment.promote", object_id=str(waiting.pk)).count() == 1


def test_cancelling_a_seat_offers_it_for_a_limited_time_under_the_offer_policy(
    offer_offering, make_citizen, on_commit
):
    first, second = make_citizen(), make_citizen()
    third = make_citizen(preferred_language="fa")
    seat = ask(offer_offering, first)
    ask(offer_offering, second)
    waiting = ask(offer_offering, third)
    before = timezone.now()
    with on_commit():
        services.enrolment_cancel(enrolment=seat, acting_user=first)
    waiting.refresh_from_db()
    assert waiting.status == S.OFFERED
    assert before + dt.timedelta(hours=24) <= waiting.offer_expires_at <= timezone.now() + dt.timedelta(hours=24)
    assert_counters_match_rows(offer_offering)
    offer_offering.refresh_from_db()
    assert offer_offering.seats_left == 0  # the offered seat is held for them
    # The offer's deadline in the learner's calendar: Jalali with Persian digits for a Persian reader.
    text = texts_to(third)[-1]
    assert format_datetime(waiting.offer_expires_at, "fa") in text
    assert "۱۴" in text


def test_an_english_reader_gets_the_offer_deadline_in_gregorian(offer_offering, make_citizen, on_commit):
    first = make_citizen()
    english = make_citizen(preferred_language="en", email="sara@example.org")
    seat = ask(offer_offering, first)
    ask(offer_offering, make_citizen())
    ask(offer_offering, english)
    with on_commit():
        services.enrolment_cancel(enrolment=seat, acting_user=first)
    offer = Enrolment.objects.get(citizen=english)
    text = texts_to(english)[-1]
    assert text.startswith("A seat in “Media literacy for parents” is free for you.")
    assert format_datetime(offer.offer_expires_at, "en") in text
    assert mail.outbox[-1].to == ["sara@example.org"] and mail.outbox[-1].body == text


def test_leaving_the_waitlist_frees_no_seat_and_moves_the_queue_up(offering, make_citizen):
    for _ in range(2):
        ask(offering, make_citizen())
    leaver = make_citizen()
    waiting = ask(offering, leaver)
    behind = ask(offering, make_citizen())
    services.enrolment_cancel(enrolment=waiting, acting_user=leaver)
    assert status_of(behind) == S.WAITLISTED and waitlist_position(behind) == 1
    assert_counters_match_rows(offering)


def test_cancelling_twice_changes_nothing(offering, citizen):
    seat = ask(offering, citizen)
    services.enrolment_cancel(enrolment=seat, acting_user=citizen)
    services.enrolment_cancel(enrolment=seat, acting_user=citizen)
    assert AuditEntry.objects.filter(action="enrolment.cancel").count() == 1


def test_nobody_cancels_someone_elses_place_but_the_provider(offering, make_citizen, institution_admin, on_commit):
    citizen = make_citizen()
    seat = ask(offering, citizen)
    with pytest.raises(NotAllowed):
        services.enrolment_cancel(enrolment=seat, acting_user=make_citizen())
    assert status_of(seat) == S.CONFIRMED
    with on_commit():
        services.enrolment_cancel(enrolment=seat, acting_user=institution_admin)
    assert status_of(seat) == S.CANCELLED
    assert "cancelled your place" in texts_to(citizen)[-1]


# --- offers ---------------------------------------------------------------------------------


@pytest.fixture
def offered(offer_offering, make_citizen):
    """An offering with a seat offered to `offered.citizen` and one person waiting behind them."""
    first = make_citizen()
    seat = ask(offer_offering, first)
    ask(offer_offering, make_citizen())
    offer = ask(offer_offering, make_citizen())
    ask(offer_offering, make_citizen())
    services.enrolment_cancel(enrolment=seat, acting_user=first)
    offer.refresh_from_db()
    assert offer.status == S.OFFERED
    return offer


def test_accepting_an_offer_confirms_the_seat(offered, on_commit):
    with on_commit():
        services.offer_accept(enrolment=offered, acting_user=offered.citizen)
    assert status_of(offered) == S.CONFIRMED
    assert_counters_match_rows(offered.offering)
    assert "is confirmed" in texts_to(offered.citizen)[-1]


def test_accepting_after_the_deadline_is_refused_and_the_seat_moves_on(offered, on_commit):
    Enrolment.objects.filter(pk=offered.pk).update(offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    offered.refresh_from_db()
    with on_commit(), pytest.raises(DomainError) as refused:
        services.offer_accept(enrolment=offered, acting_user=offered.citizen)
    assert refused.value.code == "offer_expired"
    assert status_of(offered) == S.EXPIRED
    next_person = Enrolment.objects.get(offering=offered.offering, status=S.OFFERED)
    assert next_person.pk != offered.pk
    assert_counters_match_rows(offered.offering)


def test_only_the_person_offered_the_seat_can_answer(offered, make_citizen):
    with pytest.raises(NotAllowed):
        services.offer_accept(enrolment=offered, acting_user=make_citizen())
    assert status_of(offered) == S.OFFERED


def test_declining_an_offer_passes_the_seat_to_the_next_person(offered):
    services.offer_decline(enrolment=offered, acting_user=offered.citizen)
    assert status_of(offered) == S.DECLINED
    assert Enrolment.objects.filter(offering=offered.offering, status=S.OFFERED).count() == 1
    assert_counters_match_rows(offered.offering)


def test_accepting_without_an_offer_is_refused(offering, citizen):
    waiting_offering = offering
    for _ in range(2):
        ask(waiting_offering, CitizenFactory(city=offering.city))
    waiting = ask(waiting_offering, citizen)
    with pytest.raises(DomainError) as refused:
        services.offer_accept(enrolment=waiting, acting_user=citizen)
    assert refused.value.code == "no_offer"


def test_the_periodic_task_expires_unanswered_offers_and_offers_the_seat_to_the_next(offered, on_commit):
    still_open = Enrolment.objects.get(pk=offered.pk)
    Enrolment.objects.filter(pk=offered.pk).update(offer_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with on_commit():
        assert tasks.expire_offers.delay().get() == 1
    assert status_of(still_open) == S.EXPIRED
    assert any("was not accepted" in text for text in texts_to(offered.citizen))
    new_offer = Enrolment.objects.get(offering=offered.offering, status=S.OFFERED)
    assert any("is free for you" in text for text in texts_to(new_offer.citizen))
    assert_counters_match_rows(offered.offering)
    assert tasks.expire_offers.delay().get() == 0  # nothing else is due


def test_offers_before_their_deadline_do_not_expire(offered):
    assert services.offers_expire() == 0
    assert status_of(offered) == S.OFFERED


# --- refusals -------------------------------------------------------------------------------


def test_a_person_at_the_cap_is_told_first_that_enrolment_has_closed(settings, programme, citizen):
    """A closed window stops everyone, so it is the more useful answer than the cap."""
    settings.ENROLMENT_CAP = 1
    ask(OfferingFactory(programme=programme), citizen)
    closed = OfferingFactory(programme=programme, enrolment_opens_at=timezone.now() - dt.timedelta(days=3),
                             enrolment_closes_at=timezone.now() - dt.timedelta(days=1))
    with pytest.raises(DomainError) as refused:
        ask(closed, citizen)
    assert refused.value.code == "window_closed"
    assert not Enrolment.objects.filter(offering=closed).exists()


def test_the_cap_on_active_enrolments_per_city_is_enforced(settings, programme, citizen, other_city):
    settings.ENROLMENT_CAP = 2
    first, second, third = (OfferingFactory(programme=programme) for _ in range(3))
    ask(first, citizen)
    ask(second, citizen)
    with pytest.raises(DomainError) as refused:
        ask(third, citizen)
    assert refused.value.code == "cap_reached"
    assert "2" in str(refused.value.message)
    assert not Enrolment.objects.filter(offering=third).exists()
    # A place given up no longer counts.
    services.enrolment_cancel(enrolment=Enrolment.objects.get(offering=first), acting_user=citizen)
    assert ask(third, citizen).status == S.CONFIRMED


def test_the_cap_counts_only_running_offerings_of_the_same_city(settings, programme, citizen, other_city):
    settings.ENROLMENT_CAP = 1
    elsewhere = OfferingFactory(programme=ProgrammeFactory(institution__city=other_city))
    assert ask(elsewhere, citizen).status == S.CONFIRMED
    ended = OfferingFactory(programme=programme)
    ask(ended, citizen)
    ended.status = OfferingStatus.FINISHED
    ended.save()
    assert ask(OfferingFactory(programme=programme), citizen).status == S.CONFIRMED


@pytest.mark.parametrize("language, phrase", [("en", "opens on"), ("fa", None)])
def test_a_window_not_open_yet_is_refused_with_its_opening_date(offering, citizen, language, phrase):
    offering.enrolment_opens_at = timezone.now() + dt.timedelta(days=2)
    offering.save()
    with translation.override(language), pytest.raises(DomainError) as refused:
        ask(offering, citizen)
    assert refused.value.code == "window_closed"
    assert format_datetime(offering.enrolment_opens_at, language) in str(refused.value.message)
    if phrase:
        assert phrase in str(refused.value.message)
    assert not Enrolment.objects.exists()
    assert_counters_match_rows(offering)


def test_a_closed_window_is_refused(offering, citizen):
    offering.enrolment_closes_at = timezone.now() - dt.timedelta(hours=1)
    offering.save()
    with translation.override("en"), pytest.raises(DomainError) as refused:
        ask(offering, citizen)
    assert refused.value.code == "window_closed" and "closed on" in str(refused.value.message)
    assert not Enrolment.objects.exists()


def test_a_cancelled_offering_takes_no_enrolments(offering, citizen):
    offering.status = OfferingStatus.CANCELLED
    offering.save()
    with pytest.raises(DomainError) as refused:
        ask(offering, citizen)
    assert refused.value.code == "offering_cancelled"
    with translation.override("en"):  # the lazy message reads in the language it is shown in
        assert "cancelled by its provider" in str(refused.value.message)
    assert not Enrolment.objects.exists()


def test_an_unpublished_programme_takes_no_enrolments(offering, citizen):
    offering.programme.status = ProgrammeStatus.DRAFT
    offering.programme.save()
    with pytest.raises(NotFound) as refused:
        ask(offering, citizen)
    assert refused.value.code == "not_published"


def test_nothing_is_sent_when_the_transaction_does_not_commit(offering, citizen, on_commit):
    with on_commit(), pytest.raises(RuntimeError):
        with transaction.atomic():
            ask(offering, citizen)
            raise RuntimeError("something later failed")
    assert MemorySmsBackend.outbox == []
    assert not Enrolment.objects.exists()


# --- the provider's side ----------------------------------------------------------------------


def test_cancelling_an_offering_withdraws_everyone_and_tells_them_why(
    offer_offering, make_citizen, institution_editor, on_commit
):
    people = [make_citizen(email=f"p{i}@example.org" if i % 2 == 0 else "") for i in range(4)]
    places = [ask(offer_offering, person) for person in people]
    services.enrolment_cancel(enrolment=places[0], acting_user=people[0])  # -> an offer to people[2]
    MemorySmsBackend.outbox.clear()
    mail.outbox.clear()
    with on_commit():
        services.offering_cancel(offering=offer_offering, acting_user=institution_editor,
                                 reason="مدرس بیمار است <b>")
    offer_offering.refresh_from_db()
    assert offer_offering.status == OfferingStatus.CANCELLED and offer_offering.cancel_reason == "مدرس بیمار است <b>"
    assert not Enrolment.objects.filter(offering=offer_offering, status__in=ACTIVE_STATUSES).exists()
    assert Enrolment.objects.filter(offering=offer_offering, status=S.WITHDRAWN).count() == 3
    assert (offer_offering.confirmed_count, offer_offering.offered_count, offer_offering.waitlist_count) == (0, 0, 0)
    told = sorted(message.to for message in MemorySmsBackend.outbox)
    assert told == sorted(p.mobile for p in people[1:])
    assert all("مدرس بیمار است" in message.body for message in MemorySmsBackend.outbox)
    assert sorted(m.to[0] for m in mail.outbox) == ["p2@example.org"]
    assert AuditEntry.objects.filter(action="offering.cancel", actor=institution_editor).count() == 1
    assert AuditEntry.objects.filter(action="enrolment.withdraw").count() == 3


def test_the_secretariat_may_cancel_an_offering_but_a_citizen_or_other_staff_may_not(
    offering, citizen, other_staff, secretariat
):
    for person in (citizen, other_staff):
        with pytest.raises(NotAllowed):
            services.offering_cancel(offering=offering, acting_user=person, reason="x")
    services.offering_cancel(offering=offering, acting_user=secretariat, reason="برگزار نمی‌شود")
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.CANCELLED


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_cancelling_an_offering_needs_a_short_reason(offering, institution_admin, enrolled, reason):
    with pytest.raises(DomainError) as refused:
        services.offering_cancel(offering=offering, acting_user=institution_admin, reason=reason)
    assert refused.value.field == "reason"
    offering.refresh_from_db()
    assert offering.status == OfferingStatus.SCHEDULED
    assert status_of(enrolled) == S.CONFIRMED


def test_an_offering_cannot_be_cancelled_twice(offering, institution_admin):
    services.offering_cancel(offering=offering, acting_user=institution_admin, reason="یک")
    with pytest.raises(DomainError) as refused:
        services.offering_cancel(offering=offering, acting_user=institution_admin, reason="دو")
    assert refused.value.code == "offering_cancelled"
    offering.refresh_from_db()
    assert offering.cancel_reason == "یک"


def test_more_seats_go_straight_to_the_people_waiting(offering, make_citizen, institution_admin):
    places = [ask(offering, make_citizen()) for _ in range(5)]
    services.offering_set_capacity(offering=offering, capacity=4, acting_user=institution_admin)
    assert [status_of(p) for p in places] == [S.CONFIRMED] * 4 + [S.WAITLISTED]
    assert waitlist_position(places[4]) == 1
    assert_counters_match_rows(offering)


def test_seats_cannot_go_below_those_taken_or_on_offer(offering, make_citizen, institution_admin):
    for _ in range(2):
        ask(offering, make_citizen())
    with pytest.raises(DomainError) as refused:
        services.offering_set_capacity(offering=offering, capacity=1, acting_user=institution_admin)
    assert refused.value.code == "capacity_below_taken" and refused.value.field == "capacity"
    offering.refresh_from_db()
    assert offering.capacity == 2


def test_fewer_seats_than_before_are_fine_while_they_are_free(programme, citizen, institution_admin):
    roomy = OfferingFactory(programme=programme, capacity=10)
    ask(roomy, citizen)
    services.offering_set_capacity(offering=roomy, capacity=1, acting_user=institution_admin)
    roomy.refresh_from_db()
    assert roomy.capacity == 1 and roomy.seats_left == 0


# --- reminders --------------------------------------------------------------------------------


@pytest.fixture
def starting_tomorrow(programme, make_citizen):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    offering = OfferingFactory(programme=programme, capacity=1, starts_on=tomorrow,
                               ends_on=tomorrow + dt.timedelta(days=14))
    confirmed = ask(offering, make_citizen())
    waiting = ask(offering, make_citizen())
    return offering, confirmed, waiting


def _today_at(hour):
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, 0)))


def test_a_reminder_goes_once_the_day_before_the_first_session(starting_tomorrow, on_commit):
    offering, confirmed, waiting = starting_tomorrow
    MemorySmsBackend.outbox.clear()
    with on_commit():
        assert services.session_reminders_send(now=_today_at(10)) == 1
        assert services.session_reminders_send(now=_today_at(11)) == 0
    assert [m.to for m in MemorySmsBackend.outbox] == [confirmed.citizen.mobile]
    assert "starts tomorrow" in MemorySmsBackend.outbox[0].body
    confirmed.refresh_from_db()
    assert confirmed.reminder_sent_at is not None
    assert AuditEntry.objects.filter(action="enrolment.remind").count() == 1


def test_no_reminder_at_night_or_for_offerings_starting_later(starting_tomorrow, offering, enrolled):
    assert services.session_reminders_send(now=_today_at(2)) == 0
    assert services.session_reminders_send(now=_today_at(10)) == 1  # only the one starting tomorrow
    enrolled.refresh_from_db()
    assert enrolled.reminder_sent_at is None


def test_the_reminder_task_runs(starting_tomorrow):
    assert tasks.send_session_reminders.delay().get() in (0, 1)  # 0 when the suite runs at night


# --- attendance -------------------------------------------------------------------------------


@pytest.fixture
def started(programme, make_citizen):
    """An offering whose first session was yesterday, with one confirmed learner and one waiting."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    offering = OfferingFactory(programme=programme, capacity=1, starts_on=yesterday,
                               ends_on=yesterday + dt.timedelta(days=14),
                               enrolment_opens_at=timezone.now() - dt.timedelta(days=5))
    confirmed = ask(offering, make_citizen())
    waiting = ask(offering, make_citizen())
    return offering, confirmed, waiting


def test_attendance_is_recorded_once_and_every_change_is_logged(started, institution_editor):
    offering, confirmed, _waiting = started
    session = offering.sessions.first()
    services.attendance_record(session=session, enrolment=confirmed, present=True, acting_user=institution_editor)
    services.attendance_record(session=session, enrolment=confirmed, present=True, acting_user=institution_editor)
    assert Attendance.objects.get().present is True
    assert AuditEntry.objects.filter(action="attendance.record").count() == 1
    services.attendance_record(session=session, enrolment=confirmed, present=False, acting_user=institution_editor)
    assert Attendance.objects.get().present is False
    assert AuditEntry.objects.filter(action="attendance.record").count() == 2


def test_attendance_is_only_for_confirmed_people_sessions_that_began_and_the_offerings_staff(
    started, institution_editor, other_staff, secretariat
):
    offering, confirmed, waiting = started
    first, later = offering.sessions.order_by("starts_at")[:2]
    with pytest.raises(DomainError) as refused:
        services.attendance_record(session=first, enrolment=waiting, present=True, acting_user=institution_editor)
    assert refused.value.code == "not_attending"
    with pytest.raises(DomainError) as refused:
        services.attendance_record(session=later, enrolment=confirmed, present=True, acting_user=institution_editor)
    assert refused.value.code == "session_not_started"
    for outsider in (other_staff, secretariat):
        with pytest.raises(NotAllowed):
            services.attendance_record(session=first, enrolment=confirmed, present=True, acting_user=outsider)
    assert not Attendance.objects.exists()


# --- selectors --------------------------------------------------------------------------------


def test_my_enrolments_come_with_their_programme_and_waitlist_position(
    programme, offering, citizen, make_citizen, django_assert_num_queries
):
    for _ in range(2):
        ask(offering, make_citizen())
    ask(offering, citizen)
    other = OfferingFactory(programme=programme)
    ask(other, citizen)
    with django_assert_num_queries(3):
        mine = enrolments_of(citizen)
        titles = [e.offering.programme.institution.name for e in mine]
        sessions = [len(e.offering.sessions.all()) for e in mine]
    assert len(titles) == 2 and sessions == [3, 3]
    assert {e.offering_id: e.position for e in mine} == {offering.pk: 1, other.pk: None}
    assert offering_enrolment_for(citizen, offering).position == 1


def test_the_attendee_list_groups_people_with_waitlist_positions(offering, make_citizen, django_assert_num_queries):
    places = [ask(offering, make_citizen()) for _ in range(4)]
    with django_assert_num_queries(1):
        people = attendees_of(offering)
        names = [e.citizen.name for e in people]
    assert len(names) == 4
    assert [e.pk for e in people.confirmed] == [places[0].pk, places[1].pk]
    assert [(e.pk, e.position) for e in people.waiting] == [(places[2].pk, 1), (places[3].pk, 2)]
