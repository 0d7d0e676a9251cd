"""groups pages — placeholders until written."""

from django.http import Http404


def group_list(request, **kwargs):
    raise Http404


def group_create(request, **kwargs):
    raise Http404


def group(request, **kwargs):
    raise Http404


def group_edit(request, **kwargs):
    raise Http404


def members(request, **kwargs):
    raise Http404

