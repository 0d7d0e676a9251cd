"""Bilingual content the city writes (`title_fa`, `title_en`), read in the active language."""

from django.utils.translation import get_language


def localized(obj, field: str, language: str | None = None) -> str:
    """`obj.<field>_<lang>`, falling back to the other language when that one is empty."""
    language = (language or get_language() or "fa")[:2]
    other = "en" if language == "fa" else "fa"
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_{other}", "") or ""


class BilingualNameMixin:
    """Models with `name_fa` and `name_en`: `.name` is the one in the active language."""

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")
