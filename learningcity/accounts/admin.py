"""The admin site for people, citizen profiles, roles and API tokens; every change is audited."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learningcity.core.audit import audit_created, audit_record, audit_updated, snapshot
from learningcity.core.permissions import ROLE_SCOPE, Scope
from learningcity.core.text import fold_digits

from .models import ApiToken, CitizenProfile, RoleAssignment, User
from .services import role_grant, role_revoke
from .validators import normalise_mobile, normalise_national_code


class AuditedAdminMixin:
    """Writes made in the admin land in the audit log like every other write."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if before is None:
                audit_created(actor=request.user, obj=obj, action=f"{obj._meta.model_name}.create")
            else:
                audit_updated(actor=request.user, obj=obj, before=before)

    def save_formset(self, request, form, formset, change):
        # The forms have already copied the new values onto their instances: read the old ones anew.
        stored = formset.model.objects.filter(pk__in=[f.instance.pk for f in formset.initial_forms])
        before = {obj.pk: snapshot(obj) for obj in stored}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_created(actor=request.user, obj=obj, action=f"{obj._meta.model_name}.create")
        for obj, _fields in formset.changed_objects:
            audit_updated(actor=request.user, obj=obj, before=before.get(obj.pk, {}))
        for obj in formset.deleted_objects:
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", obj=obj)

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", obj=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, action=f"{obj._meta.model_name}.delete", obj=obj)
            super().delete_queryset(request, queryset)


class _PersonFieldsMixin:
    """The mobile number and national code, typed in any digits, stored as the canonical ASCII form."""

    def clean_mobile(self):
        try:
            return normalise_mobile(self.cleaned_data.get("mobile"))
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="invalid") from exc

    def clean_national_code(self):
        code = self.cleaned_data.get("national_code")
        if not code:
            return None
        try:
            return normalise_national_code(code)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0], code="invalid") from exc


class PersonCreationForm(_PersonFieldsMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("mobile", "name")
        widgets = {"mobile": forms.TextInput(attrs={"type": "tel", "dir": "ltr", "maxlength": 32})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # People type +98 912 ... which is longer than the 11 stored digits.
        self.fields["mobile"].max_length = 32
        self.fields["mobile"].validators = []


class PersonChangeForm(_PersonFieldsMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        widgets = {"mobile": forms.TextInput(attrs={"type": "tel", "dir": "ltr", "maxlength": 32})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mobile"].max_length = 32
        self.fields["mobile"].validators = []


class CitizenProfileInline(admin.StackedInline):
    model = CitizenProfile
    can_delete = False
    extra = 0
    max_num = 1
    fields = ("city", "district", "birth_year", "sex", "has_disability", "statistics_consent_at")


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    list_display = ("name", "mobile", "email", "preferred_language", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "preferred_language", "groups")
    search_fields = ("name", "mobile", "email")
    ordering = ("name", "mobile")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("mobile", "password")}),
        (_("Person"), {"fields": ("name", "email", "national_code", "preferred_language")}),
        (_("Permissions"), {
            "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
        }),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {
            "classes": ("wide",),
            "fields": ("mobile", "name", "usable_password", "password1", "password2"),
        }),
    )

    def get_inlines(self, request, obj):
        # The citizen profile belongs to a person who exists; the add page makes the person first.
        return [CitizenProfileInline] if obj is not None else []

    def get_search_results(self, request, queryset, search_term):
        # A number typed in Persian digits or as +98... finds the stored 09... form.
        term = fold_digits(search_term or "").strip()
        try:
            term = normalise_mobile(term)
        except ValidationError:
            pass
        return super().get_search_results(request, queryset, term)


@admin.register(CitizenProfile)
class CitizenProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("user", "city", "district", "birth_year", "sex")
    list_filter = ("city", "sex")
    list_select_related = ("user", "city", "district")
    search_fields = ("user__name", "user__mobile")
    autocomplete_fields = ("user",)


class RoleAssignmentForm(forms.ModelForm):
    """Checks a role's scope before the service is asked, so a refusal is a form error, not a crash."""

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "city", "country")

    def clean(self):
        data = super().clean()
        scope = ROLE_SCOPE.get(data.get("role"))
        if scope == Scope.INSTITUTION:
            self.add_error("role", _("This role is given through an institution's staff list."))
        elif scope == Scope.CITY and not data.get("city"):
            self.add_error("city", _("Choose the city for this role."))
        elif scope == Scope.COUNTRY and not data.get("country"):
            self.add_error("country", _("Choose the country for this role."))
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Roles are granted and revoked through the accounts services; an assignment is never edited."""

    form = RoleAssignmentForm
    list_display = ("user", "role", "city", "country", "granted_at")
    list_filter = ("role", "city")
    list_select_related = ("user", "city")
    search_fields = ("user__name", "user__mobile")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        assignment = role_grant(user=obj.user, role=obj.role, actor=request.user, city=obj.city,
                                country=obj.country)
        obj.pk = assignment.pk
        obj.granted_at = assignment.granted_at

    def delete_model(self, request, obj):
        role_revoke(assignment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            role_revoke(assignment=assignment, actor=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued through the API only; here they can be seen (by hash) and revoked."""

    list_display = ("prefix", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("prefix", "user__name", "user__mobile")
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "expires_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        now = timezone.now()
        with transaction.atomic():
            tokens = list(queryset.filter(revoked_at__isnull=True))
            for token in tokens:
                token.revoked_at = now
                token.save(update_fields=["revoked_at"])
                audit_record(actor=request.user, action="api_token.revoke", obj=token,
                             changes={"revoked_at": [None, now.isoformat()]})
        self.message_user(request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.",
                                            len(tokens)) % {"count": len(tokens)}, messages.SUCCESS)
