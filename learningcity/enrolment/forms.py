"""Forms of the enrolment pages: cancelling an offering, changing its seats, a session's check-in."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.core.forms import BootstrapFormMixin
from learningcity.core.text import fold_digits

from .services import MAX_CAPACITY, REASON_MAX_LENGTH

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
