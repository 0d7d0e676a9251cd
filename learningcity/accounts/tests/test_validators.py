"""Mobile numbers and national codes: every way people type them, folded to one canonical form."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from learningcity.accounts.validators import normalise_mobile, normalise_national_code

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def with_check_digit(nine_digits: str) -> str:
    """The national-code algorithm: weights 10..2, remainder mod 11, check digit r or 11 - r."""
    remainder = sum(int(digit) * (10 - position) for position, digit in enumerate(nine_digits)) % 11
    return nine_digits + str(remainder if remainder < 2 else 11 - remainder)


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸۹۱۲۱۲۳۴۵۶۷",
        "۰۰۹۸۹۱۲۱۲۳۴۵۶۷",
        "0912 123 4567",
        "0912-123-4567",
        "(0912) 123-4567",
        "\u200e09121234567\u200f",
        "۰۹۱۲\u200c۱۲۳\u200c۴۵۶۷",
        " 09121234567 ",
    ],
)
def test_every_common_form_of_a_mobile_number_folds_to_09(typed):
    assert normalise_mobile(typed) == "09121234567"


@pytest.mark.parametrize(
    "typed",
    ["", None, "0912123456", "091212345678", "08131234567", "02188776655", "+449121234567", "0098812345678",
     "phone", "۰۹۱۲", "09a21234567", "+98912123456", "1" * 500],
)
def test_things_that_are_not_iranian_mobile_numbers_are_refused(typed):
    with pytest.raises(ValidationError) as caught:
        normalise_mobile(typed)
    assert caught.value.code == "invalid_mobile"


def test_the_mobile_message_is_translatable():
    with pytest.raises(ValidationError) as caught:
        normalise_mobile("0912")
    with translation.override("en"):
        assert caught.value.messages == ["Enter an Iranian mobile number such as 09121234567."]
    with translation.override("fa"):
        assert caught.value.messages[0].startswith("شمارهٔ همراه") or "۰۹۱۲۱۲۳۴۵۶۷" in caught.value.messages[0]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_mobile_in_persian_or_arabic_indic_digits_means_the_same_number(rest):
    number = "09" + rest
    assert normalise_mobile(number.translate(PERSIAN)) == number
    assert normalise_mobile(number.translate(ARABIC_INDIC)) == number
    assert normalise_mobile("+98" + number[1:]) == number


@pytest.mark.parametrize("nine", ["001234567", "123456789", "498765432", "371904502", "000000011"])
def test_national_codes_with_the_right_check_digit_are_accepted(nine):
    code = with_check_digit(nine)
    assert normalise_national_code(code) == code
    assert normalise_national_code(code.translate(PERSIAN)) == code
    assert normalise_national_code(code.translate(ARABIC_INDIC)) == code
    assert normalise_national_code(f"{code[:3]}-{code[3:9]}-{code[9]}") == code


def test_short_national_codes_are_padded_with_leading_zeros():
    code = with_check_digit("001234567")
    assert normalise_national_code(code.lstrip("0")) == code


@pytest.mark.parametrize("nine", ["001234567", "123456789", "498765432"])
def test_a_wrong_check_digit_is_refused(nine):
    right = with_check_digit(nine)
    for digit in "0123456789":
        if digit != right[-1]:
            with pytest.raises(ValidationError):
                normalise_national_code(nine + digit)


@pytest.mark.parametrize("digit", list("0123456789"))
def test_all_same_digit_national_codes_are_refused_even_though_the_check_digit_fits(digit):
    with pytest.raises(ValidationError):
        normalise_national_code(digit * 10)


@pytest.mark.parametrize("typed", ["", "1234567", "12345678901", "abcdefghij", "12345 6789x", None])
def test_national_codes_of_the_wrong_shape_are_refused(typed):
    with pytest.raises(ValidationError):
        normalise_national_code(typed)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_exactly_one_check_digit_completes_any_nine_digits(nine):
    accepted = []
    for digit in "0123456789":
        try:
            accepted.append(normalise_national_code(nine + digit))
        except ValidationError:
            pass
    if len(set(nine)) == 1 and with_check_digit(nine)[-1] == nine[0]:
        assert accepted == []  # e.g. 1111111111: right check digit, refused as a placeholder
    else:
        assert accepted == [with_check_digit(nine)]
