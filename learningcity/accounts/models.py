"""People: one account per mobile number, a citizen profile, roles in cities and networks, API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import City, District, Sex
from learningcity.core.permissions import Role

from .validators import normalise_mobile, validate_birth_year


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, mobile: str, password: str | None = None, **fields):
        user = self.model(mobile=normalise_mobile(mobile), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(mobile, password, **fields)

    def get_by_natural_key(self, mobile):
        return self.get(mobile=normalise_mobile(mobile))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an Iranian mobile number."""

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True)
    name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    national_code = models.CharField(_("national code"), max_length=10, null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="fa"
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin site"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"], condition=Q(national_code__isnull=False), name="national_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.mobile

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.mobile


class CitizenProfile(models.Model):
    """What the city may know about a citizen for fair, disaggregated statistics (architecture 4.7)."""

    user = models.OneToOneField(
        User, verbose_name=_("person"), primary_key=True, on_delete=models.CASCADE, related_name="profile"
    )
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="citizens")
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    birth_year = models.PositiveSmallIntegerField(
        _("birth year (Gregorian)"), null=True, blank=True, validators=[validate_birth_year]
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    has_disability = models.BooleanField(_("lives with a disability"), null=True, blank=True)
    statistics_consent_at = models.DateTimeField(_("consent to inclusion statistics"), null=True, blank=True)

    class Meta:
        verbose_name = _("citizen profile")
        verbose_name_plural = _("citizen profiles")
        indexes = [models.Index(fields=["city", "district"])]

    def __str__(self) -> str:
        return str(self.user)


class RoleAssignment(models.Model):
    """A role a person holds in a city, a country or the network (institution roles live with institutions)."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    city = models.ForeignKey(
        City, verbose_name=_("city"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    country = models.CharField(_("country code"), max_length=2, blank=True)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "city"], condition=Q(city__isnull=False),
                                    name="role_assignment_unique_in_city"),
            models.UniqueConstraint(fields=["user", "role", "country"], condition=Q(city__isnull=True),
                                    name="role_assignment_unique_outside_city"),
        ]

    def __str__(self) -> str:
        scope = self.city or self.country or _("network")
        return f"{self.user} – {self.get_role_display()} ({scope})"


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored, the token itself is shown once."""

    user = models.ForeignKey(User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    prefix = models.CharField(_("token prefix"), max_length=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
