"""Forms for people: sign-up, log-in, password reset and the profile page.

Forms only read and check what was typed; every write goes through `services` (the password reset
form is the one exception, because Django's reset view calls `form.save()`).
"""

import logging

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, validate_email
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from learningcity.cities.models import District, Sex
from learningcity.core.forms import BootstrapFormMixin
from learningcity.core.tasks import deliver_email, deliver_sms
from learningcity.core.text import fold_digits, persian_digits

from .models import CitizenProfile, User
from .services import password_reset_complete
from .validators import normalise_mobile

logger = logging.getLogger("learningcity.accounts")

NAME_MAX = User._meta.get_field("name").max_length
# A bound on what any text box takes, so an absurd post is refused before it reaches a hasher.
TEXT_MAX = 1000
# The Jalali year starts on 21 March, so nine months of Jalali year Y fall in Gregorian year Y + 621.
JALALI_OFFSET = 621
OLDEST_AGE = 120

# The same words for a wrong password, an unknown number and a disabled account, on the page and
# in the API (services.token_issue): nobody learns which numbers have accounts.
INVALID_LOGIN = _("The mobile number or the password is wrong.")


def _on_persian_page() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("fa")


def mobile_input(**attrs) -> forms.TextInput:
    """A phone-number box: phone keypad, left-to-right even on Persian pages."""
    return forms.TextInput(attrs={"type": "tel", "dir": "ltr", "autocomplete": "tel", **attrs})


def digits_input(**attrs) -> forms.TextInput:
    """A box for a code or a year: number keypad, left-to-right."""
    return forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", **attrs})


class MobileField(forms.CharField):
    """An Iranian mobile number in any digits and form (09.., +989.., 00989..), cleaned to 09........."""

    default_error_messages = {"invalid": _("Enter an Iranian mobile number such as 09121234567.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", mobile_input())
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return normalise_mobile(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="invalid") from exc


class BirthYearField(forms.CharField):
    """A birth year typed in the page's calendar (Jalali on Persian pages), kept as a Gregorian year.

    On Persian pages a Gregorian year is accepted too: the two ranges (13xx-14xx and 19xx-20xx)
    cannot be confused.
    """

    default_error_messages = {
        "invalid": _("Enter the year you were born, such as %(example)s."),
        "range": _("Enter a year between %(oldest)s and %(newest)s."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Year of birth"))
        kwargs.setdefault("required", False)
        if _on_persian_page():
            kwargs.setdefault("help_text", _("In the Iranian calendar, such as %(example)s.")
                              % {"example": persian_digits(1370)})
        kwargs.setdefault("widget", digits_input(autocomplete="bday-year", maxlength=4))
        super().__init__(**kwargs)

    @staticmethod
    def _display_year(gregorian_year: int) -> str:
        if _on_persian_page():
            return persian_digits(gregorian_year - JALALI_OFFSET)
        return str(gregorian_year)

    def prepare_value(self, value):
        if isinstance(value, int):
            return self._display_year(value)
        return value

    def to_python(self, value):
        text = fold_digits(super().to_python(value) or "").strip()
        if not text:
            return None
        newest = timezone.localdate().year
        oldest = newest - OLDEST_AGE
        if not text.isdigit() or len(text) != 4:
            raise ValidationError(self.error_messages["invalid"], code="invalid",
                                  params={"example": self._display_year(1990)})
        year = int(text)
        if _on_persian_page() and year < 1700:
            year += JALALI_OFFSET
        if not oldest <= year <= newest:
            raise ValidationError(self.error_messages["range"], code="range",
                                  params={"oldest": self._display_year(oldest),
                                          "newest": self._display_year(newest)})
        return year


class DistrictField(forms.ModelChoiceField):
    """One of the city's districts, by its name in the page's language."""

    def __init__(self, *, city, **kwargs):
        queryset = District.objects.filter(city=city).order_by("number") if city else District.objects.none()
        kwargs.setdefault("label", _("District"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", _("I would rather not say"))
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj):
        return obj.name


def name_field() -> forms.CharField:
    # The service enforces the real limit (with its own message); the browser stops at it too.
    return forms.CharField(
        label=_("Full name"), validators=[MaxLengthValidator(TEXT_MAX)],
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": NAME_MAX}),
    )


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Email (optional)"), required=False, max_length=User._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )


def sex_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Sex"), required=False,
                             choices=[("", _("I would rather not say")), *Sex.choices])


class SignupForm(BootstrapFormMixin, forms.Form):
    """A new citizen: the few facts the city needs, most of them optional (architecture 4.7)."""

    name = name_field()
    mobile = MobileField(help_text=_("You log in with this number; a password reset link is sent to it."))
    password1 = forms.CharField(
        label=_("Password"), strip=False, max_length=TEXT_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, max_length=TEXT_MAX,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password again, to be sure."),
    )
    email = email_field()

    field_order = ["name", "mobile", "password1", "password2", "email", "district", "birth_year", "sex"]

    # The service names the password field "password"; on this form it is the first password box.
    SERVICE_FIELDS = {"password": "password1", "language": None}

    def __init__(self, *args, city=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()
        # Made per form: their labels, help and choices follow the page's language and city.
        self.fields["district"] = DistrictField(city=city)
        self.fields["birth_year"] = BirthYearField()
        self.fields["sex"] = sex_field()
        self.order_fields(self.field_order)
        self.style_fields()

    def clean_password2(self):
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if first and second and first != second:
            raise ValidationError(_("The two passwords are not the same."), code="password_mismatch")
        return second


class MobileAuthenticationForm(BootstrapFormMixin, AuthenticationForm):
    """Log in with a mobile number in any form and digits; one message for every failure."""

    error_messages = {"invalid_login": INVALID_LOGIN, "inactive": INVALID_LOGIN}

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        # The stored number has 11 digits, but people type +98 912 345 6789 and the like.
        username.max_length = 32
        username.label = _("Mobile number")
        username.widget.attrs.update(
            {"maxlength": 32, "type": "tel", "dir": "ltr", "autocomplete": "username"}
        )

    def get_invalid_login_error(self):
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login")

    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise self.get_invalid_login_error()


def reset_identifier_key(value: str) -> str:
    """The account a reset request is about, as one string (for rate limits): the number or the email."""
    text = fold_digits(value or "").strip()
    if "@" in text:
        return text.lower()[:254]
    try:
        return normalise_mobile(text)
    except ValidationError:
        return text[:64]


class PasswordResetRequestForm(BootstrapFormMixin, forms.Form):
    """A mobile number or an email address; the answer never says whether an account exists."""

    identifier = forms.CharField(
        label=_("Mobile number or email"), max_length=254,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "username", "autofocus": True}),
        help_text=_("We send a link to choose a new password by text message, and by email if you gave one."),
    )

    def clean_identifier(self):
        text = fold_digits(self.cleaned_data["identifier"]).strip()
        try:
            if "@" in text:
                validate_email(text)
                return text.lower()
            return normalise_mobile(text)
        except ValidationError as exc:
            message = _("Enter your mobile number or your email address.")
            raise ValidationError(message, code="invalid") from exc

    def accounts(self):
        identifier = self.cleaned_data["identifier"]
        people = User.objects.filter(is_active=True)
        if "@" in identifier:
            return people.filter(email__iexact=identifier)
        return people.filter(mobile=identifier)

    def send_reset_links(self, request) -> int:
        """Text (and email) each matching account a reset link; returns how many were written to."""
        sent = 0
        for user in self.accounts():
            with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
                path = reverse("accounts:password_reset_confirm", kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                })
                context = {"user": user, "link": request.build_absolute_uri(path),
                           "city": getattr(request, "city", None),
                           "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
                try:
                    # Queued: the visitor's answer does not wait on (or reveal timing of) the gateway.
                    deliver_sms.delay(user.mobile, _render("password_reset_sms.txt", context))
                    if user.email:
                        deliver_email.delay(_render("password_reset_subject.txt", context),
                                            _render("password_reset_email.txt", context), [user.email])
                except Exception:
                    # A gateway failure must not tell the visitor that this account exists.
                    logger.exception("Could not send a password reset link to account %s", user.pk)
                    continue
            sent += 1
        return sent


def _render(template: str, context: dict) -> str:
    """A text-message or email part; the subject and the text message are one line each."""
    text = render_to_string(f"accounts/{template}", context).strip()
    return text if template.endswith("_email.txt") else " ".join(text.split())


class AuditedSetPasswordForm(BootstrapFormMixin, SetPasswordForm):
    """A new password from a reset link: saved with an audit entry, and the person's API tokens revoked."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        for name in ("new_password1", "new_password2"):
            self.fields[name].validators.append(MaxLengthValidator(TEXT_MAX))
        self.fields["new_password2"].label = _("New password again")

    def save(self, commit=True):
        if not commit:
            return super().save(commit=False)
        return password_reset_complete(user=self.user, password=self.cleaned_data["new_password1"])


class ProfileForm(BootstrapFormMixin, forms.Form):
    """What a person may change about themselves; citizen details only for people with a citizen profile."""

    name = name_field()
    email = email_field()
    preferred_language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)
    national_code = forms.CharField(
        label=_("National code (optional)"), required=False, max_length=32,
        widget=digits_input(autocomplete="off", maxlength=12),
        help_text=_("Ten digits, checked by its last digit. Only you and the people who need it see it."),
    )

    ACCOUNT_FIELDS = ("name", "email", "preferred_language", "national_code")
    PROFILE_FIELDS = ("district", "birth_year", "sex")

    def __init__(self, *args, user: User, **kwargs):
        # Staff accounts made in the admin or with createsuperuser have no citizen profile.
        profile = CitizenProfile.objects.filter(user=user).select_related("city").first()
        initial = {
            "name": user.name, "email": user.email, "preferred_language": user.preferred_language,
            "national_code": user.national_code or "",
        }
        if profile is not None:
            initial.update(district=profile.district_id, birth_year=profile.birth_year, sex=profile.sex)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.has_profile = profile is not None
        if profile is not None:
            self.fields["district"] = DistrictField(city=profile.city)
            self.fields["birth_year"] = BirthYearField()
            self.fields["sex"] = sex_field()
            self.style_fields()

    def changes(self) -> dict:
        """The keyword arguments for services.profile_update."""
        data = {name: self.cleaned_data[name] for name in self.ACCOUNT_FIELDS}
        data["national_code"] = data["national_code"] or None
        if self.has_profile:
            data.update({name: self.cleaned_data[name] for name in self.PROFILE_FIELDS})
            data["birth_year"] = data["birth_year"] or None
        return data
