"""Document pages: attach a file (posted from the small form on group, meeting and result pages),
download it through the policy, and remove it.

Whatever a person may not see is a 404; a refused upload goes back to the page it came from with a
clear message, and nothing is stored.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.core.errors import DomainError
from learningcity.core.forms import BootstrapFormMixin

from ..inputs import parse_id
from ..models import Meeting, PlanResult, WorkingGroup
from ..selectors.documents import TARGET_FIELDS, document_target, document_visible_to
from ..services import documents as services


class DocumentUploadForm(BootstrapFormMixin, forms.Form):
    """The attach form included on group, meeting and result pages."""

    file = forms.FileField(label=gettext_lazy("File"), allow_empty_file=True,
                           error_messages={"required": gettext_lazy("Choose a file to attach."),
                                           "invalid": gettext_lazy("Choose a file to attach.")})
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    target_field = forms.ChoiceField(choices=[(field, field) for field in TARGET_FIELDS])
    target_id = forms.IntegerField(min_value=1)


def target_url(target: WorkingGroup | Meeting | PlanResult) -> str:
    """The page a document's target lives on, where the attach form and the list are."""
    if isinstance(target, PlanResult):
        return reverse("workgroups:result", kwargs={"year": target.objective.plan.year, "pk": target.pk})
    return target.get_absolute_url()


def _document_target(document):
    return document.group or document.meeting or document.result


@require_POST
def document_upload(request):
    """Attach the posted file to the group, meeting or result named in the form; back to its page."""
    form = DocumentUploadForm(request.POST, request.FILES)
    field, pk = request.POST.get("target_field", ""), parse_id(request.POST.get("target_id", ""))
    target = document_target(request.user, city=request.city, field=field, pk=pk) if pk is not None else None
    if target is None:
        raise Http404
    back = target_url(target)
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    if not form.is_valid():
        errors = form.errors.get("file") or form.errors.get("title") or [_("Choose a file to attach.")]
        messages.error(request, errors[0])
        return redirect(back)
    try:
        document = services.document_attach(actor=request.user, upload=form.cleaned_data["file"],
                                   title=form.cleaned_data["title"], **{field: target})
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect(back)
    messages.success(request, _("“%(name)s” is attached.") % {"name": document.title or document.name})
    return redirect(back)


def _content_disposition(document, *, inline: bool) -> str:
    """The original name for every browser: a plain ASCII fallback, and the real (Persian) name per RFC 5987."""
    kind = "inline" if inline else "attachment"
    fallback = f"document-{document.pk}.{document.extension}"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(document.name, safe='')}"


@require_safe
def document(request, pk: int):
    """The file itself, for those who may see what it is attached to; 404 for anyone else."""
    document = document_visible_to(request.user, pk=pk, city=request.city)
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=document.content_type)
    inline = services.KIND_OF_EXTENSION.get(document.extension) in services.INLINE_KINDS
    response["Content-Disposition"] = _content_disposition(document, inline=inline)
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    if not inline:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def document_remove(request, pk: int):
    """Ask, then remove: the uploader, or who manages the group or the plan."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    document = document_visible_to(request.user, pk=pk, city=request.city)
    if document is None or not services.can_remove_document(request.user, document):
        raise Http404
    target = _document_target(document)
    back = target_url(target)
    if request.method == "POST":
        name = document.title or document.name
        try:
            services.document_remove(actor=request.user, document=document)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("“%(name)s” is removed.") % {"name": name})
        return redirect(back)
    return render(request, "workgroups/documents/remove.html", {
        "document": document, "target": target, "back": back,
        "group": document.group or (document.meeting.group if document.meeting_id else None),
    })
