from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_bidi


def site(request):
    """The page's city, direction and the same page in the other languages."""
    language = get_language() or settings.LANGUAGE_CODE
    path = request.get_full_path()
    alternates = [
        {"code": code, "name": name, "url": translate_url(path, code), "current": code == language}
        for code, name in settings.LANGUAGES
    ]
    return {
        "city": getattr(request, "city", None),
        "LANG": language,
        "DIR": "rtl" if get_language_bidi() else "ltr",
        "language_alternates": alternates,
    }
