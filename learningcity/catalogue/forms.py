"""Forms of the learning-domain pages; the secretariat's edits go through `services`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.core.forms import BootstrapFormMixin

from .models import LearningDomain
from .selectors import domain_tree, flatten

MAX_POSITION = 32767


class DomainForm(BootstrapFormMixin, forms.Form):
    """A learning domain's names, descriptions, place in the tree and order."""

    name_fa = forms.CharField(label=_("Name (Persian)"), max_length=120,
                              widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))
    name_en = forms.CharField(label=_("Name (English)"), max_length=120,
                              widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    description_fa = forms.CharField(label=_("Description (Persian)"), max_length=2000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 4, "dir": "rtl", "lang": "fa"}))
    description_en = forms.CharField(label=_("Description (English)"), max_length=2000, required=False,
                                     widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr", "lang": "en"}))
    parent = forms.ChoiceField(label=_("Broader domain"), required=False)
    position = forms.IntegerField(
        label=_("Order"), min_value=0, max_value=MAX_POSITION, initial=0,
        help_text=_("Domains are listed by this number, smallest first."),
        widget=forms.NumberInput(attrs={"dir": "ltr", "class": "input-ltr"}),
    )

    def __init__(self, *args, city, domain: LearningDomain | None = None, **kwargs):
        if domain is not None:
            kwargs.setdefault("initial", {
                "name_fa": domain.name_fa, "name_en": domain.name_en, "description_fa": domain.description_fa,
                "description_en": domain.description_en, "parent": str(domain.parent_id or ""),
                "position": domain.position, "is_active": domain.is_active,
            })
        super().__init__(*args, **kwargs)
        # The city's domains only, in tree order. The domain itself is left out; its own sub-domains stay,
        # so choosing one gets the service's clear explanation instead of a silent gap in the list.
        nodes = [n for n in flatten(domain_tree(city=city, include_inactive=True)) if n.domain != domain]
        self._domains = {str(n.domain.pk): n.domain for n in nodes}
        choices = [("", _("None: a top-level domain"))]
        for node in nodes:
            label = "\u2014 " * node.depth + node.domain.name
            if not node.domain.is_active:
                label = _("%(name)s (retired)") % {"name": label}
            choices.append((str(node.domain.pk), label))
        self.fields["parent"].choices = choices

    def clean_parent(self) -> LearningDomain | None:
        return self._domains.get(self.cleaned_data["parent"] or "")

    def domain_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "slug"}


class DomainCreateForm(DomainForm):
    slug = forms.SlugField(
        label=_("Short name for the web address"), required=False, max_length=80,
        help_text=_("Latin letters, digits and hyphens. Left empty, it is made from the English name."),
        widget=forms.TextInput(attrs={"dir": "ltr", "class": "input-ltr", "autocomplete": "off"}),
    )

    field_order = ["name_fa", "name_en", "slug"]


class DomainEditForm(DomainForm):
    is_active = forms.BooleanField(
        label=_("In use"), required=False,
        help_text=_(
            "Untick to retire the domain: it disappears from public pages. Retire its sub-domains first."
        ),
    )
