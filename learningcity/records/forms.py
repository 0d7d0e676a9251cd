"""Forms of the records pages: feedback, completion decisions, and typing a certificate code."""

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.core.forms import BootstrapFormMixin

from .codes import normalise_code

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
