"""Forms of the partner pages: directory filters, profiles, contacts, accreditation and staff.

Forms only read and check what people type; every write goes through `services`, whose refusals
(`DomainError`) come back onto the form with `apply_domain_error`.
"""

import copy
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from learningcity.accounts.validators import normalise_mobile
from learningcity.core.errors import DomainError
from learningcity.core.forms import BootstrapFormMixin
from learningcity.core.text import fold_digits

from .models import Accreditation, Institution, InstitutionContact, InstitutionType, StaffRole
from .selectors import contacts_of, staff_candidate
from .services import CONTACT_FIELDS, PROFILE_FIELDS, normalise_contact_phone

MAX_QUERY_LENGTH = 200


def _ltr(**attrs) -> dict:
    """Attributes of inputs whose content reads left to right (numbers, addresses on the web)."""
    return {"dir": "ltr", "class": "input-ltr", **attrs}


class CoordinateField(forms.DecimalField):
    """A latitude or longitude in any digits, with `.` or the Persian decimal separator `٫`."""

    def __init__(self, *, limit: int, **kwargs):
        super().__init__(
            max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, required=False,
            widget=forms.TextInput(attrs=_ltr(inputmode="decimal", autocomplete="off")), **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = fold_digits(value).replace("\u066b", ".").strip()
        number = super().to_python(value)
        # Map services give more decimals than a metre needs; keep six.
        if isinstance(number, Decimal) and number.is_finite():
            number = number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        return number


class DirectoryFilterForm(BootstrapFormMixin, forms.Form):
    """The public directory's search box and filters; every value is optional."""

    q = forms.CharField(
        label=_("Search partners"), required=False, max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *InstitutionType.choices]
    )
    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        if "district" in self.fields:
            self.fields["district"].choices = [("", _("All districts"))] + [(d.number, d.name) for d in districts]

    def value_of(self, name: str):
        """The cleaned value of a filter, or its empty value when it was not valid."""
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


class ManageFilterForm(DirectoryFilterForm):
    """The manage list's filters: the search and type of the directory, and the accreditation status."""

    district = None  # the manage list is short enough without it
    accreditation = forms.ChoiceField(
        label=_("Accreditation"), required=False, choices=[("", _("Any status")), *Accreditation.choices]
    )


class InstitutionProfileForm(BootstrapFormMixin, forms.ModelForm):
    """A partner's public profile, as its staff or the secretariat edit it."""

    latitude = CoordinateField(limit=90, label=_("Latitude"), help_text=_("For example 34.3142"))
    longitude = CoordinateField(limit=180, label=_("Longitude"), help_text=_("For example 47.0650"))
    website = forms.URLField(
        label=_("Website"), required=False, max_length=200, assume_scheme="https",
        widget=forms.URLInput(attrs=_ltr(placeholder="https://")),
    )
    email = forms.EmailField(label=_("Email"), required=False, widget=forms.EmailInput(attrs=_ltr()))
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20, widget=forms.TextInput(attrs=_ltr(type="tel"))
    )

    class Meta:
        model = Institution
        fields = list(PROFILE_FIELDS)
        widgets = {
            "description_fa": forms.Textarea(attrs={"rows": 5, "dir": "rtl", "lang": "fa"}),
            "description_en": forms.Textarea(attrs={"rows": 5, "dir": "ltr", "lang": "en"}),
            "name_fa": forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
            "name_en": forms.TextInput(attrs={"dir": "ltr", "lang": "en"}),
            "address_fa": forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}),
            "address_en": forms.TextInput(attrs={"dir": "ltr", "lang": "en"}),
        }

    def __init__(self, *args, city, instance=None, **kwargs):
        # The form checks a copy, so a refused edit never shows on the page as if it were saved.
        instance = copy.copy(instance) if instance is not None else Institution(city=city)
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["type"].choices = [("", _("Choose a type")), *InstitutionType.choices]
        district = self.fields["district"]
        district.queryset = district.queryset.filter(city=city).order_by("number")
        district.empty_label = _("Not in a district")

    def clean_phone(self) -> str:
        return "".join(fold_digits(self.cleaned_data["phone"]).split())

    def profile_changes(self) -> dict:
        """The profile fields the person changed, ready for `institution_update`."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in PROFILE_FIELDS}

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS if name in self.cleaned_data}


class InstitutionCreateForm(InstitutionProfileForm):
    """A new partner: the profile plus the short name used in its web address."""

    slug = forms.SlugField(
        label=_("Short name for the web address"), required=False, max_length=100,
        help_text=_("Latin letters, digits and hyphens. Left empty, it is made from the English name."),
        widget=forms.TextInput(attrs=_ltr(autocomplete="off")),
    )

    field_order = ["type", "name_fa", "name_en", "slug"]


class AccreditationForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Accreditation.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Reason"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when suspending or withdrawing accreditation."),
    )


class StaffAddForm(BootstrapFormMixin, forms.Form):
    """Add a person to the staff by the mobile number they signed up with."""

    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs=_ltr(type="tel", autocomplete="off", inputmode="tel")),
        help_text=_("The person must already have an account."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices, initial=StaffRole.EDITOR)

    def clean_mobile(self) -> str:
        mobile = normalise_mobile(self.cleaned_data["mobile"])
        self.person = staff_candidate(mobile=mobile)
        if self.person is None:
            raise ValidationError(
                _("No one has an account with this mobile number. Ask the person to sign up first."),
                code="unknown_mobile",
            )
        return mobile


class StaffChangeForm(forms.Form):
    """Change the role of, or remove, one member of this institution's staff."""

    membership = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=StaffRole.choices, required=False)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = institution.staff.select_related("user", "institution__city")


def _contact_label(name: str):
    return capfirst(InstitutionContact._meta.get_field(name).verbose_name)


class ContactForm(BootstrapFormMixin, forms.Form):
    """A person to contact at a partner, as its staff or the secretariat add or edit them."""

    name = forms.CharField(label=_contact_label("name"), max_length=150)
    title = forms.CharField(label=_contact_label("title"), max_length=150, required=False)
    # Room for spaces between the digit groups; the service keeps at most 15 digits and a `+`.
    phone = forms.CharField(
        label=_contact_label("phone"), required=False, max_length=40,
        widget=forms.TextInput(attrs=_ltr(type="tel", inputmode="tel", autocomplete="off")),
        help_text=_("Persian or Latin digits, spaces and a leading + are fine."),
    )
    email = forms.EmailField(
        label=_contact_label("email"), required=False, max_length=254,
        widget=forms.EmailInput(attrs=_ltr(autocomplete="off")),
    )
    is_public = forms.BooleanField(
        label=_contact_label("is_public"), required=False,
        help_text=_("Public contacts are shown, with their phone and email, on the partner's public page."),
    )

    @classmethod
    def initial_of(cls, contact: InstitutionContact) -> dict:
        return {name: getattr(contact, name) for name in CONTACT_FIELDS}

    def clean_phone(self) -> str:
        try:
            return normalise_contact_phone(self.cleaned_data["phone"])
        except DomainError as exc:
            raise ValidationError(exc.message, code="phone") from exc

    def contact(self) -> dict:
        """Every field, ready for `contact_add`."""
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}

    def contact_changes(self) -> dict:
        """The fields the person changed, ready for `contact_update`."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in CONTACT_FIELDS}


class ContactActionForm(forms.Form):
    """Remove or move one of this institution's contacts."""

    contact = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts_of(institution)  # each knows its (already loaded) institution
