"""Pages of the learning record: My learning, certificates, public verification, completion and feedback,
and the staff's pages to correct or void a learner's record and withdraw a certificate.

Views stay thin: selectors and the policy decide what is shown, services write. Whatever a person
may not see is a 404 (the learner's own pages send a visitor who is not logged in to log in).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from learningcity.catalogue.models import CompletionRule
from learningcity.core.errors import DomainError
from learningcity.core.text import persian_digits
from learningcity.enrolment.models import EnrolmentStatus

from . import permissions, services
from .forms import (
    CertificateRevokeForm,
    CompletionDecisionForm,
    FeedbackForm,
    RecordCorrectForm,
    RecordVoidForm,
    VerifyForm,
)
from .pdf import PdfUnavailable, certificate_pdf
from .selectors import (
    certificate_verification,
    enrolment_for_feedback,
    enrolments_current_of,
    feedback_given,
    hours_by_domain,
    hours_total,
    latest_records_of_offering,
    offering_completion_preview,
    offering_for_completion,
    record_history,
    record_in_city,
    record_of,
    records_in_city,
    records_of,
    sessions_of,
    verify_url,
)

RECORDS_PER_PAGE = 25
RECORD_LIST_STATES = ("standing", "voided", "all")


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
    if record is None or not hasattr(record, "certificate") or record.certificate.revoked_at is not None:
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
    latest = latest_records_of_offering(offering)
    for row in rows:
        row.record = latest.get(row.enrolment.pk)
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


# --- Staff: a learner's record, its history, corrections, voids and certificates -------------------

def _amendable_record(request, pk: int):
    """Any version of a record of this city that the person may correct or void; else 404."""
    record = record_in_city(pk=pk, city=request.city)
    if record is None or not permissions.can_amend_record(request.user, record):
        raise Http404
    return record


def _record_page(request, record, *, correct_form=None, void_form=None, revoke_form=None):
    """The record, every version of it, and the forms that fit its state (none once corrected or voided)."""
    history = record_history(record)
    certificate = history.certificate
    may_revoke = certificate is not None and certificate.revoked_at is None
    shown = {"correct": history.standing, "void": history.standing, "revoke": may_revoke}
    # A refusal about a form the page no longer shows (the record changed meanwhile) goes at the top.
    refusals = [error for name, form in (("correct", correct_form), ("void", void_form), ("revoke", revoke_form))
                if form is not None and not shown[name] for error in form.non_field_errors()]
    return render(request, "records/record.html", {
        "record": record,
        "history": history,
        "latest": history.latest,
        "certificate": certificate,
        "correct_form": correct_form or RecordCorrectForm.for_record(history.latest),
        "void_form": void_form or RecordVoidForm(),
        "revoke_form": revoke_form or CertificateRevokeForm(),
        "may_revoke": may_revoke,
        "refusals": refusals,
        "offering_id": record.enrolment.offering_id if record.enrolment_id else None,
        "is_secretariat": permissions.is_secretariat(request.user, request.city),
    })


@never_cache
@require_safe
def staff_record(request, pk: int):
    """A learner's record for the provider's staff and the secretariat: what stands, and its history."""
    return _record_page(request, _amendable_record(request, pk))


@never_cache
@require_POST
def correct_record(request, pk: int):
    """Correct hours, dates or the outcome: a new version with a new certificate replaces the record."""
    record = _amendable_record(request, pk)
    form = RecordCorrectForm(request.POST)
    if form.is_valid():
        try:
            successor = services.record_correct(record=record, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The record is corrected. The learner has a new certificate; "
                                        "the old one no longer verifies."))
            return redirect("records:record", pk=successor.pk)
    return _record_page(request, record, correct_form=form)


@never_cache
@require_POST
def void_record(request, pk: int):
    """Withdraw a record with a reason; its certificate stops verifying and the learner is told."""
    record = _amendable_record(request, pk)
    form = RecordVoidForm(request.POST)
    if form.is_valid():
        try:
            void = services.record_void(record=record, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The record is voided and its certificate withdrawn; the learner is told."))
            return redirect("records:record", pk=void.pk)
    return _record_page(request, record, void_form=form)


@never_cache
@require_POST
def revoke_certificate(request, pk: int):
    """Withdraw the certificate of a standing record; the learning stays on the record."""
    record = _amendable_record(request, pk)
    form = CertificateRevokeForm(request.POST)
    certificate = record_history(record).certificate
    if form.is_valid():
        try:
            if certificate is None:
                raise DomainError(_("This record has no certificate that verifies."))
            services.certificate_revoke(certificate=certificate, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The certificate is withdrawn; its code no longer verifies. "
                                        "The learner is told."))
            return redirect("records:record", pk=record.pk)
    return _record_page(request, record, revoke_form=form)


@never_cache
@require_safe
def manage_records(request):
    """The secretariat's list of the city's learning records, searchable by learner and programme."""
    city = request.city
    if city is None or not permissions.is_secretariat(request.user, city):
        raise Http404
    query = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "standing")
    if state not in RECORD_LIST_STATES:
        state = "standing"
    rows = records_in_city(city=city, query=query, state="" if state == "all" else state)
    page = Paginator(rows, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "records/manage_records.html", {"page": page, "q": query, "state": state})
