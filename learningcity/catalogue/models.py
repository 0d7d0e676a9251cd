"""The learning catalogue: learning domains, programmes, their dated offerings, sessions and venues."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import City, District
from learningcity.core.i18n import BilingualNameMixin, localized
from learningcity.core.models import TimeStampedModel


class LearningDomain(BilingualNameMixin, models.Model):
    """A field of learning (e.g. media literacy), possibly under a broader one; edited by the secretariat."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="learning_domains")
    slug = models.SlugField(_("slug"), max_length=80)
    parent = models.ForeignKey(
        "self", verbose_name=_("broader domain"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fa = models.TextField(_("description (Persian)"), max_length=2000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=2000, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("learning domain")
        verbose_name_plural = _("learning domains")
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="domain_slug_unique_in_city")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalogue:domain", kwargs={"slug": self.slug})


class AudienceKind(models.TextChoices):
    LIFE_STAGE = "life_stage", _("Life stage")
    TARGET_GROUP = "target_group", _("Target group")


class Audience(BilingualNameMixin, models.Model):
    """Who a programme is for: a life stage (children … seniors) or a target group (women, migrants …)."""

    kind = models.CharField(_("kind"), max_length=16, choices=AudienceKind.choices)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["kind", "position"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    ALL = "all", _("All levels")
    INTRODUCTORY = "introductory", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class TeachingLanguage(models.TextChoices):
    PERSIAN = "fa", _("Persian")
    KURDISH = "ku", _("Kurdish")
    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")
    OTHER = "other", _("Other")


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    HYBRID = "hybrid", _("Hybrid")


class KeyFeatureArea(models.TextChoices):
    """UNESCO's Key Features of Learning Cities: the twelve areas of focus."""

    EMPOWERMENT = "1.1", _("1.1 Individual empowerment and social cohesion")
    ECONOMY_CULTURE = "1.2", _("1.2 Economic development and cultural prosperity")
    SUSTAINABILITY = "1.3", _("1.3 Sustainable development")
    EDUCATION_SYSTEM = "2.1", _("2.1 Inclusive learning in the education system")
    FAMILIES_COMMUNITIES = "2.2", _("2.2 Revitalised learning in families and communities")
    WORKPLACE = "2.3", _("2.3 Effective learning for and in the workplace")
    TECHNOLOGIES = "2.4", _("2.4 Extended use of modern learning technologies")
    QUALITY = "2.5", _("2.5 Enhanced quality in learning")
    CULTURE_OF_LEARNING = "2.6", _("2.6 A vibrant culture of learning throughout life")
    POLITICAL_WILL = "3.1", _("3.1 Strong political will and commitment")
    GOVERNANCE = "3.2", _("3.2 Governance and participation of all stakeholders")
    RESOURCES = "3.3", _("3.3 Mobilisation and utilisation of resources")


class Sdg4Target(models.TextChoices):
    T4_1 = "4.1", _("4.1 Free primary and secondary education")
    T4_2 = "4.2", _("4.2 Early childhood development")
    T4_3 = "4.3", _("4.3 Technical, vocational and tertiary education")
    T4_4 = "4.4", _("4.4 Skills for work and entrepreneurship")
    T4_5 = "4.5", _("4.5 Equal access for the vulnerable")
    T4_6 = "4.6", _("4.6 Literacy and numeracy")
    T4_7 = "4.7", _("4.7 Education for sustainable development and global citizenship")
    T4_A = "4.a", _("4.a Safe, inclusive learning environments")
    T4_B = "4.b", _("4.b Scholarships")
    T4_C = "4.c", _("4.c Qualified teachers")


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting approval")
    RETURNED = "returned", _("Returned for changes")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Venue(BilingualNameMixin, models.Model):
    """A place where sessions happen: a classroom, a library hall, a neighbourhood centre."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="venues")
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="venues",
    )
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    address_fa = models.CharField(_("address (Persian)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accessibility_fa = models.TextField(_("accessibility (Persian)"), max_length=1000, blank=True)
    accessibility_en = models.TextField(_("accessibility (English)"), max_length=1000, blank=True)

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name


class Programme(TimeStampedModel):
    """A learning programme a partner institution offers (e.g. "Media literacy for parents")."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="programmes")
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="programmes"
    )
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_fa = models.TextField(_("description (Persian)"), max_length=5000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=5000, blank=True)
    outcomes_fa = models.TextField(_("learning outcomes (Persian)"), max_length=3000, blank=True,
                                   help_text=_("One outcome per line."))
    outcomes_en = models.TextField(_("learning outcomes (English)"), max_length=3000, blank=True,
                                   help_text=_("One outcome per line."))
    domains = models.ManyToManyField(LearningDomain, verbose_name=_("learning domains"), related_name="programmes")
    life_stages = models.ManyToManyField(
        Audience, verbose_name=_("life stages"), related_name="programmes_by_stage", blank=True,
        limit_choices_to={"kind": AudienceKind.LIFE_STAGE},
    )
    target_groups = models.ManyToManyField(
        Audience, verbose_name=_("target groups"), related_name="programmes_by_group", blank=True,
        limit_choices_to={"kind": AudienceKind.TARGET_GROUP},
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.ALL)
    language = models.CharField(_("language of teaching"), max_length=8, choices=TeachingLanguage.choices,
                                default=TeachingLanguage.PERSIAN)
    format = models.CharField(_("format"), max_length=12, choices=Format.choices, default=Format.IN_PERSON)
    fee_rials = models.PositiveBigIntegerField(_("fee (rials)"), default=0, help_text=_("0 means free."))
    hours = models.DecimalField(_("hours of learning"), max_digits=6, decimal_places=1)
    prerequisites_fa = models.TextField(_("prerequisites (Persian)"), max_length=2000, blank=True)
    prerequisites_en = models.TextField(_("prerequisites (English)"), max_length=2000, blank=True)
    accessibility_fa = models.TextField(_("accessibility (Persian)"), max_length=2000, blank=True)
    accessibility_en = models.TextField(_("accessibility (English)"), max_length=2000, blank=True)
    key_features = models.JSONField(_("UNESCO key features served"), default=list, blank=True)
    sdg_targets = models.JSONField(_("SDG 4 targets served"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProgrammeStatus.choices,
                              default=ProgrammeStatus.DRAFT, db_index=True)
    review_note = models.CharField(_("secretariat's note"), max_length=1000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Normalised title, description, outcomes, provider and domains in both languages (architecture 4.5),
    # kept by the services; the search index (FTS5 on SQLite, tsvector + trigram on PostgreSQL) reads it.
    search_key = models.TextField(_("search key"), blank=True, editable=False)
    # Kept by the feedback service so public pages need no aggregate over ratings.
    rating_count = models.PositiveIntegerField(_("ratings"), default=0, editable=False)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0, editable=False)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        indexes = [models.Index(fields=["city", "status"]), models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programmes:detail", kwargs={"pk": self.pk})

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def is_free(self) -> bool:
        return self.fee_rials == 0

    @property
    def rating_average(self) -> float | None:
        """Shown only from five ratings up, so one or two voices do not stand for everyone."""
        if self.rating_count < 5:
            return None
        return round(self.rating_sum / self.rating_count, 1)


class WaitlistPolicy(models.TextChoices):
    AUTO_CONFIRM = "auto_confirm", _("Confirm the next person automatically")
    OFFER = "offer", _("Offer the seat for a number of hours")


class CompletionRule(models.TextChoices):
    ATTENDANCE = "attendance", _("Attended at least a share of the sessions")
    ASSESSMENT = "assessment", _("Assessed as passed")


class OfferingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")


class Offering(TimeStampedModel):
    """A dated run of a programme, with its own seats, enrolment window and waitlist policy."""

    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.PROTECT,
                                  related_name="offerings")
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="offerings")
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="offerings")
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("seats"))
    enrolment_opens_at = models.DateTimeField(_("enrolment opens"))
    enrolment_closes_at = models.DateTimeField(_("enrolment closes"))
    waitlist_policy = models.CharField(_("waitlist policy"), max_length=16, choices=WaitlistPolicy.choices,
                                       default=WaitlistPolicy.AUTO_CONFIRM)
    offer_hours = models.PositiveSmallIntegerField(_("hours to accept an offered seat"), default=24)
    completion_rule = models.CharField(_("completion rule"), max_length=12, choices=CompletionRule.choices,
                                       default=CompletionRule.ATTENDANCE)
    attendance_percent = models.PositiveSmallIntegerField(_("attendance needed (%)"), default=75)
    status = models.CharField(_("status"), max_length=12, choices=OfferingStatus.choices,
                              default=OfferingStatus.SCHEDULED, db_index=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    # First and last session day, kept by the services for date filters and "soonest" sorting.
    starts_on = models.DateField(_("first session"), null=True, blank=True, db_index=True)
    ends_on = models.DateField(_("last session"), null=True, blank=True)
    # Read-side counts, written only by the enrolment services under the offering's row lock, in the
    # same transaction that changes the enrolments; the rule itself is always checked on the rows.
    confirmed_count = models.PositiveIntegerField(_("confirmed"), default=0, editable=False)
    offered_count = models.PositiveIntegerField(_("seats on offer"), default=0, editable=False)
    waitlist_count = models.PositiveIntegerField(_("waiting"), default=0, editable=False)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        indexes = [models.Index(fields=["city", "status", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(enrolment_closes_at__gt=F("enrolment_opens_at")),
                                   name="offering_window_ordered"),
            models.CheckConstraint(condition=Q(attendance_percent__lte=100), name="offering_attendance_percent_max"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} ({self.starts_on or '–'})"

    def get_absolute_url(self) -> str:
        return f"{self.programme.get_absolute_url()}#offering-{self.pk}"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.confirmed_count - self.offered_count, 0)


class Session(models.Model):
    """One meeting of an offering: a date and time, at the offering's venue or online."""

    offering = models.ForeignKey(Offering, verbose_name=_("offering"), on_delete=models.CASCADE,
                                 related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue = models.ForeignKey(Venue, verbose_name=_("venue"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text=_("Only if different from the offering's venue."))
    online_url = models.URLField(_("online link"), blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.offering.programme} – {self.starts_at:%Y-%m-%d %H:%M}"
