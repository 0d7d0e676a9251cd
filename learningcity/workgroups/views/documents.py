"""documents pages — placeholders until written."""

from django.http import Http404


def document_upload(request, **kwargs):
    raise Http404


def document(request, **kwargs):
    raise Http404


def document_remove(request, **kwargs):
    raise Http404

