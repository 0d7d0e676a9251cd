"""Partner institutions: who offers learning in the city, their staff and their accreditation."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import City, District
from learningcity.core.i18n import BilingualNameMixin, localized
from learningcity.core.models import TimeStampedModel
from learningcity.core.permissions import Role


class InstitutionType(models.TextChoices):
    UNIVERSITY = "university", _("University")
    RESEARCH_CENTRE = "research_centre", _("Research centre")
    SCHOOL = "school", _("School")
    EDUCATION_DEPARTMENT = "education_department", _("Education department")
    PUBLIC_TRAINING_INSTITUTE = "public_training_institute", _("Public training institute")
    PRIVATE_TRAINING_INSTITUTE = "private_training_institute", _("Private training institute")
    NGO = "ngo", _("NGO")
    LIBRARY_CULTURAL_CENTRE = "library_cultural_centre", _("Library or cultural centre")
    MUNICIPAL_UNIT = "municipal_unit", _("Municipal unit")
    COMPANY = "company", _("Company")
    OTHER = "other", _("Other")


class Accreditation(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACCREDITED = "accredited", _("Accredited")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Institution(BilingualNameMixin, TimeStampedModel):
    """A partner institution of the city's learning network."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="institutions")
    slug = models.SlugField(_("slug"), max_length=100)
    type = models.CharField(_("type"), max_length=32, choices=InstitutionType.choices, db_index=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_fa = models.TextField(_("description (Persian)"), max_length=3000, blank=True)
    description_en = models.TextField(_("description (English)"), max_length=3000, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address_fa = models.CharField(_("address (Persian)"), max_length=300, blank=True)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    accreditation = models.CharField(
        _("accreditation"), max_length=12, choices=Accreditation.choices, default=Accreditation.PENDING, db_index=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Normalised names and descriptions in both languages (architecture 4.5), kept by the services.
    search_key = models.TextField(_("search key"), blank=True, editable=False)

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="institution_slug_unique_in_city")]
        indexes = [models.Index(fields=["city", "type", "accreditation"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("institutions:detail", kwargs={"slug": self.slug})

    @property
    def address(self) -> str:
        return localized(self, "address")


class InstitutionContact(models.Model):
    """A named person to contact at an institution."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_public = models.BooleanField(_("shown publicly"), default=False)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["institution", "position", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    ADMIN = Role.INSTITUTION_ADMIN.value, Role.INSTITUTION_ADMIN.label
    EDITOR = Role.INSTITUTION_EDITOR.value, Role.INSTITUTION_EDITOR.label


class StaffMembership(models.Model):
    """A person working for an institution on the platform, as its admin or an editor."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="staff"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="staff_memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=StaffRole.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["institution", "user"], name="staff_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} – {self.institution} ({self.get_role_display()})"


class AccreditationDecision(models.Model):
    """The secretariat's decision on an institution's accreditation; the history is append-only."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="accreditation_decisions"
    )
    status = models.CharField(_("status"), max_length=12, choices=Accreditation.choices)
    note = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("accreditation decision")
        verbose_name_plural = _("accreditation decisions")

    def __str__(self) -> str:
        return f"{self.institution}: {self.get_status_display()}"
