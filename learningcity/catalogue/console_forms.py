"""Forms of the provider console: programmes, offerings with their sessions, and venues.

Forms read and check what people type (Persian, Arabic-Indic or Latin digits; Jalali dates on Persian
pages, ISO dates on English ones); every write goes through `services`, whose refusals come back onto
the form with `add_domain_error`.
"""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learningcity.core.forms import BootstrapFormMixin
from learningcity.core.jalali import format_date, parse_jalali_date, uses_jalali
from learningcity.core.text import fold_digits
from learningcity.institutions.forms import CoordinateField

from .models import (
    Audience,
    AudienceKind,
    CompletionRule,
    Format,
    KeyFeatureArea,
    Level,
    Programme,
    ProgrammeStatus,
    Sdg4Target,
    TeachingLanguage,
    Venue,
    WaitlistPolicy,
)
from .selectors import domain_tree, flatten
from .services import MAX_CAPACITY, MAX_HOURS, MAX_OFFER_HOURS, MAX_SESSIONS

_GROUPING = re.compile(r"[\s,\u066c\u060c'’_]")  # spaces, commas, the Arabic thousands separator, apostrophes
NEW_VENUE = "new"


def _ltr(**attrs) -> dict:
    return {"dir": "ltr", "class": "input-ltr", **attrs}


def _rtl_fa(**attrs) -> dict:
    return {"dir": "rtl", "lang": "fa", **attrs}


def _ltr_en(**attrs) -> dict:
    return {"dir": "ltr", "lang": "en", **attrs}


# --- fields that read any digits ----------------------------------------------------------------------------


class LocalIntegerField(forms.IntegerField):
    """A whole number typed in Persian, Arabic-Indic or Latin digits, with or without thousands separators."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs=_ltr(inputmode="numeric", autocomplete="off")))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = _GROUPING.sub("", fold_digits(value))
        return super().to_python(value)


class HoursField(forms.DecimalField):
    """Hours of learning in any digits, with `.` or the Persian decimal separator `٫`."""

    def __init__(self, **kwargs):
        super().__init__(
            max_digits=6, decimal_places=1, min_value=Decimal("0.1"), max_value=MAX_HOURS,
            widget=forms.TextInput(attrs=_ltr(inputmode="decimal", autocomplete="off")), **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = fold_digits(value).replace("\u066b", ".").replace("/", ".").strip()
        return super().to_python(value)


class LocalDateInput(forms.TextInput):
    """A date typed as text: Jalali (`1405/09/03`) on Persian pages, ISO (`2026-11-24`) on English ones."""

    def __init__(self, attrs=None):
        super().__init__(attrs={**_ltr(inputmode="numeric", autocomplete="off", size="10"), **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", "1405/09/03" if uses_jalali() else "2026-11-24")
        return context

    def format_value(self, value):
        if isinstance(value, dt.date):
            return format_date(value, "short")
        return super().format_value(value)


class LocalDateField(forms.Field):
    widget = LocalDateInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        if uses_jalali():
            try:
                return parse_jalali_date(text)
            except ValueError as exc:
                raise ValidationError(
                    _("Enter a real Jalali date like 1405/09/03."), code="invalid_date"
                ) from exc
        try:
            return dt.date.fromisoformat(fold_digits(text).replace("/", "-"))
        except ValueError as exc:
            raise ValidationError(_("Enter a date like 2026-11-24."), code="invalid_date") from exc


class LocalTimeField(forms.TimeField):
    """A time of day (`17:30`) in any digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TimeInput(format="%H:%M", attrs=_ltr(type="time")))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = fold_digits(value).replace("\u066b", ":").strip()
        return super().to_python(value)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """A local date and time in the city's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, time))


# --- programmes ---------------------------------------------------------------------------------------------


class ProgrammeForm(BootstrapFormMixin, forms.Form):
    """Everything a programme says about itself, as its staff (or the secretariat) write it."""

    institution = forms.ChoiceField(label=_("Partner"))
    title_fa = forms.CharField(label=_("Title (Persian)"), max_length=200, widget=forms.TextInput(attrs=_rtl_fa()))
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False,
                               widget=forms.TextInput(attrs=_ltr_en()))
    description_fa = forms.CharField(label=_("Description (Persian)"), max_length=5000, required=False,
                                     widget=forms.Textarea(attrs=_rtl_fa(rows=5)))
    description_en = forms.CharField(label=_("Description (English)"), max_length=5000, required=False,
                                     widget=forms.Textarea(attrs=_ltr_en(rows=5)))
    outcomes_fa = forms.CharField(label=_("Learning outcomes (Persian)"), max_length=3000, required=False,
                                  help_text=_("One outcome per line."), widget=forms.Textarea(attrs=_rtl_fa(rows=4)))
    outcomes_en = forms.CharField(label=_("Learning outcomes (English)"), max_length=3000, required=False,
                                  help_text=_("One outcome per line."), widget=forms.Textarea(attrs=_ltr_en(rows=4)))
    domains = forms.MultipleChoiceField(
        label=_("Learning domains"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose at least one before submitting the programme for approval."),
    )
    life_stages = forms.MultipleChoiceField(label=_("Life stages"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    target_groups = forms.MultipleChoiceField(label=_("Target groups"), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.ALL)
    language = forms.ChoiceField(label=_("Language of teaching"), choices=TeachingLanguage.choices,
                                 initial=TeachingLanguage.PERSIAN)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.IN_PERSON,
                               widget=forms.RadioSelect)
    hours = HoursField(label=_("Hours of learning"), help_text=_("In total, for example 12 or 12.5."))
    is_free = forms.BooleanField(label=_("Free of charge"), required=False, initial=True)
    fee_rials = LocalIntegerField(
        label=_("Fee (rials)"), required=False, min_value=0,
        help_text=_("In rials, Persian or Latin digits; separators are fine. Leave empty when it is free."),
    )
    prerequisites_fa = forms.CharField(label=_("Prerequisites (Persian)"), max_length=2000, required=False,
                                       widget=forms.Textarea(attrs=_rtl_fa(rows=2)))
    prerequisites_en = forms.CharField(label=_("Prerequisites (English)"), max_length=2000, required=False,
                                       widget=forms.Textarea(attrs=_ltr_en(rows=2)))
    accessibility_fa = forms.CharField(label=_("Accessibility (Persian)"), max_length=2000, required=False,
                                       widget=forms.Textarea(attrs=_rtl_fa(rows=2)))
    accessibility_en = forms.CharField(label=_("Accessibility (English)"), max_length=2000, required=False,
                                       widget=forms.Textarea(attrs=_ltr_en(rows=2)))
    key_features = forms.MultipleChoiceField(label=_("UNESCO key features served"), required=False,
                                             choices=KeyFeatureArea.choices, widget=forms.CheckboxSelectMultiple)
    sdg_targets = forms.MultipleChoiceField(label=_("SDG 4 targets served"), required=False,
                                            choices=Sdg4Target.choices, widget=forms.CheckboxSelectMultiple)

    SCALARS = (
        "title_fa", "title_en", "description_fa", "description_en", "outcomes_fa", "outcomes_en", "level",
        "language", "format", "hours", "prerequisites_fa", "prerequisites_en", "accessibility_fa",
        "accessibility_en", "key_features", "sdg_targets",
    )

    def __init__(self, *args, city, institutions=None, programme: Programme | None = None, **kwargs):
        self.programme = programme
        if programme is not None:
            kwargs.setdefault("initial", self._initial(programme))
        super().__init__(*args, **kwargs)
        if programme is not None:
            del self.fields["institution"]
        else:
            self._institutions = {str(i.pk): i for i in institutions or ()}
            self.fields["institution"].choices = [(pk, i.name) for pk, i in self._institutions.items()]
            if len(self._institutions) == 1:
                self.fields["institution"].initial = next(iter(self._institutions))
        kept = {str(pk) for pk in (self.initial.get("domains") or ())}
        self.domain_tree = domain_tree(city=city, include_inactive=bool(kept))
        if kept:
            # Retired domains stay listed only while the programme still has them.
            self.domain_tree = _prune(self.domain_tree, kept)
        nodes = flatten(self.domain_tree)
        self._domains = {str(n.domain.pk): n.domain for n in nodes}
        self.fields["domains"].choices = [(pk, d.name) for pk, d in self._domains.items()]
        audiences = list(Audience.objects.all())
        self._audiences = {str(a.pk): a for a in audiences}
        self.fields["life_stages"].choices = [(str(a.pk), a.name) for a in audiences
                                              if a.kind == AudienceKind.LIFE_STAGE]
        self.fields["target_groups"].choices = [(str(a.pk), a.name) for a in audiences
                                                if a.kind == AudienceKind.TARGET_GROUP]

    @staticmethod
    def _initial(programme: Programme) -> dict:
        initial = {name: getattr(programme, name) for name in ProgrammeForm.SCALARS}
        initial.update(
            domains=[str(d.pk) for d in programme.domains.all()],
            life_stages=[str(a.pk) for a in programme.life_stages.all()],
            target_groups=[str(a.pk) for a in programme.target_groups.all()],
            is_free=programme.fee_rials == 0,
            fee_rials=programme.fee_rials or None,
        )
        return initial

    def selected_domains(self) -> set[str]:
        value = self["domains"].value() or []
        return {str(v) for v in value}

    def clean(self):
        data = super().clean()
        if data.get("is_free"):
            data["fee_rials"] = 0
        elif "fee_rials" in data and not data.get("fee_rials"):
            self.add_error("fee_rials", _("Enter the fee, or tick “Free of charge”."))
        return data

    def chosen_institution(self):
        return self._institutions.get(self.cleaned_data.get("institution") or "")

    def values(self) -> dict:
        """Every field, ready for `programme_create`."""
        data = self.cleaned_data
        values = {name: data[name] for name in self.SCALARS}
        values["fee_rials"] = data["fee_rials"] or 0
        values["domains"] = [self._domains[pk] for pk in data["domains"]]
        values["life_stages"] = [self._audiences[pk] for pk in data["life_stages"]]
        values["target_groups"] = [self._audiences[pk] for pk in data["target_groups"]]
        return values

    def changes(self) -> dict:
        """Only what the person changed, ready for `programme_update`."""
        values = self.values()
        changed = set(self.changed_data)
        if changed & {"is_free", "fee_rials"}:
            changed = (changed - {"is_free"}) | {"fee_rials"}
        return {name: value for name, value in values.items() if name in changed}


def _prune(nodes, kept: set[str]):
    """The tree without retired domains, except those in `kept` (and the broader ones above them)."""
    out = []
    for node in nodes:
        node.children = _prune(node.children, kept)
        if node.domain.is_active or str(node.domain.pk) in kept or node.children:
            out.append(node)
    return out


# --- venues -------------------------------------------------------------------------------------------------


class VenueForm(BootstrapFormMixin, forms.Form):
    """A place where sessions happen."""

    institution = forms.ChoiceField(label=_("Partner"))
    name_fa = forms.CharField(label=_("Name (Persian)"), max_length=200, widget=forms.TextInput(attrs=_rtl_fa()))
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False,
                              widget=forms.TextInput(attrs=_ltr_en()))
    address_fa = forms.CharField(label=_("Address (Persian)"), max_length=300, required=False,
                                 widget=forms.TextInput(attrs=_rtl_fa()))
    address_en = forms.CharField(label=_("Address (English)"), max_length=300, required=False,
                                 widget=forms.TextInput(attrs=_ltr_en()))
    district = forms.ChoiceField(label=_("District"), required=False)
    latitude = CoordinateField(limit=90, label=_("Latitude"), help_text=_("For example 34.3142"))
    longitude = CoordinateField(limit=180, label=_("Longitude"), help_text=_("For example 47.0650"))
    accessibility_fa = forms.CharField(label=_("Accessibility (Persian)"), max_length=1000, required=False,
                                       widget=forms.Textarea(attrs=_rtl_fa(rows=2)),
                                       help_text=_("Ramps, lifts, toilets, parking, seating."))
    accessibility_en = forms.CharField(label=_("Accessibility (English)"), max_length=1000, required=False,
                                       widget=forms.Textarea(attrs=_ltr_en(rows=2)))

    FIELDS = ("name_fa", "name_en", "address_fa", "address_en", "district", "latitude", "longitude",
              "accessibility_fa", "accessibility_en")

    def __init__(self, *args, districts, institutions=None, venue: Venue | None = None, **kwargs):
        if venue is not None:
            initial = {name: getattr(venue, name) for name in self.FIELDS if name != "district"}
            initial["district"] = str(venue.district_id or "")
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self._districts = {str(d.pk): d for d in districts}
        self.fields["district"].choices = [("", _("Not in a district"))] + [
            (pk, d.name) for pk, d in self._districts.items()
        ]
        if venue is not None:
            del self.fields["institution"]
        else:
            self._institutions = {str(i.pk): i for i in institutions or ()}
            self.fields["institution"].choices = [(pk, i.name) for pk, i in self._institutions.items()]

    def clean_district(self):
        return self._districts.get(self.cleaned_data.get("district") or "")

    def chosen_institution(self):
        return self._institutions.get(self.cleaned_data.get("institution") or "")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.changed_data}


# --- offerings and sessions ---------------------------------------------------------------------------------


class OfferingForm(BootstrapFormMixin, forms.Form):
    """Seats, enrolment window, place, waitlist and completion rules of one dated run."""

    capacity = LocalIntegerField(label=_("Seats"), min_value=1, max_value=MAX_CAPACITY)
    opens_date = LocalDateField(label=_("Enrolment opens on"))
    opens_time = LocalTimeField(label=_("at"), initial=dt.time(8, 0))
    closes_date = LocalDateField(label=_("Enrolment closes on"))
    closes_time = LocalTimeField(label=_("at"), initial=dt.time(23, 0),
                                 help_text=_("At the latest when the first session starts."))
    venue = forms.ChoiceField(label=_("Venue"), required=False)
    new_venue_name_fa = forms.CharField(label=_("Name of the new venue (Persian)"), max_length=200, required=False,
                                        widget=forms.TextInput(attrs=_rtl_fa()))
    new_venue_name_en = forms.CharField(label=_("Name of the new venue (English)"), max_length=200, required=False,
                                        widget=forms.TextInput(attrs=_ltr_en()))
    new_venue_address_fa = forms.CharField(label=_("Address (Persian)"), max_length=300, required=False,
                                           widget=forms.TextInput(attrs=_rtl_fa()))
    new_venue_district = forms.ChoiceField(label=_("District"), required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https", max_length=200,
                                widget=forms.URLInput(attrs=_ltr(placeholder="https://")),
                                help_text=_("Needed when the programme meets online."))
    waitlist_policy = forms.ChoiceField(label=_("When a seat frees up"), choices=WaitlistPolicy.choices,
                                        initial=WaitlistPolicy.AUTO_CONFIRM, widget=forms.RadioSelect)
    offer_hours = LocalIntegerField(label=_("Hours to accept an offered seat"), min_value=1,
                                    max_value=MAX_OFFER_HOURS, initial=24)
    completion_rule = forms.ChoiceField(label=_("Completion"), choices=CompletionRule.choices,
                                        initial=CompletionRule.ATTENDANCE, widget=forms.RadioSelect)
    attendance_percent = LocalIntegerField(label=_("Attendance needed (%)"), min_value=1, max_value=100,
                                           initial=75)

    SERVICE_FIELDS = ("capacity", "online_url", "waitlist_policy", "offer_hours", "completion_rule",
                      "attendance_percent")
    # Where a service's refusal about a field shows on this form.
    ERROR_FIELDS = {
        "enrolment_opens_at": "opens_date", "enrolment_closes_at": "closes_date", "name_fa": "new_venue_name_fa",
        "name_en": "new_venue_name_en", "address_fa": "new_venue_address_fa", "district": "new_venue_district",
    }

    def __init__(self, *args, venues, districts, offering=None, **kwargs):
        if offering is not None:
            kwargs.setdefault("initial", self._initial(offering))
        super().__init__(*args, **kwargs)
        self._venues = {str(v.pk): v for v in venues}
        self.fields["venue"].choices = [("", _("No venue: online only"))] + [
            (pk, v.name) for pk, v in self._venues.items()
        ] + [(NEW_VENUE, _("A new venue…"))]
        self._districts = {str(d.pk): d for d in districts}
        self.fields["new_venue_district"].choices = [("", _("Not in a district"))] + [
            (pk, d.name) for pk, d in self._districts.items()
        ]

    @staticmethod
    def _initial(offering) -> dict:
        opens = timezone.localtime(offering.enrolment_opens_at)
        closes = timezone.localtime(offering.enrolment_closes_at)
        initial = {name: getattr(offering, name) for name in OfferingForm.SERVICE_FIELDS}
        initial.update(
            opens_date=opens.date(), opens_time=opens.time().replace(second=0, microsecond=0),
            closes_date=closes.date(), closes_time=closes.time().replace(second=0, microsecond=0),
            venue=str(offering.venue_id or ""),
        )
        return initial

    def clean(self):
        data = super().clean()
        for prefix, field in (("opens", "enrolment_opens_at"), ("closes", "enrolment_closes_at")):
            if data.get(f"{prefix}_date") and data.get(f"{prefix}_time"):
                data[field] = _at(data[f"{prefix}_date"], data[f"{prefix}_time"])
        if data.get("venue") == NEW_VENUE and not (data.get("new_venue_name_fa") or "").strip():
            self.add_error("new_venue_name_fa", _("Name the new venue, or choose one from the list."))
        return data

    def _venue_values(self) -> tuple:
        data = self.cleaned_data
        if data.get("venue") == NEW_VENUE:
            new = {"name_fa": data["new_venue_name_fa"], "name_en": data["new_venue_name_en"],
                   "address_fa": data["new_venue_address_fa"],
                   "district": self._districts.get(data.get("new_venue_district") or "")}
            return None, new
        return self._venues.get(data.get("venue") or ""), None

    def values(self) -> dict:
        """Every field, ready for `offering_create` (sessions come from the formset)."""
        data = self.cleaned_data
        venue, new_venue = self._venue_values()
        return {
            **{name: data[name] for name in self.SERVICE_FIELDS},
            "enrolment_opens_at": data["enrolment_opens_at"], "enrolment_closes_at": data["enrolment_closes_at"],
            "venue": venue, "new_venue": new_venue,
        }

    def changes(self) -> dict:
        """What changed, ready for `offering_update`."""
        values = self.values()
        changed = set(self.changed_data)
        out = {name: values[name] for name in self.SERVICE_FIELDS if name in changed}
        if changed & {"opens_date", "opens_time"}:
            out["enrolment_opens_at"] = values["enrolment_opens_at"]
        if changed & {"closes_date", "closes_time"}:
            out["enrolment_closes_at"] = values["enrolment_closes_at"]
        if values["new_venue"]:
            out["new_venue"] = values["new_venue"]
        elif "venue" in changed:
            out["venue"] = values["venue"]
        return out


class SessionForm(BootstrapFormMixin, forms.Form):
    """One session: a day and the time it starts and ends."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date = LocalDateField(label=_("Date"))
    starts = LocalTimeField(label=_("Starts"))
    ends = LocalTimeField(label=_("Ends"))

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("A session must end after it starts."))
        return data


class BaseSessionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.kept_forms():
            raise ValidationError(_("Add at least one session."), code="no_sessions")

    def kept_forms(self) -> list[SessionForm]:
        # Unchanged empty rows have no cleaned data; unchanged existing sessions do, and are kept.
        return [
            form for form in self.forms
            if not self._should_delete_form(form) and (getattr(form, "cleaned_data", None) or {}).get("date")
        ]

    def specs(self, existing: dict | None = None) -> list[dict]:
        """The sessions to keep, as the services take them; existing ones keep their own venue and link."""
        existing = existing or {}
        specs = []
        for form in self.kept_forms():
            data = form.cleaned_data
            spec = {"id": data.get("id"), "starts_at": _at(data["date"], data["starts"]),
                    "ends_at": _at(data["date"], data["ends"])}
            if data.get("id") in existing:
                spec.update(venue=existing[data["id"]].venue, online_url=existing[data["id"]].online_url)
            specs.append(spec)
        return specs


def session_formset(data=None, *, sessions=(), extra: int = 3) -> BaseSessionFormSet:
    """The session rows: existing sessions first, then `extra` empty rows."""
    initial = []
    for session in sessions:
        starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        initial.append({"id": session.pk, "date": starts.date(), "starts": starts.time().replace(second=0),
                        "ends": ends.time().replace(second=0)})
    formset_class = forms.formset_factory(
        SessionForm, formset=BaseSessionFormSet, extra=extra, can_delete=True, max_num=MAX_SESSIONS,
        absolute_max=MAX_SESSIONS, validate_max=True,
    )
    formset = formset_class(data, initial=initial, prefix="sessions")
    for form in formset.forms:
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"
    return formset


class ConsoleFilterForm(BootstrapFormMixin, forms.Form):
    """The console's search box and filters; every value is optional."""

    q = forms.CharField(label=_("Search programmes"), required=False, max_length=200,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    status = forms.ChoiceField(label=_("Status"), required=False)
    institution = forms.ChoiceField(label=_("Partner"), required=False)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *ProgrammeStatus.choices]
        self._institutions = {str(i.pk): i for i in institutions}
        if len(self._institutions) > 1:
            self.fields["institution"].choices = [("", _("All partners"))] + [
                (pk, i.name) for pk, i in self._institutions.items()
            ]
        else:
            del self.fields["institution"]

    def value_of(self, name: str):
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


class ReturnForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("What should change?"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))
