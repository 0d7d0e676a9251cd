"""Forms of the enrolment pages: cancelling an offering, changing its seats, a session's check-in, and the
staff's waitlist priority groups and enrolling someone on their behalf."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from learningcity.accounts.validators import normalise_mobile
from learningcity.core.forms import BootstrapFormMixin
from learningcity.core.jalali import uses_jalali
from learningcity.core.text import fold_digits, persian_digits

from .services import MAX_CAPACITY, MAX_PRIORITY, REASON_MAX_LENGTH

PRESENT, ABSENT = "1", "0"


class OfferingCancelForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is the offering cancelled?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone enrolled or waiting receives this text by SMS and email."),
    )
    confirm = forms.BooleanField(label=_("Yes, cancel this offering and tell everyone enrolled."))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("This field is required."), code="required")
        return reason


class CapacityForm(BootstrapFormMixin, forms.Form):
    capacity = forms.CharField(
        label=_("Seats"), max_length=7,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"}),
        help_text=_("More seats go straight to the people waiting, in their order."),
    )

    def clean_capacity(self) -> int:
        text = fold_digits(self.cleaned_data["capacity"].strip())
        if not text.isdigit() or not 1 <= int(text) <= MAX_CAPACITY:
            raise forms.ValidationError(
                _("Enter a number of seats between 1 and %(max)d.") % {"max": MAX_CAPACITY}, code="invalid"
            )
        return int(text)


class CheckInForm(BootstrapFormMixin, forms.Form):
    """One present/absent choice per person expected at the session (`p<enrolment id>`)."""

    def __init__(self, *args, enrolment_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment_ids = enrolment_ids
        for pk in enrolment_ids:
            self.fields[f"p{pk}"] = forms.ChoiceField(
                choices=[(PRESENT, _("Present")), (ABSENT, _("Absent"))], required=False,
                widget=forms.RadioSelect,
            )
        self.style_fields()
        for name in self.fields:
            # Radios drawn as big toggle buttons (Bootstrap's btn-check) for a phone in one hand.
            self.fields[name].widget.attrs["class"] = "btn-check"

    def marks(self) -> dict[int, bool]:
        """The choices made, enrolment id -> present; people left unmarked are not in it."""
        return {
            pk: self.cleaned_data[f"p{pk}"] == PRESENT
            for pk in self.enrolment_ids
            if self.cleaned_data.get(f"p{pk}") in (PRESENT, ABSENT)
        }


def priority_choices() -> list[tuple[str, str]]:
    """Groups 0 (everyone) to MAX_PRIORITY, in the page's digits."""
    def shown(group: int) -> str:
        return persian_digits(group) if uses_jalali() else str(group)

    return [("0", _("%(group)s (everyone)") % {"group": shown(0)}),
            *((str(group), shown(group)) for group in range(1, MAX_PRIORITY + 1))]


def _priority_message() -> str:
    return gettext("Choose a priority group between 0 and %(max)d.") % {"max": MAX_PRIORITY}


PRIORITY_MESSAGE = lazy(_priority_message, str)()


class _PriorityField(forms.TypedChoiceField):
    """A priority group from the list, also when a script or a person sends it in Persian digits."""

    def __init__(self, **kwargs):
        super().__init__(label=_("Priority group"), coerce=int, choices=priority_choices,
                         error_messages={"required": PRIORITY_MESSAGE, "invalid_choice": PRIORITY_MESSAGE}, **kwargs)

    def to_python(self, value):
        return fold_digits(super().to_python(value)).strip()


class PriorityForm(BootstrapFormMixin, forms.Form):
    """A waiting person's priority group, changed from the attendee list."""

    priority = _PriorityField()


class EnrolOnBehalfForm(BootstrapFormMixin, forms.Form):
    """Staff enrol a person who already has an account, found by mobile number, optionally in a priority group."""

    prefix = "behalf"

    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel", "autocomplete": "off",
                                      "placeholder": "09121234567"}),
    )
    priority = _PriorityField(initial="0")

    def clean_mobile(self) -> str:
        mobile = normalise_mobile(self.cleaned_data["mobile"])
        self.cleaned_data["citizen"] = get_user_model().objects.filter(mobile=mobile, is_active=True).first()
        if self.cleaned_data["citizen"] is None:
            raise forms.ValidationError(
                _("No one has an account with this mobile number. Ask them to sign up first."), code="unknown_mobile"
            )
        return mobile
