"""Iranian mobile numbers and national codes, typed in any digits and any common form."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from learningcity.core.text import fold_digits

_SEPARATORS = re.compile(r"[\s\-().\u200c\u200e\u200f]")
_MOBILE = re.compile(r"^09\d{9}$")


def normalise_mobile(value: str) -> str:
    """`۰۹۱۲ ۳۴۵ ۶۷۸۹`, `+989123456789`, `00989123456789`, `9123456789` -> `09123456789`.

    Raises ValidationError when the result is not an Iranian mobile number.
    """
    text = _SEPARATORS.sub("", fold_digits(str(value or "")))
    if text.startswith("+98"):
        text = "0" + text[3:]
    elif text.startswith("0098"):
        text = "0" + text[4:]
    elif text.startswith("98") and len(text) == 12:
        text = "0" + text[2:]
    elif text.startswith("9") and len(text) == 10:
        text = "0" + text
    if not _MOBILE.match(text):
        raise ValidationError(
            _("Enter an Iranian mobile number such as 09121234567."), code="invalid_mobile"
        )
    return text


def normalise_national_code(value: str) -> str:
    """A national code (کد ملی) in any digits -> 10 ASCII digits, checked by its check digit."""
    text = _SEPARATORS.sub("", fold_digits(str(value or "")))
    if not re.fullmatch(r"\d{8,10}", text):
        raise ValidationError(_("A national code has 10 digits."), code="invalid_national_code")
    text = text.zfill(10)
    if len(set(text)) == 1:
        raise ValidationError(_("This national code is not valid."), code="invalid_national_code")
    remainder = sum(int(text[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    if check != int(text[9]):
        raise ValidationError(_("This national code is not valid."), code="invalid_national_code")
    return text


def validate_birth_year(year: int) -> None:
    """A Gregorian birth year between 1900 and this year."""
    from django.utils import timezone

    if year is not None and not 1900 <= year <= timezone.localdate().year:
        raise ValidationError(_("Enter a birth year between 1900 and this year."), code="invalid_birth_year")
