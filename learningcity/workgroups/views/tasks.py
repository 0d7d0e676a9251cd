"""Task pages: a group's tasks, a new task (from a decision), one task with its timeline, and "my tasks".

Views stay thin: forms read what people typed, selectors and the policy decide what is shown, services
write and their refusals come back onto the forms. A group or task a person may not see is a 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from learningcity.catalogue.console_forms import LocalDateField
from learningcity.core.errors import DomainError
from learningcity.core.forms import BootstrapFormMixin, apply_domain_error
from learningcity.core.permissions import Capability

from .. import permissions, services
from ..models import TASK_TRANSITIONS, Task, TaskStatus, WorkingGroup
from ..selectors.tasks import (
    decision_for_task,
    group_tasks_page,
    task_in_group,
    task_owner_choices,
    task_timeline,
)
from ..selectors.tasks import my_tasks as my_tasks_of

C = Capability
STATUS_CHOICES = [("", gettext_lazy("All statuses")), *TaskStatus.choices]


# --- Forms ------------------------------------------------------------------------------------------

class TaskForm(BootstrapFormMixin, forms.Form):
    """A task's title, description, owner (a member or a partner institution) and deadline."""

    title = forms.CharField(label=gettext_lazy("Task"), max_length=Task._meta.get_field("title").max_length)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  max_length=Task._meta.get_field("description").max_length)
    owner = forms.ChoiceField(label=gettext_lazy("Owner"),
                              help_text=gettext_lazy("A member of the group, or a partner institution of the city."))
    deadline = LocalDateField(label=gettext_lazy("Deadline"))

    def __init__(self, *args, group: WorkingGroup, **kwargs):
        super().__init__(*args, **kwargs)
        members, institutions = task_owner_choices(group)
        self._owners = {f"user:{m.user_id}": m.user for m in members}
        self._owners.update({f"institution:{i.pk}": i for i in institutions})
        self.fields["owner"].choices = [
            ("", gettext_lazy("Choose an owner")),
            (_("Members of the group"), [
                (f"user:{m.user_id}", f"{m.user} — {m.institution.name}" if m.institution_id else str(m.user))
                for m in members
            ]),
            (_("Partner institutions"), [(f"institution:{i.pk}", i.name) for i in institutions]),
        ]

    def clean_owner(self):
        return self._owners[self.cleaned_data["owner"]]

    @staticmethod
    def owner_key(task: Task) -> str:
        return f"user:{task.owner_user_id}" if task.owner_user_id else f"institution:{task.owner_institution_id}"


class AnyStatusField(forms.ChoiceField):
    """Offers the moves allowed from the current status, but lets any status through to the service,
    which explains why a move is out of order."""

    def valid_value(self, value):
        return value in TaskStatus.values


class ProgressForm(BootstrapFormMixin, forms.Form):
    status = AnyStatusField(label=gettext_lazy("Status"), required=False)
    # Text, not a number field: the service reads any digits and explains what is wrong.
    progress = forms.CharField(label=gettext_lazy("Progress (%)"), required=False, max_length=10,
                               widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr", "size": "4"}))
    comment = forms.CharField(label=gettext_lazy("Comment (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        current = TaskStatus(task.status)
        self.fields["status"].choices = [
            ("", _("Keep: %(status)s") % {"status": current.label}),
            *[(s, TaskStatus(s).label) for s in TaskStatus.values if s in TASK_TRANSITIONS[task.status]],
        ]
        self.fields["progress"].initial = task.progress


class CommentForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=5000)


class GroupTaskFilterForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_CHOICES)
    owner = forms.ChoiceField(label=gettext_lazy("Owner"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args, group: WorkingGroup, **kwargs):
        super().__init__(*args, **kwargs)
        members, institutions = task_owner_choices(group)
        self.fields["owner"].choices = [
            ("", gettext_lazy("Everyone")),
            *[(f"user:{m.user_id}", str(m.user)) for m in members],
            *[(f"institution:{i.pk}", i.name) for i in institutions],
        ]

    def value(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else self.fields[name].initial


class MyTaskFilterForm(BootstrapFormMixin, forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("Working group"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=STATUS_CHOICES)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args, groups: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", gettext_lazy("All groups")),
                                        *[(str(row["group"].pk), row["group"].name) for row in groups]]


# --- Helpers ----------------------------------------------------------------------------------------

def _group_or_404(request, slug: str, capability: str | None = C.VIEW_GROUP) -> WorkingGroup:
    """The request city's group `slug`, if the person may do `capability` in it (None: just find it)."""
    if getattr(request, "city", None) is None:
        raise Http404
    group = WorkingGroup.objects.select_related("city").filter(city=request.city, slug=slug).first()
    if group is None or (capability is not None and not permissions.can(request.user, capability, group)):
        raise Http404
    return group


def _task_or_404(request, slug: str, pk: int) -> Task:
    group = _group_or_404(request, slug, capability=None)
    task = task_in_group(group, pk)
    if task is None or not permissions.can_see_task(request.user, task):
        raise Http404
    return task


def _status_tabs(counts: dict) -> list[tuple]:
    return [(value, label, counts[value]) for value, label in TaskStatus.choices]


# --- Pages ------------------------------------------------------------------------------------------

@require_safe
def group_tasks(request, slug: str):
    """The group's tasks, late ones first, filtered by status, owner or lateness; for its members."""
    group = _group_or_404(request, slug)
    form = GroupTaskFilterForm(request.GET or None, group=group)
    status, owner, overdue = (form.value("status") or "", form.value("owner") or "", bool(form.value("overdue")))
    page, counts = group_tasks_page(group, status=status, owner=owner, overdue=overdue, page=request.GET.get("page"))
    return render(request, "workgroups/tasks/group_tasks.html", {
        "group": group, "form": form, "page": page, "counts": counts, "status": status, "overdue": overdue,
        "status_tabs": _status_tabs(counts), "can_manage": permissions.can(request.user, C.MANAGE_TASKS, group),
        "filtered": bool(status or owner or overdue),
    })


@require_http_methods(["GET", "HEAD", "POST"])
def task_create(request, slug: str):
    """A new task for the group; `?decision=<id>` starts it from one of the group's decisions."""
    group = _group_or_404(request, slug, C.MANAGE_TASKS)
    decision = decision_for_task(group, request.POST.get("decision") or request.GET.get("decision"))
    initial = {}
    if decision is not None:
        initial["title"] = decision.text.splitlines()[0][:Task._meta.get_field("title").max_length] \
            if decision.text else ""
    form = TaskForm(request.POST if request.method == "POST" else None, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(group=group, actor=request.user, decision=decision, **form.cleaned_data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The task “%(title)s” was created and its owner told.") % {"title": task.title})
            return redirect(task.get_absolute_url())
    return render(request, "workgroups/tasks/form.html", {"group": group, "form": form, "decision": decision,
                                                          "task": None})


@require_http_methods(["GET", "HEAD", "POST"])
def task_edit(request, slug: str, pk: int):
    """Change a task's title, description, owner or deadline; for who manages the group's tasks."""
    group = _group_or_404(request, slug, C.MANAGE_TASKS)
    task = task_in_group(group, pk)
    if task is None:
        raise Http404
    initial = {"title": task.title, "description": task.description, "owner": TaskForm.owner_key(task),
               "deadline": task.deadline}
    form = TaskForm(request.POST if request.method == "POST" else None, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = data["owner"] if form["owner"].value() != initial["owner"] else None
        try:
            services.task_update(task=task, actor=request.user, title=data["title"],
                                 description=data["description"], deadline=data["deadline"], owner=owner)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            messages.success(request, _("The task was saved."))
            return redirect(task.get_absolute_url())
    return render(request, "workgroups/tasks/form.html", {"group": group, "form": form, "decision": task.decision,
                                                          "task": task})


@require_http_methods(["GET", "HEAD", "POST"])
def task(request, slug: str, pk: int):
    """One task: owner, deadline, status and progress, its decision, its timeline; forms to update and comment."""
    task = _task_or_404(request, slug, pk)
    may_update = permissions.can_update_task(request.user, task)
    may_comment = permissions.can_comment_on_task(request.user, task)
    action = request.POST.get("action") if request.method == "POST" else None
    progress_form = ProgressForm(request.POST if action == "progress" else None, task=task, prefix="progress")
    comment_form = CommentForm(request.POST if action == "comment" else None, prefix="comment")
    if action == "progress":
        if not may_update:
            raise Http404
        if progress_form.is_valid():
            try:
                services.task_progress(task=task, actor=request.user, **progress_form.cleaned_data)
            except DomainError as error:
                apply_domain_error(progress_form, error)
            else:
                messages.success(request, _("The task was updated."))
                return redirect(task.get_absolute_url())
    elif action == "comment":
        if not may_comment:
            raise Http404
        if comment_form.is_valid():
            try:
                services.task_comment(task=task, actor=request.user, **comment_form.cleaned_data)
            except DomainError as error:
                apply_domain_error(comment_form, error)
            else:
                messages.success(request, _("Your comment was added."))
                return redirect(task.get_absolute_url())
    elif action is not None:
        raise Http404
    return render(request, "workgroups/tasks/task.html", {
        "group": task.group, "task": task, "timeline": task_timeline(task),
        "progress_form": progress_form, "comment_form": comment_form,
        "may_update": may_update, "may_comment": may_comment,
        "may_edit": permissions.can(request.user, C.MANAGE_TASKS, task.group),
        "may_see_group": permissions.can(request.user, C.VIEW_GROUP, task.group),
    })


@login_required
@require_safe
def my_tasks(request):
    """The person's tasks in every group of the city: theirs, or their institutions'; late ones first."""
    if getattr(request, "city", None) is None:
        raise Http404
    status = request.GET.get("status") or ""
    status = status if status in TaskStatus.values else ""
    overdue = bool(request.GET.get("overdue"))
    result = my_tasks_of(request.user, city=request.city, group=request.GET.get("group"), status=status,
                         overdue=overdue, page=request.GET.get("page"))
    form = MyTaskFilterForm(request.GET or None, groups=result.groups)
    form.is_valid()
    return render(request, "workgroups/tasks/my_tasks.html", {
        "result": result, "page": result.page, "form": form, "counts": result.counts, "groups": result.groups,
        "status_tabs": _status_tabs(result.counts), "status": status, "overdue": overdue,
        "base_query": urlencode({"group": result.group.pk}) if result.group else "",
    })
