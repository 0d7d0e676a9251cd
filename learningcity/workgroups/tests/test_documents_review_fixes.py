"""Found in review: uploaders named to anonymous visitors of a published result, "²" as a target id, and a
removal's delayed file delete that could take away a file an upload had just reused."""

import threading

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections
from django.utils import translation

from learningcity.core.models import AuditEntry
from learningcity.core.text import persian_digits
from learningcity.workgroups.models import Document
from learningcity.workgroups.services.documents import document_attach, document_remove

from . import test_documents_support as support
from .test_documents_support import pdf_bytes, stored_files, upload

pytestmark = pytest.mark.django_db
places = support.places
media_root = support.media_root


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Who uploaded ----------------------------------------------------------------------------------------------

def _result_page(places) -> str:
    return f"/en/plan/{places.plan.year}/results/{places.result.pk}/"


def test_anonymous_visitors_of_a_published_result_do_not_see_who_uploaded_its_evidence(client, places, media_root):
    places.chair.name = "Uploader Kalhor"
    places.chair.save()
    document_attach(actor=places.chair, upload=upload("evidence.pdf", pdf_bytes()), result=places.result)
    page = client.get(_result_page(places)).content.decode()
    assert "evidence.pdf" in page and "Uploader Kalhor" not in page and "data-uploader" not in page
    client.force_login(places.member)  # a member of the group, but not one who reports on the plan
    assert "Uploader Kalhor" not in client.get(_result_page(places)).content.decode()


def test_who_reports_on_the_result_sees_the_uploader(client, places, media_root):
    places.chair.name = "Uploader Kalhor"
    places.chair.save()
    document_attach(actor=places.chair, upload=upload("evidence.pdf", pdf_bytes()), result=places.result)
    client.force_login(places.secretary)
    assert "Uploader Kalhor" in client.get(_result_page(places)).content.decode()


def test_members_still_see_who_uploaded_the_groups_documents(client, places, media_root):
    places.chair.name = "Uploader Kalhor"
    places.chair.save()
    document_attach(actor=places.chair, upload=upload("minutes.pdf", pdf_bytes()), group=places.group)
    client.force_login(places.member)
    assert "Uploader Kalhor" in client.get(places.group.get_absolute_url()).content.decode()


# --- Target ids --------------------------------------------------------------------------------------------------

def test_a_superscript_target_id_is_a_404_and_persian_digits_still_attach(client, places, media_root):
    client.force_login(places.member)
    response = client.post("/fa/documents/upload/", {"target_field": "group", "target_id": "²",
                                                     "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 404
    assert not Document.objects.exists()
    response = client.post("/fa/documents/upload/", {"target_field": "group",
                                                     "target_id": persian_digits(places.group.pk),
                                                     "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 302
    assert Document.objects.filter(group=places.group).count() == 1


# --- A removal and an upload of the same bytes at once ---------------------------------------------------------------

def test_an_upload_of_the_same_bytes_during_a_removal_keeps_its_file(places, media_root, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    """The removal has committed and its file delete is pending when the same bytes are uploaded again; the
    delete runs in the middle of that upload (after the upload looked at storage, before its row is saved).
    The new document's file must survive."""
    first = document_attach(actor=places.chair, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    with django_capture_on_commit_callbacks() as pending:
        document_remove(actor=places.chair, document=first)
    assert len(pending) == 1 and not Document.objects.exists()

    real_full_clean = Document.full_clean

    def delete_meanwhile(self, *args, **kwargs):
        while pending:
            pending.pop()()  # the removal's delete runs now, between the upload's storage check and its row
        return real_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Document, "full_clean", delete_meanwhile)
    second = document_attach(actor=places.secretary, upload=upload("b.pdf", pdf_bytes()), group=places.group)
    second.refresh_from_db()
    assert default_storage.exists(second.file.name)
    assert (media_root / second.file.name).read_bytes() == pdf_bytes()


def test_removing_one_of_two_documents_with_the_same_bytes_keeps_the_file(places, media_root,
                                                                          django_capture_on_commit_callbacks):
    first = document_attach(actor=places.chair, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    second = document_attach(actor=places.chair, upload=upload("b.pdf", pdf_bytes()), meeting=places.meeting)
    assert first.file.name == second.file.name  # the bytes are stored once
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document_remove(actor=places.chair, document=first)
    assert callbacks == []  # nothing to delete: the other document holds the file
    assert stored_files(media_root) == [second.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(actor=places.chair, document=second)
    assert stored_files(media_root) == []


def test_removing_a_document_twice_removes_it_once(places, media_root):
    document = document_attach(actor=places.chair, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    stale = Document.objects.get(pk=document.pk)
    document_remove(actor=places.chair, document=document)
    document_remove(actor=places.chair, document=stale)
    assert AuditEntry.objects.filter(action="document.remove").count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                    reason="real row locks and parallel connections need PostgreSQL (set DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_removal_waits_for_an_upload_reusing_its_file_and_then_keeps_the_file(city, media_root, monkeypatch):
    """An upload of the same bytes has looked at storage and is about to save its row when the removal starts:
    the removal waits for it, sees the new document and leaves the file alone."""
    places = support.Places(city)
    first = document_attach(actor=places.chair, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    looked, release = threading.Event(), threading.Event()
    real_full_clean = Document.full_clean
    outcome: dict = {}

    def slow_full_clean(self, *args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            looked.set()
            release.wait(timeout=2)
        return real_full_clean(self, *args, **kwargs)

    monkeypatch.setattr(Document, "full_clean", slow_full_clean)

    def attach():
        try:
            outcome["document"] = document_attach(actor=places.secretary, upload=upload("b.pdf", pdf_bytes()),
                                                  group=places.group)
        except Exception as exc:  # noqa: BLE001  (reported by the test, not lost in the thread)
            outcome["document"] = exc
        finally:
            connections.close_all()

    uploader = threading.Thread(target=attach)
    uploader.start()
    assert looked.wait(timeout=30)
    threading.Timer(0.3, release.set).start()  # the upload commits a moment after the removal starts waiting
    document_remove(actor=places.chair, document=first)
    uploader.join(timeout=30)
    second = outcome["document"]
    assert isinstance(second, Document), outcome
    second.refresh_from_db()
    assert default_storage.exists(second.file.name)
