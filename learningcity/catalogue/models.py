"""The learning catalogue. For now: the city's taxonomy of learning domains."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import City
from learningcity.core.i18n import BilingualNameMixin


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
