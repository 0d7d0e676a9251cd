"""Enrolments in offerings, the waitlist and seat offers, and attendance (architecture 4.2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.catalogue.models import Offering, Session


class EnrolmentStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    OFFERED = "offered", _("Seat offered")
    CANCELLED = "cancelled", _("Cancelled by the learner")
    DECLINED = "declined", _("Offer declined")
    EXPIRED = "expired", _("Offer expired")
    WITHDRAWN = "withdrawn", _("Offering cancelled by the provider")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")


# An enrolment in one of these states holds a seat or a place in the queue.
ACTIVE_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED, EnrolmentStatus.OFFERED)
SEAT_STATUSES = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.OFFERED)
# Everyone who took a seat in the run keeps holding it once the provider records the outcome, so
# recording completions while enrolment is still open never frees seats.
HOLDS_SEAT = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)


class Enrolment(models.Model):
    """A citizen's place in an offering: a seat, a place on the waitlist, or how it ended."""

    offering = models.ForeignKey(Offering, verbose_name=_("offering"), on_delete=models.PROTECT,
                                 related_name="enrolments")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.PROTECT,
                                related_name="enrolments")
    status = models.CharField(_("status"), max_length=16, choices=EnrolmentStatus.choices, db_index=True)
    # Waitlist order: priority group first, then first come, first served.
    priority = models.PositiveSmallIntegerField(_("priority group"), default=0)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering = ["offering", "-priority", "requested_at", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            # One active place per person per offering: a double click cannot make two.
            models.UniqueConstraint(
                fields=["offering", "citizen"], condition=Q(status__in=["confirmed", "waitlisted", "offered"]),
                name="one_active_enrolment_per_offering",
            ),
        ]
        indexes = [
            models.Index(fields=["offering", "status", "-priority", "requested_at"]),
            models.Index(fields=["citizen", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.citizen} – {self.offering} ({self.get_status_display()})"


class Attendance(models.Model):
    """Whether a learner was at one session, as the provider recorded it."""

    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE,
                                related_name="attendance")
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE,
                                  related_name="attendance")
    present = models.BooleanField(_("present"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session")]

    def __str__(self) -> str:
        return f"{self.enrolment.citizen} @ {self.session}: {'✓' if self.present else '✗'}"
