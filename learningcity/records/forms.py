"""Forms of the records pages: feedback, completion decisions, typing a certificate code, and the staff's
corrections, voids and certificate withdrawals."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.catalogue.console_forms import HoursField, LocalDateField
from learningcity.core.forms import BootstrapFormMixin

from .codes import normalise_code
from .models import Outcome
from .templatetags.records_tags import format_hours

RATING_CHOICES = [
    (1, _("1 – Poor")),
    (2, _("2 – Fair")),
    (3, _("3 – Good")),
    (4, _("4 – Very good")),
    (5, _("5 – Excellent")),
]
ANSWER_CHOICES = [("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))]


class FeedbackForm(BootstrapFormMixin, forms.Form):
    """A learner's rating of a programme they completed, and what it did for them."""

    rating = forms.TypedChoiceField(
        label=_("How would you rate this programme?"), choices=RATING_CHOICES, coerce=int,
        widget=forms.RadioSelect, error_messages={"required": _("Choose a rating from 1 to 5."),
                                                  "invalid_choice": _("Choose a rating from 1 to 5.")},
    )
    learnt_what_expected = forms.ChoiceField(
        label=_("Did you learn what you expected?"), choices=ANSWER_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the answers.")},
    )
    will_use = forms.ChoiceField(
        label=_("Will you use it in your life or work?"), choices=ANSWER_CHOICES, widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the answers.")},
    )
    comment = forms.CharField(
        label=_("Anything else you would like to tell the provider? (optional)"), required=False,
        max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
    )


class CompletionDecisionForm(forms.Form):
    """One button on the completion page: complete everyone, or decide one learner."""

    ACTIONS = [("complete_all", "complete_all"), ("complete", "complete"), ("pass", "pass"), ("fail", "fail"),
               ("not_completed", "not_completed")]

    action = forms.ChoiceField(choices=ACTIONS)
    enrolment = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("action") and data["action"] != "complete_all" and not data.get("enrolment"):
            raise forms.ValidationError(_("Choose a learner."))
        return data


class VerifyForm(BootstrapFormMixin, forms.Form):
    """A certificate code as typed from paper: any case, with or without dashes, any digits."""

    code = forms.CharField(label=_("Verification code"), max_length=64,
                           widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off",
                                                         "autocapitalize": "characters", "spellcheck": "false"}))

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("A verification code has ten letters and digits, like ABCD-EFGH-JK."))
        return code


REASON_MAX_LENGTH = 500
PUBLIC_REASON_HELP = _("The learner receives this text, and the certificate's public verification page shows it. "
                       "Write no personal details.")


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise forms.ValidationError(_("This field is required."), code="required")
    return text


class RecordCorrectForm(BootstrapFormMixin, forms.Form):
    """What a correction may change: hours, dates (Jalali on Persian pages) and the outcome."""

    prefix = "correct"

    hours = HoursField(label=_("Hours of learning"), error_messages={"required": _("Enter the hours.")})
    started_on = LocalDateField(label=_("Started"))
    completed_on = LocalDateField(label=_("Completed"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)

    @classmethod
    def for_record(cls, record):
        return cls(initial={"hours": format_hours(record.hours), "started_on": record.started_on,
                            "completed_on": record.completed_on, "outcome": record.outcome})


class RecordVoidForm(BootstrapFormMixin, forms.Form):
    """Withdraw a record, with the reason the learner and the verification page will read."""

    prefix = "void"

    reason = forms.CharField(label=_("Why is the record voided?"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=PUBLIC_REASON_HELP)
    confirm = forms.BooleanField(label=_("Yes, void this record and withdraw its certificate."),
                                 error_messages={"required": _("Tick the box to confirm.")})

    def clean_reason(self) -> str:
        return _reason(self.cleaned_data["reason"])


class CertificateRevokeForm(BootstrapFormMixin, forms.Form):
    """Withdraw a certificate while the learning stays on the record."""

    prefix = "revoke"

    reason = forms.CharField(label=_("Why is the certificate withdrawn?"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}), help_text=PUBLIC_REASON_HELP)
    confirm = forms.BooleanField(label=_("Yes, withdraw this certificate."),
                                 error_messages={"required": _("Tick the box to confirm.")})

    def clean_reason(self) -> str:
        return _reason(self.cleaned_data["reason"])

