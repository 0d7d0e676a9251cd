"""Pages for people: sign-up, log-in and log-out, password reset by text message, "me" and data export.

Views are thin: forms check what was typed, services write, and a service's refusal (DomainError)
comes back as an error on the field it is about.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from learningcity.core.errors import DomainError
from learningcity.core.text import fold_digits

from .forms import (
    AuditedSetPasswordForm,
    MobileAuthenticationForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignupForm,
    reset_identifier_key,
)
from .models import CitizenProfile, User
from .selectors import personal_data_of, roles_held
from .services import profile_update, user_register
from .validators import normalise_mobile

# --- Rate limits -------------------------------------------------------------------------------
# Rates are read from settings at request time (so operators and tests can change them), and the
# IP groups are shared with the API's sign-up and token endpoints: one budget per address.

def _login_rate(group, request) -> str:
    return settings.LOGIN_RATE


def _signup_rate(group, request) -> str:
    return settings.SIGNUP_RATE


def _password_reset_rate(group, request) -> str:
    return settings.PASSWORD_RESET_RATE


def _posted_mobile(group, request) -> str:
    """The account a log-in is aimed at, however the number was typed."""
    raw = request.POST.get("username", "")[:64]
    try:
        return normalise_mobile(raw)
    except ValidationError:
        return fold_digits(raw).strip()


def _posted_reset_identifier(group, request) -> str:
    return reset_identifier_key(request.POST.get("identifier", "")[:254])


def _safe_next(request) -> str:
    """The page to go back to, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


# --- Sign-up, log-in, log-out --------------------------------------------------------------------

@ratelimit(group="signup", key="ip", rate=_signup_rate, method="POST", block=True)
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    """A new citizen account in this city; the person is logged in straight away."""
    if request.city is None:
        return render(request, "core/no_city.html", status=503)
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = SignupForm(request.POST if request.method == "POST" else None, city=request.city)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_register(
                name=data["name"], mobile=data["mobile"], password=data["password1"], email=data["email"],
                district=data["district"], birth_year=data["birth_year"], sex=data["sex"],
                language=(get_language() or settings.LANGUAGE_CODE)[:2], city=request.city,
            )
        except DomainError as error:
            form.add_domain_error(error, SignupForm.SERVICE_FIELDS)
        else:
            auth_login(request, user, backend="learningcity.accounts.backends.MobileBackend")
            welcome = _("Welcome, %(name)s. Your account is ready.") % {"name": user.get_short_name()}
            messages.success(request, welcome)
            return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


class MobileLoginView(auth_views.LoginView):
    """Log in with a mobile number and password."""

    form_class = MobileAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


login = ratelimit(group="login", key="ip", rate=_login_rate, method="POST", block=True)(
    ratelimit(group="login-mobile", key=_posted_mobile, rate=_login_rate, method="POST", block=True)(
        MobileLoginView.as_view()
    )
)

# Django's LogoutView answers POST only, so a link on another site cannot log anyone out.
logout = auth_views.LogoutView.as_view()


# --- Password reset by text message -----------------------------------------------------------

@ratelimit(group="password-reset", key="ip", rate=_password_reset_rate, method="POST", block=True)
@ratelimit(group="password-reset-account", key=_posted_reset_identifier, rate=_password_reset_rate,
           method="POST", block=True)
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request):
    """Ask for a reset link; the next page reads the same whether or not the account exists."""
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.send_reset_links(request)
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset_form.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html", {
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    })


password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=AuditedSetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password_reset_complete"),
)

password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html",
)


# --- "Me": profile, roles, personal data --------------------------------------------------------

@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    """The person's own details, roles and a link to download everything the city holds about them."""
    # A fresh copy, so a refused change never shows up in the page's header as if it were saved.
    user = User.objects.get(pk=request.user.pk)
    form = ProfileForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(user=user, actor=request.user, **form.changes())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Your details are saved."))
            target = reverse("accounts:profile")
            if user.preferred_language != (get_language() or "")[:2]:
                target = translate_url(target, user.preferred_language)
            return redirect(target)
    citizen_profile = CitizenProfile.objects.filter(user=user).select_related("city").first()
    return render(request, "accounts/profile.html", {
        "form": form, "person": user, "citizen_profile": citizen_profile, "roles": roles_held(user),
    })


@login_required
@never_cache
@require_safe
def data_export(request):
    """The person's own data as a JSON file to download."""
    data = personal_data_of(request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"learning-city-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

