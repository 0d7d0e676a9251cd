"""Forms of the action plan: the plan, objectives, results, budget lines, progress reports and imports.

Numbers and dates are read as people type them (Persian, Arabic-Indic or Latin digits, thousands
separators, Jalali dates on Persian pages); the services check them and their refusals come back onto
the field they are about.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.catalogue.console_forms import LocalDateField, LocalIntegerField
from learningcity.catalogue.models import Programme, ProgrammeStatus
from learningcity.core.forms import BootstrapFormMixin

from .models import PLAN_AREAS, ResultStatus, WorkingGroup
from .services.plan import MAX_IMPORT_BYTES


def _ltr(**attrs) -> dict:
    return {"dir": "ltr", "class": "input-ltr", "autocomplete": "off", **attrs}


def _fa(**attrs) -> dict:
    return {"dir": "rtl", "lang": "fa", **attrs}


def _en(**attrs) -> dict:
    return {"dir": "ltr", "lang": "en", **attrs}


class AmountInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__(attrs={**_ltr(inputmode="decimal"), **(attrs or {})})


class PlanForm(BootstrapFormMixin, forms.Form):
    """The plan's title and summary in both languages."""

    title_fa = forms.CharField(label=_("Title (Persian)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs=_fa()))
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs=_en()))
    summary_fa = forms.CharField(label=_("Summary (Persian)"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs=_fa(rows=3)))
    summary_en = forms.CharField(label=_("Summary (English)"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs=_en(rows=3)))


class PlanCreateForm(PlanForm):
    year = LocalIntegerField(label=_("Jalali year"), help_text=_("For example 1405."))

    field_order = ["year", "title_fa", "title_en", "summary_fa", "summary_en"]


class ObjectiveForm(BootstrapFormMixin, forms.Form):
    area = forms.ChoiceField(label=_("Building block or condition"),
                             choices=[(area.value, area.label) for area in PLAN_AREAS])
    code = forms.CharField(label=_("Code"), max_length=20, help_text=_("For example O2.1-1."),
                           widget=forms.TextInput(attrs=_ltr()))
    title_fa = forms.CharField(label=_("Title (Persian)"), max_length=300, required=False,
                               widget=forms.TextInput(attrs=_fa()))
    title_en = forms.CharField(label=_("Title (English)"), max_length=300, required=False,
                               widget=forms.TextInput(attrs=_en()))
    description_fa = forms.CharField(label=_("Description (Persian)"), max_length=5000, required=False,
                                     widget=forms.Textarea(attrs=_fa(rows=2)))
    description_en = forms.CharField(label=_("Description (English)"), max_length=5000, required=False,
                                     widget=forms.Textarea(attrs=_en(rows=2)))
    working_group = forms.ModelChoiceField(label=_("Responsible working group"), queryset=WorkingGroup.objects.none(),
                                           required=False)
    programmes = forms.ModelMultipleChoiceField(
        label=_("Linked programmes"), queryset=Programme.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Published programmes of the catalogue; hold Ctrl (or Cmd) to choose several."),
    )

    def __init__(self, *args, city, linked=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["working_group"].queryset = WorkingGroup.objects.filter(city=city, is_active=True)
        self.fields["programmes"].queryset = (
            Programme.objects.filter(city=city)
            .filter(Q(status=ProgrammeStatus.PUBLISHED) | Q(pk__in=[p.pk for p in linked]))
            .order_by("title_fa", "pk")
            .only("id", "title_fa", "title_en")
        )
        self.fields["programmes"].label_from_instance = lambda p: p.title
        self.fields["working_group"].label_from_instance = lambda g: g.name


class ResultForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=24, widget=forms.TextInput(attrs=_ltr()),
                           help_text=_("Unique in the plan, e.g. R2.1-1; imports use it."))
    title_fa = forms.CharField(label=_("Target (Persian)"), max_length=300, required=False,
                               widget=forms.TextInput(attrs=_fa()))
    title_en = forms.CharField(label=_("Target (English)"), max_length=300, required=False,
                               widget=forms.TextInput(attrs=_en()))
    unit_fa = forms.CharField(label=_("Unit (Persian)"), max_length=60, required=False,
                              widget=forms.TextInput(attrs=_fa()))
    unit_en = forms.CharField(label=_("Unit (English)"), max_length=60, required=False,
                              widget=forms.TextInput(attrs=_en()))
    baseline = forms.CharField(label=_("Baseline"), max_length=40, required=False, widget=AmountInput())
    target_value = forms.CharField(label=_("Target value"), max_length=40, widget=AmountInput())
    due_on = LocalDateField(label=_("Due"), required=False)


class BudgetLineForm(BootstrapFormMixin, forms.Form):
    title_fa = forms.CharField(label=_("Budget line (Persian)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs=_fa()))
    title_en = forms.CharField(label=_("Budget line (English)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs=_en()))
    source_fa = forms.CharField(label=_("Funded by (Persian)"), max_length=200, required=False,
                                widget=forms.TextInput(attrs=_fa()))
    source_en = forms.CharField(label=_("Funded by (English)"), max_length=200, required=False,
                                widget=forms.TextInput(attrs=_en()))
    planned_rials = forms.CharField(label=_("Planned (rials)"), max_length=40,
                                    widget=AmountInput(attrs={"inputmode": "numeric"}))
    spent_rials = forms.CharField(label=_("Spent so far (rials)"), max_length=40, required=False,
                                  widget=AmountInput(attrs={"inputmode": "numeric"}))


class ResultReportForm(BootstrapFormMixin, forms.Form):
    """A dated progress update on a result."""

    reported_on = LocalDateField(label=_("Date"))
    status = forms.ChoiceField(label=_("Status"), choices=ResultStatus.choices)
    progress = forms.CharField(label=_("Progress (%)"), max_length=8, help_text=_("A whole number from 0 to 100."),
                               widget=AmountInput(attrs={"inputmode": "numeric"}))
    value = forms.CharField(label=_("Value reached"), max_length=40, required=False, widget=AmountInput())
    note = forms.CharField(label=_("What happened"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    evidence_url = forms.CharField(label=_("Evidence link"), max_length=500, required=False,
                                   widget=forms.TextInput(attrs=_ltr(inputmode="url", placeholder="https://")))


class ResultsImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel (.xlsx) file"),
        help_text=_("At most 2 MB and 2,000 rows. Start from the template to get the columns right."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-"
                                                         "officedocument.spreadsheetml.sheet"}),
    )

    def read(self) -> bytes:
        """The upload's bytes, reading at most one byte past the limit (the service refuses larger files)."""
        upload = self.cleaned_data["file"]
        upload.seek(0)
        return upload.read(MAX_IMPORT_BYTES + 1)
