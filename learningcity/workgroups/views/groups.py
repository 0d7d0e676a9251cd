"""Working-group pages: the list, each group's public page, the secretariat's group form and the seats page.

Views stay thin: the forms below read input, selectors and the policy decide what is shown, services
write. A members-only group is a 404 to anyone without a seat, and so is every page a person may not
open, so no page reveals what exists.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from learningcity.accounts.validators import normalise_mobile
from learningcity.catalogue.console_forms import LocalDateField
from learningcity.catalogue.models import KeyFeatureArea
from learningcity.catalogue.selectors import domain_tree, flatten
from learningcity.core.errors import Conflict, DomainError
from learningcity.core.forms import BootstrapFormMixin, apply_domain_error
from learningcity.core.permissions import Capability

from .. import permissions, services
from ..models import GroupMember, GroupRole, Visibility, WorkingGroup
from ..selectors import groups as selectors
from ..selectors.documents import documents_of

DECISIONS_PAGE_SIZE = 20
GROUP_DOCUMENTS = 30


# --- forms --------------------------------------------------------------------------------------------


def _ltr(**attrs) -> dict:
    return {"dir": "ltr", "class": "input-ltr", **attrs}


class GroupForm(BootstrapFormMixin, forms.Form):
    """A working group's names, bilingual mandate, visibility, learning domains and UNESCO key features."""

    name_fa = forms.CharField(label=gettext_lazy("Name (Persian)"), max_length=200,
                              widget=forms.TextInput(attrs={"dir": "rtl", "lang": "fa"}))
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200, required=False,
                              widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}))
    mandate_fa = forms.CharField(
        label=gettext_lazy("Mandate (Persian)"), max_length=5000,
        help_text=gettext_lazy("What the group is for and what it is expected to deliver."),
        widget=forms.Textarea(attrs={"rows": 5, "dir": "rtl", "lang": "fa"}),
    )
    mandate_en = forms.CharField(label=gettext_lazy("Mandate (English)"), max_length=5000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 5, "dir": "ltr", "lang": "en"}))
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see the group"), choices=Visibility.choices, initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("A public group's page lists its partners and approved decisions for everyone. "
                               "A members-only group is hidden from everyone without a seat."),
    )
    domains = forms.MultipleChoiceField(label=gettext_lazy("Learning domains"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    key_features = forms.MultipleChoiceField(label=gettext_lazy("UNESCO key features"), required=False,
                                             choices=KeyFeatureArea.choices, widget=forms.CheckboxSelectMultiple)

    FIELDS = ("name_fa", "name_en", "mandate_fa", "mandate_en", "visibility", "domains", "key_features")

    def __init__(self, *args, city, group: WorkingGroup | None = None, **kwargs):
        kept: set[str] = set()
        if group is not None:
            kept = {str(d.pk) for d in group.domains.all()}
            kwargs.setdefault("initial", {
                "name_fa": group.name_fa, "name_en": group.name_en, "mandate_fa": group.mandate_fa,
                "mandate_en": group.mandate_en, "visibility": group.visibility, "domains": sorted(kept),
                "key_features": list(group.key_features or ()),
            })
        super().__init__(*args, **kwargs)
        # The city's domains in tree order; a retired one only while the group still has it.
        self.domain_nodes = [n for n in flatten(domain_tree(city=city, include_inactive=True))
                             if n.domain.is_active or str(n.domain.pk) in kept]
        self.fields["domains"].choices = [(str(n.domain.pk), n.domain.name) for n in self.domain_nodes]

    def selected_domains(self) -> set[str]:
        return {str(value) for value in self["domains"].value() or ()}

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.FIELDS}


class GroupCreateForm(GroupForm):
    slug = forms.SlugField(
        label=gettext_lazy("Short name for the web address"), required=False, max_length=80,
        help_text=gettext_lazy("Latin letters, digits and hyphens. Left empty, it is made from the English name."),
        widget=forms.TextInput(attrs=_ltr(autocomplete="off")),
    )

    field_order = ["name_fa", "name_en", "slug"]


class MemberAddForm(BootstrapFormMixin, forms.Form):
    """Seat a person by the mobile number they signed up with, usually for a partner of the city."""

    mobile = forms.CharField(
        label=gettext_lazy("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs=_ltr(type="tel", autocomplete="off", inputmode="tel")),
        help_text=gettext_lazy("The person must already have an account."),
    )
    institution = forms.ChoiceField(label=gettext_lazy("Represents"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=GroupRole.choices, initial=GroupRole.MEMBER)
    joined_on = LocalDateField(label=gettext_lazy("Joined"), required=False,
                               help_text=gettext_lazy("Leave empty for today."))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", _("No partner institution")),
                                              *((str(p.pk), p.name) for p in partners)]
        self.style_fields()

    def clean_mobile(self) -> str:
        return normalise_mobile(self.cleaned_data["mobile"])


class SeatForm(forms.Form):
    """Change the role of, or take off the group, one current member."""

    seat = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=GroupRole.choices, required=False)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, group: WorkingGroup, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].queryset = GroupMember.objects.filter(group=group, left_on__isnull=True).select_related(
            "user", "group__city"
        )


# --- access -------------------------------------------------------------------------------------------


def _city_of(request):
    if request.city is None:
        raise Http404
    return request.city


def _group_or_404(request, slug: str) -> WorkingGroup:
    group = selectors.group_visible_to(user=request.user, city=_city_of(request), slug=slug)
    if group is None:
        raise Http404
    return group


def _editable_group_or_404(request, slug: str) -> WorkingGroup:
    group = _group_or_404(request, slug)
    if not permissions.can_create_groups(request.user, group.city):
        raise Http404
    return group


def _may(request, group: WorkingGroup) -> dict:
    """What this person may open from the group's pages (for links and tabs)."""
    user = request.user
    role = permissions.seat_in(user, group)
    return {
        "may_see_inside": permissions.can(user, Capability.VIEW_GROUP, group),
        "may_schedule": permissions.can(user, Capability.SCHEDULE_MEETINGS, group),
        "may_manage_members": permissions.can(user, Capability.MANAGE_GROUP_MEMBERS, group),
        "may_attach": permissions.can_attach_document(user, group=group),
        "may_edit": permissions.can_create_groups(user, group.city),
        "seat_role": role,
        "seat_label": GroupRole(role).label if role else "",
    }


# --- pages --------------------------------------------------------------------------------------------


def group_list(request):
    """The city's working groups: public ones for everyone, members-only ones for their members (with a badge)."""
    city = _city_of(request)
    groups = selectors.groups_listed_for(user=request.user, city=city)
    return render(request, "workgroups/groups/group_list.html", {
        "active_groups": [g for g in groups if g.is_active],
        "archived_groups": [g for g in groups if not g.is_active],
        "may_create": permissions.can_create_groups(request.user, city),
    })


def group(request, slug: str):
    """A group's page: mandate, domains, key features, partners and published decisions; more for members."""
    group = _group_or_404(request, slug)
    may = _may(request, group)
    decisions = Paginator(selectors.published_decisions_of(group), DECISIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    seats = list(selectors.seats_of_group(group)) if may["may_see_inside"] else None
    context = {
        "group": group,
        "key_features": selectors.key_features_of(group),
        "institutions": selectors.member_institutions_of(group, seats=seats),
        "decisions": decisions,
        "seats": seats,
        **may,
    }
    if may["may_see_inside"]:
        context["next_meetings"] = selectors.next_meetings_of(group, now=timezone.now())
        context["documents"] = documents_of(group=group)[:GROUP_DOCUMENTS]
    return render(request, "workgroups/groups/group.html", context)


@require_http_methods(["GET", "POST"])
def group_create(request):
    """The secretariat forms a working group; members are seated on the group's members page next."""
    city = _city_of(request)
    if not permissions.can_create_groups(request.user, city):
        raise Http404
    form = GroupCreateForm(request.POST or None, city=city)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.group_create(city=city, actor=request.user, slug=form.cleaned_data["slug"] or "",
                                            **form.values())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The working group %(name)s was created. Now seat its chair, secretary "
                                        "and members.") % {"name": created.name})
            return redirect("workgroups:members", slug=created.slug)
    return render(request, "workgroups/groups/group_form.html", {"form": form, "group": None})


@require_http_methods(["GET", "POST"])
def group_edit(request, slug: str):
    """The secretariat edits a group, or archives and reactivates it."""
    group = _editable_group_or_404(request, slug)
    form = GroupForm(city=group.city, group=group)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action in ("archive", "reactivate"):
            try:
                if action == "archive":
                    services.group_archive(group=group, actor=request.user)
                    done = _("%(name)s was archived. Its page and decisions stay on record.")
                else:
                    services.group_reactivate(group=group, actor=request.user)
                    done = _("%(name)s is active again.")
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, done % {"name": group.name})
            return redirect("workgroups:group_edit", slug=group.slug)
        form = GroupForm(request.POST, city=group.city, group=group)
        if form.is_valid():
            try:
                services.group_update(group=group, actor=request.user, **form.changes())
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("The working group was saved."))
                return redirect("workgroups:group", slug=group.slug)
    return render(request, "workgroups/groups/group_form.html", {"form": form, "group": group, **_may(request, group)})


def _replace_confirmation(request, action: str, error: Conflict, *, seat=None) -> dict:
    """Ask before a new chair or secretary takes the seat of the current one: the same request, confirmed."""
    fields = [(name, value) for name, value in request.POST.items()
              if name not in ("csrfmiddlewaretoken", "replace")]
    return {"message": str(error.message), "action": action, "fields": fields, "seat": seat}


@require_http_methods(["GET", "POST"])
def members(request, slug: str):
    """Who sits in the group: seat people by mobile number, change roles, take people off (kept on record)."""
    group = _group_or_404(request, slug)
    if not permissions.can(request.user, Capability.MANAGE_GROUP_MEMBERS, group):
        raise Http404
    partners = list(selectors.partners_to_represent(city=group.city))
    add_form = MemberAddForm(prefix="add", partners=partners)
    row_errors: list[str] = []
    confirm_replace = None
    removing = None
    if request.method == "POST":
        action = request.POST.get("action")
        replace = request.POST.get("replace") == "1"
        if action == "add":
            add_form = MemberAddForm(request.POST, prefix="add", partners=partners)
            if add_form.is_valid():
                data = add_form.cleaned_data
                try:
                    seat = services.member_add(
                        group=group, actor=request.user, mobile=data["mobile"], institution=data["institution"],
                        role=data["role"], joined_on=data["joined_on"], replace_current=replace,
                    )
                except Conflict as exc:
                    if exc.code == "seat_taken" and not replace:
                        confirm_replace = _replace_confirmation(request, "add", exc)
                    else:
                        apply_domain_error(add_form, exc)
                except DomainError as exc:
                    apply_domain_error(add_form, exc)
                else:
                    messages.success(request, _("%(name)s now sits in the group as: %(role)s.")
                                     % {"name": seat.user.name, "role": seat.get_role_display()})
                    return _after_change(request, group)
        elif action in ("role", "remove"):
            seat_form = SeatForm(request.POST, group=group)
            if not seat_form.is_valid():
                row_errors.append(_("That person is not a member any more. Reload the page."))
            elif action == "remove" and not seat_form.cleaned_data["confirmed"]:
                removing = seat_form.cleaned_data["seat"]  # ask first; nothing changes yet
            else:
                seat = seat_form.cleaned_data["seat"]
                try:
                    if action == "remove":
                        services.member_remove(seat=seat, actor=request.user)
                        done = _("%(name)s was taken off the group. Their past participation stays on record.")
                    else:
                        role = seat_form.cleaned_data["role"]
                        services.member_change_role(seat=seat, actor=request.user, role=role,
                                                    replace_current=replace)
                        done = _("%(name)s's role was changed.")
                except Conflict as exc:
                    if exc.code == "seat_taken" and not replace:
                        confirm_replace = _replace_confirmation(request, "role", exc, seat=seat)
                    else:
                        row_errors.append(str(exc.message))
                except DomainError as exc:
                    row_errors.append(str(exc.message))
                else:
                    messages.success(request, done % {"name": seat.user.name})
                    return _after_change(request, group)
        else:
            row_errors.append(_("Choose what to do."))
    return render(request, "workgroups/groups/members.html", {
        "group": group,
        "seats": list(selectors.seats_of_group(group)),
        "former": list(selectors.former_seats_of_group(group)[:50]),
        "add_form": add_form,
        "row_errors": row_errors,
        "confirm_replace": confirm_replace,
        "removing": removing,
        "roles": GroupRole.choices,
        **_may(request, group),
    })


def _after_change(request, group: WorkingGroup):
    """Back to the members page, or further out if the person just gave up managing (or seeing) the group."""
    permissions.forget_cached_seats(request.user)
    if permissions.can(request.user, Capability.MANAGE_GROUP_MEMBERS, group):
        return redirect(f"{reverse('workgroups:members', args=[group.slug])}#members")
    if permissions.can_see_group(request.user, group):
        return redirect("workgroups:group", slug=group.slug)
    return redirect("workgroups:group_list")
