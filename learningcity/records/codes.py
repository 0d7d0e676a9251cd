"""Certificate verification codes: unguessable, easy to read aloud and to type from paper.

Ten characters from an alphabet without the look-alikes 0/O and 1/I (32 symbols, 50 bits of
chance), shown in groups as `ABCD-EFGH-JK`. A typed code is read in any case, with or without
dashes or spaces, in Persian, Arabic-Indic or Latin digits.
"""

import re
import secrets

from learningcity.core.text import fold_digits

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 10
GROUPS = (4, 4, 2)
_NOT_CODE = re.compile(r"[^A-Z0-9]")


def format_code(raw: str) -> str:
    """`ABCDEFGHJK` -> `ABCD-EFGH-JK`."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(raw[start:start + size])
        start += size
    return "-".join(parts)


def new_code() -> str:
    """A fresh random code, formatted; the caller makes sure it is not taken."""
    return format_code("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalise_code(text: str | None) -> str | None:
    """The stored form of a typed code, or None when it cannot be a code at all."""
    if not text:
        return None
    raw = _NOT_CODE.sub("", fold_digits(str(text)[:64]).upper())
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return format_code(raw)
