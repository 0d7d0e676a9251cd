"""Persian first: every message has a Persian translation, none fuzzy, and the compiled catalogue is current."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "learningcity" / "locale"
CATALOGUES = sorted((LOCALE / "fa" / "LC_MESSAGES").glob("*.po"))


def test_there_is_a_persian_catalogue():
    assert [p.name for p in CATALOGUES] and "django.po" in [p.name for p in CATALOGUES]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_persian_entry_is_translated_and_not_fuzzy(path):
    catalogue = polib.pofile(str(path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries() if not e.obsolete]
    assert untranslated == [], f"untranslated: {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_persian_translations_keep_their_placeholders(path):
    import re

    pattern = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    for entry in polib.pofile(str(path)).translated_entries():
        wanted = sorted(pattern.findall(entry.msgid))
        got = sorted(pattern.findall(entry.msgstr or next(iter(entry.msgstr_plural.values()), "")))
        assert got == wanted, f"{entry.msgid!r} -> {entry.msgstr!r}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_compiled_catalogue_matches_its_source(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run make messages"
    source = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(path)).translated_entries() if e.msgstr}
    binary = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(compiled)) if e.msgstr}
    assert source == binary, "the .mo is stale: run make messages"


def test_persian_is_active_on_fa_pages_and_translates_interface_words():
    with translation.override("fa"):
        assert translation.gettext("Partners") != "Partners"
        assert translation.gettext("Log in") != "Log in"
        assert translation.get_language_bidi()
