"""Certificates of completion as PDF: an HTML template rendered by WeasyPrint (Persian shaped by pango/HarfBuzz).

WeasyPrint loads the system's pango libraries when it is imported; where they are missing the
import fails with OSError, and callers get `PdfUnavailable` naming the Debian packages to install.
"""

from functools import lru_cache
from pathlib import Path

import segno
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from learningcity.core.jalali import format_date

from .models import LearningRecord

DEBIAN_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0")
FONT_DIR = "vendor/vazirmatn-33.0.3/fonts/ttf"
FONTS = {"regular": "Vazirmatn-Regular.ttf", "bold": "Vazirmatn-Bold.ttf"}


class PdfUnavailable(Exception):
    """The PDF engine cannot run on this machine (its system libraries are missing)."""

    packages = DEBIAN_PACKAGES


def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint


@lru_cache(maxsize=1)
def font_urls() -> dict[str, str]:
    """file:// addresses of the vendored Vazirmatn TTFs (WeasyPrint embeds only the glyphs used)."""
    urls = {}
    for weight, name in FONTS.items():
        found = finders.find(f"{FONT_DIR}/{name}")
        path = Path(found) if found else Path(__file__).resolve().parent.parent / "core" / "static" / FONT_DIR / name
        urls[weight] = path.resolve().as_uri()
    return urls


def qr_svg(url: str) -> str:
    """The verification address as an inline SVG QR code (sized by CSS)."""
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True, dark="#1d2b2b")


def certificate_html(record: LearningRecord, *, verify_url: str, language: str) -> str:
    """The certificate as a standalone HTML page in `language` (fa: RTL, Jalali; en: LTR, Gregorian)."""
    with translation.override(language):
        context = {
            "record": record,
            "certificate": record.certificate,
            "learner": record.citizen.name,
            "city": record.city,
            "language": language,
            "direction": "rtl" if language == "fa" else "ltr",
            "fonts": font_urls(),
            "started": format_date(record.started_on, "long", language),
            "completed": format_date(record.completed_on, "long", language),
            "issued": format_date(timezone.localtime(record.certificate.issued_at), "long", language),
            "verify_url": verify_url,
            "qr": mark_safe(qr_svg(verify_url)),  # noqa: S308  (segno's own markup of a URL we built)
        }
        return render_to_string("records/certificate_pdf.html", context)


def certificate_pdf(record: LearningRecord, *, verify_url: str, language: str) -> bytes:
    """The certificate as PDF bytes; raises PdfUnavailable when WeasyPrint cannot load."""
    weasyprint = _weasyprint()
    html = certificate_html(record, verify_url=verify_url, language=language)
    return weasyprint.HTML(string=html, base_url=str(Path(__file__).resolve().parent)).write_pdf()
