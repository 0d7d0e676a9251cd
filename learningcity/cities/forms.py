from django import forms
from django.utils.translation import gettext_lazy as _

from .models import City, Network


def _countries():
    codes = City.objects.order_by("country").values_list("country", flat=True).distinct()
    return [("", _("All countries"))] + [(code, code) for code in codes]


class RegistryFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    networks = forms.MultipleChoiceField(
        label=_("Currently a member of every network ticked"), choices=Network.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _countries()
