"""Pages of the learning record: My learning, certificates, public verification, completion and feedback.

Views stay thin: selectors and the policy decide what is shown, services write. Whatever a person
may not see is a 404 (the learner's own pages send a visitor who is not logged in to log in).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from learningcity.catalogue.models import CompletionRule
from learningcity.core.errors import DomainError
from learningcity.core.text import persian_digits
from learningcity.enrolment.models import EnrolmentStatus

from . import permissions, services
from .forms import CompletionDecisionForm, FeedbackForm, VerifyForm
from .pdf import PdfUnavailable, certificate_pdf
from .selectors import (
    certificate_verification,
    enrolment_for_feedback,
    enrolments_current_of,
    feedback_given,
    hours_by_domain,
    hours_total,
    offering_completion_preview,
    offering_for_completion,
    record_of,
    records_of,
    sessions_of,
    verify_url,
)


def _verify_rate(group, request) -> str:
    """Lookups per address, so nobody can walk through codes (setting VERIFY_RATE, default 60 a minute)."""
    return settings.VERIFY_RATE


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


# --- The learner's own pages ---------------------------------------------------------------------

@login_required
@require_safe
def my_learning(request):
    """Current enrolments, waitlist places and offers, then completed learning with hours by domain."""
    records = list(records_of(request.user))
    return render(request, "records/my_learning.html", {
        "enrolments": enrolments_current_of(request.user),
        "records": records,
        "total_hours": hours_total(records),
        "domains": hours_by_domain(records),
    })


@login_required
@require_safe
def certificate(request, pk: int):
    """The learner's certificate as a PDF in the page's language; a clear page where PDFs cannot be made."""
    record = record_of(request.user, pk)
    if record is None or not hasattr(record, "certificate"):
        raise Http404
    language = _language()
    url = verify_url(record.certificate.code, request=request, language=language)
    try:
        pdf = certificate_pdf(record, verify_url=url, language=language)
    except PdfUnavailable:
        return render(request, "records/certificate_unavailable.html",
                      {"packages": " ".join(PdfUnavailable.packages), "record": record}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{record.certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request, pk: int):
    """Rate a completed programme once: a rating, two questions about what it did, an optional comment."""
    enrolment = enrolment_for_feedback(request.user, pk)
    if enrolment is None or enrolment.status != EnrolmentStatus.COMPLETED:
        raise Http404
    if feedback_given(enrolment):
        messages.info(request, _("You have already given feedback on this programme. Thank you!"))
        return redirect("records:my_learning")
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_give(enrolment=enrolment, citizen=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect("records:my_learning")
    return render(request, "records/feedback.html", {"form": form, "enrolment": enrolment,
                                                     "programme": enrolment.offering.programme})


# --- Public verification -------------------------------------------------------------------------

@ratelimit(group="certificate-verify", key="ip", rate=_verify_rate, block=True)
@require_safe
def verify(request, code: str):
    """Does this certificate stand? Valid ones show what they certify; others only why not."""
    verification = certificate_verification(code)
    status = 404 if verification.state == "unknown" else 200
    return render(request, "records/verify.html", {"verification": verification, "form": VerifyForm()},
                  status=status)


@require_safe
def verify_lookup(request):
    """A form to type a code from paper; a valid code goes to its verification page."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("records:verify", code=form.cleaned_data["code"])
    return render(request, "records/verify_lookup.html", {"form": form})


# --- Provider staff: completion ------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def completion(request, pk: int):
    """Attendance against the offering's rule for each learner; complete everyone who meets it, or decide one."""
    if request.city is None:
        raise Http404
    offering = offering_for_completion(
        offerings=permissions.offerings_for_completion(request.user, request.city), pk=pk
    )
    if offering is None:
        raise Http404
    if request.method == "POST":
        _decide(request, offering)
        return redirect("records:completion", pk=offering.pk)
    rows = offering_completion_preview(offering=offering, include_decided=True)
    pending = [row for row in rows if not row.decided]
    return render(request, "records/completion.html", {
        "offering": offering,
        "programme": offering.programme,
        "rows": rows,
        "sessions": sessions_of(offering),
        "assessed": offering.completion_rule == CompletionRule.ASSESSMENT,
        "ready_count": sum(1 for row in pending if row.meets_rule),
        "pending_count": len(pending),
    })


def _decide(request, offering) -> None:
    form = CompletionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a learner and what to record."))
        return
    action = form.cleaned_data["action"]
    try:
        if action == "complete_all":
            count = services.offering_complete_all(offering=offering, actor=request.user)
            if count:
                shown = persian_digits(count) if _language() == "fa" else str(count)
                messages.success(request, ngettext("%(count)s learner completed.", "%(count)s learners completed.",
                                                   count) % {"count": shown})
            else:
                messages.info(request, _("Nobody else meets the rule yet."))
            return
        enrolment = offering.enrolments.select_related("citizen").filter(pk=form.cleaned_data["enrolment"]).first()
        if enrolment is None:
            messages.error(request, _("Choose a learner of this offering."))
            return
        passed = {"complete": None, "pass": True, "fail": False, "not_completed": False}[action]
        if action == "complete" and offering.completion_rule == CompletionRule.ATTENDANCE:
            passed = True
        record = services.enrolment_complete(enrolment=enrolment, actor=request.user, passed=passed)
    except DomainError as error:
        messages.error(request, str(error.message))
        return
    if record is not None:
        messages.success(request, _("%(name)s completed; the certificate is on their record.")
                         % {"name": enrolment.citizen.name})
    else:
        messages.success(request, _("%(name)s is recorded as not completed.") % {"name": enrolment.citizen.name})
