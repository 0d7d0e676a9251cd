"""Persian text: digit folding and the search normaliser (architecture section 4.5).

Standard library only: the heavy Persian NLP packages rewrite Latin digits and take seconds to import.
"""

import re
import unicodedata

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", PERSIAN_DIGITS)

_LETTER_FOLDS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u06c0": "\u0647",  # heh with yeh above -> heh
        "\u06c1": "\u0647",  # heh goal -> heh
        "\u06d5": "\u0647",  # ae -> heh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u0626": "\u06cc",  # yeh with hamza -> yeh
        "\u0640": None,  # tatweel
        "\u200d": None,  # zero-width joiner
        "\u200b": None,  # zero-width space
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\u202a": None,
        "\u202b": None,
        "\u202c": None,
        "\u202d": None,
        "\u202e": None,
        "\u2066": None,
        "\u2067": None,
        "\u2068": None,
        "\u2069": None,
        "\ufeff": None,  # BOM
        "\u200c": " ",  # ZWNJ separates word parts: a space for search keys
        "\u00a0": " ",
    }
)
_SPACES = re.compile(r"\s+")


def fold_digits(value: str) -> str:
    """Persian and Arabic-Indic digits to ASCII; everything else unchanged."""
    return value.translate(_TO_ASCII)


def persian_digits(value: object) -> str:
    """ASCII digits to Persian digits, for display on Persian pages."""
    return str(value).translate(_TO_PERSIAN)


def normalise_for_search(value: str | None) -> str:
    """The search key of a text: the same for every spelling a Persian or English reader would type."""
    if not value:
        return ""
    # Fold presentation forms (NFKC) after the Arabic-letter folds, since NFKC maps presentation
    # forms of Arabic yeh and kaf back to the Arabic letters.
    text = unicodedata.normalize("NFKC", value).translate(_LETTER_FOLDS)
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text).translate(_LETTER_FOLDS)
    text = fold_digits(text).casefold()
    return _SPACES.sub(" ", text).strip()
