"""Cities, their districts and population, and their memberships of UNESCO's city networks."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.i18n import BilingualNameMixin, localized
from learningcity.core.models import TimeStampedModel


class Network(models.TextChoices):
    GNLC = "gnlc", _("UNESCO Global Network of Learning Cities")
    UCCN = "uccn", _("UNESCO Creative Cities Network")


class CreativeField(models.TextChoices):
    CRAFTS_FOLK_ART = "crafts_folk_art", _("Crafts and folk art")
    DESIGN = "design", _("Design")
    FILM = "film", _("Film")
    GASTRONOMY = "gastronomy", _("Gastronomy")
    LITERATURE = "literature", _("Literature")
    MEDIA_ARTS = "media_arts", _("Media arts")
    MUSIC = "music", _("Music")
    ARCHITECTURE = "architecture", _("Architecture")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class AgeBand(models.TextChoices):
    """The age bands every population figure and statistic is broken down by."""

    A0_4 = "0-4", _("0-4")
    A5_14 = "5-14", _("5-14")
    A15_24 = "15-24", _("15-24")
    A25_34 = "25-34", _("25-34")
    A35_44 = "35-44", _("35-44")
    A45_54 = "45-54", _("45-54")
    A55_64 = "55-64", _("55-64")
    A65 = "65+", _("65 and over")

    @classmethod
    def for_age(cls, age: int) -> "AgeBand":
        for band in cls:
            low, _sep, high = band.value.partition("-")
            if high and int(low) <= age <= int(high):
                return band
        return cls.A65


class City(BilingualNameMixin, TimeStampedModel):
    """A city on the platform: one that runs here, or one in the networks' registry."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    country = models.CharField(_("country code"), max_length=2, db_index=True, help_text=_("ISO 3166-1 alpha-2"))
    province_fa = models.CharField(_("province (Persian)"), max_length=120, blank=True)
    province_en = models.CharField(_("province (English)"), max_length=120, blank=True)
    domain = models.CharField(
        _("host name"), max_length=200, unique=True, null=True, blank=True,
        help_text=_("Requests to this host name are served as this city."),
    )
    hosts_platform = models.BooleanField(
        _("runs on this platform"), default=False,
        help_text=_("The city runs its learning-city work here (districts, partners, programmes)."),
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    area_km2 = models.PositiveIntegerField(_("area (km²)"), null=True, blank=True)
    area_is_estimate = models.BooleanField(_("area is an estimate"), default=False)
    slogan_fa = models.CharField(_("slogan (Persian)"), max_length=200, blank=True)
    slogan_en = models.CharField(_("slogan (English)"), max_length=200, blank=True)
    intro_fa = models.TextField(_("introduction (Persian)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year (Jalali)"), null=True, blank=True)
    population_source_fa = models.TextField(_("population source (Persian)"), blank=True)
    population_source_en = models.TextField(_("population source (English)"), blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name

    @property
    def slogan(self) -> str:
        return localized(self, "slogan")

    @property
    def intro(self) -> str:
        return localized(self, "intro")

    @property
    def province(self) -> str:
        return localized(self, "province")


class District(BilingualNameMixin, models.Model):
    """A municipal district (منطقه) of a city, with its boundary."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="districts")
    number = models.PositiveSmallIntegerField(_("number"))
    name_fa = models.CharField(_("name (Persian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_fa = models.TextField(_("description (Persian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    boundary = models.JSONField(_("boundary (GeoJSON geometry)"), null=True, blank=True)
    boundary_is_approximate = models.BooleanField(_("boundary is approximate"), default=True)

    class Meta:
        ordering = ["city", "number"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [models.UniqueConstraint(fields=["city", "number"], name="district_number_unique_in_city")]

    def __str__(self) -> str:
        return self.name


class PopulationFigure(models.Model):
    """How many people of one sex and age band live in a district, in a given year."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.CASCADE, related_name="population_figures"
    )
    year = models.PositiveSmallIntegerField(_("year (Jalali)"))
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    count = models.PositiveIntegerField(_("people"))
    is_estimate = models.BooleanField(_("estimate"), default=True)

    class Meta:
        ordering = ["district", "year", "sex", "age_band"]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "sex", "age_band"], name="population_figure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year} {self.sex} {self.age_band}: {self.count}"


class MembershipState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LAPSED = "lapsed", _("Lapsed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Exact day")
    YEAR = "year", _("Year only")


class NetworkMembershipQuerySet(models.QuerySet):
    def current(self, on=None):
        """Memberships in force on a day (today by default): active and within their dates."""
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(state=MembershipState.ACTIVE, since__lte=day).filter(
            Q(until__isnull=True) | Q(until__gt=day)
        )


class NetworkMembership(models.Model):
    """A dated fact: from `since` (until `until`, if it ended) the city was in this network, in this state."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.CASCADE, related_name="memberships")
    network = models.CharField(_("network"), max_length=8, choices=Network.choices)
    field = models.CharField(_("creative field"), max_length=24, choices=CreativeField.choices, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=MembershipState.choices, default=MembershipState.ACTIVE
    )
    since = models.DateField(_("since"))
    # Many memberships are reported by year only; `since` is then 1 January and pages show the year.
    since_precision = models.CharField(
        _("precision of the start date"), max_length=4, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    until = models.DateField(_("until"), null=True, blank=True)
    year_unverified = models.BooleanField(_("year unverified"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = NetworkMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["city", "network", "since"]
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        constraints = [
            models.UniqueConstraint(fields=["city", "network", "since"], name="membership_unique_start"),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=models.F("since")), name="membership_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} – {self.get_network_display()} ({self.since:%Y})"
