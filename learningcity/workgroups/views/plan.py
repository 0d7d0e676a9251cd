"""plan pages — placeholders until written."""

from django.http import Http404


def plan_current(request, **kwargs):
    raise Http404


def plan_create(request, **kwargs):
    raise Http404


def plan(request, **kwargs):
    raise Http404


def plan_manage(request, **kwargs):
    raise Http404


def results_import(request, **kwargs):
    raise Http404


def result(request, **kwargs):
    raise Http404

