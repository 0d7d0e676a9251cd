"""Minutes of a meeting as a Persian PDF: an HTML template rendered by WeasyPrint (as the certificates are).

The PDF names the group, the meeting, its date and place, who attended for which institution, the
agenda, the minutes and the numbered decisions; until the chair approves the minutes every page
is marked "draft". Where WeasyPrint's system libraries are missing, callers get `PdfUnavailable`.
"""

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation

from learningcity.core.i18n import localized
from learningcity.core.jalali import format_date, format_datetime, uses_jalali
from learningcity.core.text import persian_digits
from learningcity.records.pdf import PdfUnavailable, font_urls

from .models import Meeting
from .selectors.meetings import agenda_of, attendance_of, decisions_of

__all__ = ["PdfUnavailable", "minutes_html", "minutes_pdf"]


@dataclass(frozen=True)
class Written:
    """A piece of text people wrote, with its own direction (WeasyPrint has no `dir="auto"`)."""

    text: str
    dir: str


def _direction(text: str, default: str) -> str:
    """The direction of the first strong character, as `dir="auto"` would decide."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


def _written(text: str, default: str) -> Written:
    return Written(text=text, dir=_direction(text, default))


def _paragraphs(text: str, default: str) -> list[Written]:
    """Each written line as a paragraph with its own direction (minutes are mostly lines: "item 1: ...")."""
    return [_written(line.strip(), default) for line in (text or "").splitlines() if line.strip()]


def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint


def minutes_html(meeting: Meeting, *, language: str) -> str:
    """The minutes as a standalone HTML page in `language` (fa: RTL, Jalali, Persian digits; en: LTR)."""
    with translation.override(language):
        jalali = uses_jalali(language)
        start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        clock = f"{start:%H:%M}–{end:%H:%M}"
        decisions = decisions_of(meeting)
        direction = "rtl" if jalali else "ltr"
        context = {
            "meeting": meeting,
            "group": meeting.group,
            "city": meeting.group.city,
            "language": language,
            "direction": direction,
            "counter_style": "persian" if jalali else "decimal",
            "fonts": font_urls(),
            "title": localized(meeting, "title", language),
            "group_name": localized(meeting.group, "name", language),
            "city_name": localized(meeting.group.city, "name", language),
            "place": localized(meeting, "place", language),
            "date": format_date(start, "full", language),
            "clock": persian_digits(clock) if jalali else clock,
            "approved": meeting.minutes_locked,
            "approved_at": format_datetime(meeting.minutes_approved_at, language),
            "approved_by": meeting.minutes_approved_by.name if meeting.minutes_approved_by_id else "",
            "attendees": attendance_of(meeting),
            "minutes": _paragraphs(meeting.minutes, direction),
            "agenda": [(persian_digits(i) if jalali else str(i), _written(item.title, direction),
                        _written(item.notes, direction)) for i, item in enumerate(agenda_of(meeting), start=1)],
            "decisions": [(persian_digits(d.code) if jalali else d.code, _written(d.text, direction), d)
                          for d in decisions],
            "printed": format_date(timezone.localdate(), "long", language),
        }
        return render_to_string("workgroups/meetings/minutes_pdf.html", context)


def minutes_pdf(meeting: Meeting, *, language: str) -> bytes:
    """The minutes as PDF bytes; raises PdfUnavailable when WeasyPrint cannot load."""
    weasyprint = _weasyprint()
    html = minutes_html(meeting, language=language)
    return weasyprint.HTML(string=html, base_url=str(Path(__file__).resolve().parent)).write_pdf()
