"""The citizen's lifelong learning record: append-only completions, certificates and feedback."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learningcity.catalogue.models import Programme
from learningcity.cities.models import City
from learningcity.core.i18n import localized
from learningcity.enrolment.models import Enrolment
from learningcity.institutions.models import Institution


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    PASSED = "passed", _("Passed")


class LearningRecord(models.Model):
    """One piece of completed learning on a citizen's record; never edited, only superseded or voided.

    Title, provider and domains are copied at completion so the record still says what was learnt
    after the programme changes.
    """

    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("learner"), on_delete=models.PROTECT,
                                related_name="learning_records")
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="records")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, verbose_name=_("provider"), on_delete=models.PROTECT,
                                    related_name="+")
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    provider_fa = models.CharField(_("provider (Persian)"), max_length=200)
    provider_en = models.CharField(_("provider (English)"), max_length=200, blank=True)
    domains = models.JSONField(_("learning domains"), default=list,
                               help_text=_("Copied at completion: [{slug, name_fa, name_en}]"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    started_on = models.DateField(_("started"))
    completed_on = models.DateField(_("completed"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    supersedes = models.OneToOneField("self", verbose_name=_("corrects"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    voided_reason = models.CharField(_("why it was voided"), max_length=500, blank=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name = _("learning record")
        verbose_name_plural = _("learning records")
        indexes = [models.Index(fields=["citizen", "-completed_on"]), models.Index(fields=["city", "completed_on"])]

    def __str__(self) -> str:
        return f"{self.citizen}: {self.title}"

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def provider(self) -> str:
        return localized(self, "provider")


class Certificate(models.Model):
    """A certificate of completion with a public verification code."""

    record = models.OneToOneField(LearningRecord, verbose_name=_("learning record"), on_delete=models.PROTECT,
                                  related_name="certificate")
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("why it was revoked"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("records:verify", kwargs={"code": self.code})


class Feedback(models.Model):
    """After completing, a learner rates the programme and says what it did for them."""

    enrolment = models.OneToOneField(Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE,
                                     related_name="feedback")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.CASCADE,
                                  related_name="feedback")
    rating = models.PositiveSmallIntegerField(_("rating (1-5)"))
    learnt_what_expected = models.CharField(_("Did you learn what you expected?"), max_length=8,
                                            choices=[("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))])
    will_use = models.CharField(_("Will you use it in your life or work?"), max_length=8,
                                choices=[("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))])
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    given_at = models.DateTimeField(_("given"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.rating}"
