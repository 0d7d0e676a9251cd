"""The enrolment policy: who may act on an enrolment, an offering's attendee list, its sessions' check-in.

Learners act only on their own enrolments. An offering is run by the staff of its institution:
those who may record attendance take the check-in and see the attendee list with contact details;
those who may manage programmes also cancel offerings, change capacity and cancel anyone's place.
The city secretariat (who approves programmes) oversees: it sees attendee lists without contact
details and may cancel an offering. Superusers may do everything. Default deny.
"""

from learningcity.accounts.permissions import has_city_capability
from learningcity.catalogue.models import Offering
from learningcity.core.permissions import Capability
from learningcity.institutions.permissions import can

from .models import Enrolment


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_enrol(user) -> bool:
    """Anyone with an open account may ask for a place for themselves."""
    return _active(user)


def is_secretariat(user, offering: Offering) -> bool:
    return has_city_capability(user, Capability.APPROVE_PROGRAMMES, offering.city)


def is_offering_staff(user, offering: Offering) -> bool:
    """Staff of the offering's institution who run it (take attendance or manage its programmes)."""
    institution = offering.programme.institution
    return can(user, Capability.RECORD_ATTENDANCE, institution) or can(user, Capability.MANAGE_PROGRAMMES, institution)


def may_manage_offering(user, offering: Offering) -> bool:
    """Cancel the offering, change its seats, enrol or cancel someone on their behalf."""
    if not _active(user):
        return False
    return can(user, Capability.MANAGE_PROGRAMMES, offering.programme.institution) or is_secretariat(user, offering)


def may_view_attendees(user, offering: Offering) -> bool:
    if not _active(user):
        return False
    return is_offering_staff(user, offering) or is_secretariat(user, offering)


def may_see_contacts(user, offering: Offering) -> bool:
    """Learners' mobile numbers and emails are for the staff who run the offering, nobody else."""
    return _active(user) and is_offering_staff(user, offering)


def may_record_attendance(user, offering: Offering) -> bool:
    return _active(user) and can(user, Capability.RECORD_ATTENDANCE, offering.programme.institution)


def is_learner(user, enrolment: Enrolment) -> bool:
    return _active(user) and user.pk == enrolment.citizen_id


def may_cancel_enrolment(user, enrolment: Enrolment) -> bool:
    """The learner, or whoever runs the offering."""
    return is_learner(user, enrolment) or may_manage_offering(user, enrolment.offering)


def may_answer_offer(user, enrolment: Enrolment) -> bool:
    """Only the learner accepts or declines a seat offered to them."""
    return is_learner(user, enrolment)
