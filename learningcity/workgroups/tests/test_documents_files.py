"""Attaching files: every allowed type is accepted by its content, every bad file is refused with a clear
message and nothing stored, and removal deletes the row and (once committed) the stored file."""

import hashlib
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.utils import translation

from learningcity.core.errors import DomainError, NotAllowed
from learningcity.core.models import AuditEntry
from learningcity.workgroups.models import Document
from learningcity.workgroups.services.documents import ACCEPTED_EXTENSIONS, document_attach, document_remove

from . import test_documents_support as support
from .test_documents_support import (
    ACCEPTED,
    csv_bytes,
    docm_bytes,
    docx_bytes,
    exe_bytes,
    gif_bytes,
    jpeg_bytes,
    odf_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    txt_bytes,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db
# Fixtures shared with the other document tests.
places = support.places
media_root = support.media_root


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(("name", "build", "content_type"), ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_each_allowed_type_is_accepted_by_its_content(places, media_root, name, build, content_type):
    content = build()
    document = document_attach(actor=places.member, upload=upload(name, content), group=places.group,
                               title="گزارش")
    document.refresh_from_db()
    assert document.content_type == content_type
    assert document.name == name and document.title == "گزارش"
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.uploaded_by == places.member and document.city == places.city
    # Stored under its checksum, never under the person's file name; the bytes are intact.
    extension = name.rsplit(".", 1)[1]
    assert document.file.name == f"workgroups/{places.city.pk}/{document.sha256[:2]}/{document.sha256}.{extension}"
    assert (media_root / document.file.name).read_bytes() == content
    assert AuditEntry.objects.filter(action="document.attach", object_id=str(document.pk)).count() == 1


def test_persian_file_names_are_kept_and_the_browser_type_is_ignored(places):
    document = document_attach(actor=places.member, group=places.group,
                               upload=upload("صورت‌جلسهٔ نشست اول.PDF", pdf_bytes(), "application/x-msdownload"))
    assert document.name == "صورت‌جلسهٔ نشست اول.PDF"
    assert document.extension == "pdf" and document.content_type == "application/pdf"


def test_a_meeting_and_a_result_take_documents_too(places):
    minutes = document_attach(actor=places.secretary, upload=upload("minutes.docx", docx_bytes()),
                              meeting=places.meeting)
    evidence = document_attach(actor=places.chair, upload=upload("evidence.xlsx", xlsx_bytes()),
                               result=places.result)
    assert minutes.meeting == places.meeting and minutes.group is None
    assert evidence.result == places.result and evidence.city == places.city


REFUSALS = [
    ("empty.pdf", b"", "file_empty", "is empty"),
    ("setup.exe", exe_bytes(), "file_type", "is not a type of file that can be attached"),
    ("report.pdf", exe_bytes(), "file_type", "is not what its extension says (PDF)"),
    ("no-extension", pdf_bytes(), "file_type", "is not a type of file that can be attached"),
    ("page.html", b"<html><script>alert(1)</script></html>", "file_type", "not a type of file"),
    ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "file_type", "not a type of file"),
    ("photo.pdf", png_bytes(), "file_type_mismatch", "says PDF but its content is PNG image"),
    ("report.png", pdf_bytes(), "file_type_mismatch", "says PNG image but its content is PDF"),
    ("budget.docx", xlsx_bytes(), "file_type_mismatch", "says Word document but its content is Excel workbook"),
    ("notes.pdf", txt_bytes(), "file_type_mismatch", "its content is plain text"),
    ("photo.jpg", gif_bytes(), "file_type_mismatch", "content is GIF image"),
    ("minutes.odt", odf_bytes("spreadsheet"), "file_type_mismatch", "OpenDocument spreadsheet"),
    ("macro.docx", docm_bytes(), "file_type", "is not what its extension says (Word document)"),
    ("archive.docx", b"PK\x03\x04" + b"\x00" * 40, "file_type", "is not what its extension says (Word document)"),
    ("truncated.pdf", pdf_bytes()[:40], "file_type", "is not what its extension says (PDF)"),
    ("photo.png", png_bytes()[:10], "file_type", "(PNG image)"),
    ("latin1.txt", "café résumé".encode("latin-1"), "file_type", "(plain text)"),
    ("nul.csv", b"a,b\x00c\n", "file_type", "(CSV table)"),
    ("photo.jpg.exe", jpeg_bytes(), "file_type", "not a type of file"),
]


@pytest.mark.parametrize(("name", "content", "code", "words"), REFUSALS, ids=[f"{row[0]}-{row[2]}" for row in REFUSALS])
def test_bad_files_are_refused_with_a_clear_message_and_nothing_is_stored(places, media_root, name, content, code,
                                                                         words):
    with pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload(name, content), group=places.group)
    assert refused.value.code == code
    assert refused.value.field == "file"
    message = str(refused.value.message)
    assert words in message
    assert Document.objects.count() == 0
    assert not AuditEntry.objects.filter(action="document.attach").exists()
    assert stored_files(media_root) == []


def test_the_wrong_type_message_lists_what_can_be_attached(places):
    with pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload("virus.exe", exe_bytes()), group=places.group)
    assert "PDF" in str(refused.value.message) and "Excel" in str(refused.value.message)


def test_a_file_over_the_limit_is_refused_and_says_both_sizes(places, media_root, settings):
    settings.WORKGROUP_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload("big.txt", b"x" * 2048), group=places.group)
    assert refused.value.code == "file_too_big"
    assert "2.0\xa0KB" in str(refused.value.message) and "1.0\xa0KB" in str(refused.value.message)
    assert Document.objects.count() == 0 and stored_files(media_root) == []
    # At the limit is fine.
    assert document_attach(actor=places.member, upload=upload("ok.txt", b"x" * 1024), group=places.group)


def test_the_limit_is_ten_megabytes_unless_set(places, settings):
    if hasattr(settings, "WORKGROUP_DOCUMENT_MAX_BYTES"):
        del settings.WORKGROUP_DOCUMENT_MAX_BYTES
    from learningcity.workgroups.services.documents import max_document_bytes

    assert max_document_bytes() == 10 * 1024 * 1024


def test_persian_messages_use_persian_digits(places, settings):
    settings.WORKGROUP_DOCUMENT_MAX_BYTES = 1024
    with translation.override("fa"), pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload("big.txt", b"x" * 2048), group=places.group)
    assert "۲" in str(refused.value.message) and "2" not in str(refused.value.message)


@pytest.mark.parametrize("targets", ["none", "two"])
def test_a_document_needs_exactly_one_target(places, targets):
    kwargs = {} if targets == "none" else {"group": places.group, "meeting": places.meeting}
    with pytest.raises(DomainError) as refused:
        document_attach(actor=places.chair, upload=upload("a.pdf", pdf_bytes()), **kwargs)
    assert refused.value.code == "no_target"
    assert "Choose one working group, meeting or result" in str(refused.value.message)
    assert Document.objects.count() == 0


def test_a_long_title_is_refused(places):
    with pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group, title="x" * 201)
    assert refused.value.field == "title" and Document.objects.count() == 0


def test_direction_tricks_and_folders_are_stripped_from_the_name(places):
    # "‮fdp.exe" shows as "exe.pdf" in a right-to-left run: the override character goes, the truth stays.
    with pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload("report\u202efdp.exe", exe_bytes()), group=places.group)
    assert refused.value.code == "file_type"
    document = document_attach(actor=places.member, upload=upload("C:\\Users\\x\\..\\گزارش.pdf", pdf_bytes()),
                               group=places.group)
    assert document.name == "گزارش.pdf"


def test_a_very_long_name_keeps_its_extension(places):
    document = document_attach(actor=places.member, upload=upload("ب" * 300 + ".pdf", pdf_bytes()),
                               group=places.group)
    assert len(document.name) == 200 and document.name.endswith(".pdf")


# --- Who may attach ------------------------------------------------------------------------------------------

ATTACH_MATRIX = [
    # (person, target, allowed)
    ("chair", "group", True), ("secretary", "group", True), ("member", "group", True),
    ("observer", "group", False), ("outsider", "group", False), ("secretariat", "group", True),
    ("anonymous", "group", False),
    ("member", "meeting", True), ("observer", "meeting", False), ("outsider", "meeting", False),
    ("chair", "result", True), ("secretary", "result", True), ("member", "result", False),
    ("secretariat", "result", True), ("outsider", "result", False),
    ("member", "private_group", False), ("private_member", "private_group", True),
]


def _person(places, secretariat, who):
    from django.contrib.auth.models import AnonymousUser

    return {"secretariat": secretariat, "anonymous": AnonymousUser(), "outsider": places.outsider,
            "private_member": places.private_member}.get(who) or places.people[who]


@pytest.mark.parametrize(("who", "where", "allowed"), ATTACH_MATRIX)
def test_who_may_attach_where(places, secretariat, who, where, allowed):
    target = {"group": {"group": places.group}, "meeting": {"meeting": places.meeting},
              "result": {"result": places.result}, "private_group": {"group": places.private_group}}[where]
    actor = _person(places, secretariat, who)
    if allowed:
        assert document_attach(actor=actor, upload=upload("a.pdf", pdf_bytes()), **target).pk
    else:
        with pytest.raises(NotAllowed):
            document_attach(actor=actor, upload=upload("a.pdf", pdf_bytes()), **target)
        assert Document.objects.count() == 0


# --- Storage ---------------------------------------------------------------------------------------------------

def test_when_storage_fails_nothing_is_saved(places, media_root):
    with mock.patch.object(default_storage, "save", side_effect=OSError("disk full")), \
            pytest.raises(DomainError) as refused:
        document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    assert refused.value.code == "storage_failed" and refused.value.status == 503
    assert Document.objects.count() == 0 and not AuditEntry.objects.filter(action="document.attach").exists()


def test_when_the_row_cannot_be_written_the_stored_file_is_deleted(places, media_root):
    with mock.patch("learningcity.workgroups.services.documents.audit_created", side_effect=RuntimeError("db")), \
            pytest.raises(RuntimeError):
        document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    assert Document.objects.count() == 0
    assert stored_files(media_root) == []


def test_the_same_file_twice_is_stored_once_and_removed_with_its_last_document(
        places, media_root, django_capture_on_commit_callbacks):
    first = document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    second = document_attach(actor=places.chair, upload=upload("copy.pdf", pdf_bytes()), meeting=places.meeting)
    assert first.file.name == second.file.name
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(actor=places.member, document=first)
    assert len(stored_files(media_root)) == 1  # the meeting's copy still needs it
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(actor=places.chair, document=second)
    assert stored_files(media_root) == []
    assert Document.objects.count() == 0


def test_removing_deletes_the_row_and_the_file_on_commit_and_is_audited(
        places, media_root, django_capture_on_commit_callbacks):
    document = document_attach(actor=places.member, upload=upload("minutes.csv", csv_bytes()), group=places.group)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document_remove(actor=places.member, document=document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert len(stored_files(media_root)) == 1  # not before the commit
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []
    entry = AuditEntry.objects.get(action="document.remove")
    assert entry.actor == places.member and entry.changes["name"] == ["minutes.csv", None]


# --- Who may remove --------------------------------------------------------------------------------------------

REMOVE_MATRIX = [
    ("member", True),  # the uploader
    ("chair", True), ("secretary", True), ("secretariat", True),
    ("observer", False), ("other_member", False), ("outsider", False), ("anonymous", False),
]


@pytest.mark.parametrize(("who", "allowed"), REMOVE_MATRIX)
def test_who_may_remove_a_group_document(places, secretariat, who, allowed):
    from learningcity.factories import GroupMemberFactory

    document = document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    actor = GroupMemberFactory(group=places.group).user if who == "other_member" else _person(places, secretariat, who)
    if allowed:
        document_remove(actor=actor, document=document)
        assert not Document.objects.filter(pk=document.pk).exists()
    else:
        with pytest.raises(NotAllowed):
            document_remove(actor=actor, document=document)
        assert Document.objects.filter(pk=document.pk).exists()


def test_an_uploader_who_left_the_members_only_group_cannot_remove(places):
    from learningcity.workgroups.models import GroupMember

    document = document_attach(actor=places.private_member, upload=upload("a.pdf", pdf_bytes()),
                               group=places.private_group)
    GroupMember.objects.filter(user=places.private_member).update(left_on="2026-01-01")
    places.private_member.__dict__.pop("_group_seats", None)
    with pytest.raises(NotAllowed):
        document_remove(actor=places.private_member, document=document)


def test_the_attach_form_offers_exactly_the_accepted_extensions():
    from pathlib import Path

    import learningcity.workgroups

    template = Path(learningcity.workgroups.__file__).parent / "templates/workgroups/documents/_attach.html"
    accept = template.read_text().split('accept="', 1)[1].split('"', 1)[0]
    assert accept.split(",") == list(ACCEPTED_EXTENSIONS)
