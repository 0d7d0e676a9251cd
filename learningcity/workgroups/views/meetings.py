"""meetings pages — placeholders until written."""

from django.http import Http404


def meeting_list(request, **kwargs):
    raise Http404


def meeting_create(request, **kwargs):
    raise Http404


def meeting(request, **kwargs):
    raise Http404


def meeting_edit(request, **kwargs):
    raise Http404


def meeting_ics(request, **kwargs):
    raise Http404


def attendance(request, **kwargs):
    raise Http404


def minutes(request, **kwargs):
    raise Http404


def minutes_approve(request, **kwargs):
    raise Http404


def minutes_pdf(request, **kwargs):
    raise Http404


def decision_create(request, **kwargs):
    raise Http404

