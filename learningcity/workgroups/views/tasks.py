"""tasks pages — placeholders until written."""

from django.http import Http404


def group_tasks(request, **kwargs):
    raise Http404


def task_create(request, **kwargs):
    raise Http404


def task(request, **kwargs):
    raise Http404


def my_tasks(request, **kwargs):
    raise Http404

