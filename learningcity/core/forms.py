"""Form plumbing shared by every app: Bootstrap styling and a service's refusal shown on the form."""

from django import forms

from .errors import DomainError


class BootstrapFormMixin:
    """Bootstrap classes on every widget, and `is-invalid` on the fields that have errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        """Give each widget its Bootstrap class; call again after adding fields."""
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])

    def full_clean(self):
        super().full_clean()
        self.mark_invalid_fields()

    def add_error(self, field, error):
        super().add_error(field, error)
        self.mark_invalid_fields()

    def mark_invalid_fields(self) -> None:
        for name in self._errors or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", "").split():
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_domain_error(self, error: DomainError, field_map: dict[str, str] | None = None) -> None:
        """Show a service's refusal on the field it is about, or above the form."""
        field = (field_map or {}).get(error.field, error.field)
        self.add_error(field if field in self.fields else None, str(error.message))


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Show a service's refusal on a form, whether or not the form uses the mixin."""
    if isinstance(form, BootstrapFormMixin):
        form.add_domain_error(error)
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))
