"""Writes for documents: attach a file to a working group, a meeting or a plan result, and remove it.

A file's type is decided by its content (puremagic's signatures, then a structural check of the
container), never by its name or the browser's word; the extension the person gave must agree with
what the content is. Files go through Django's storage API under a name made of their checksum, so
production can keep them on S3-compatible storage.
"""

import hashlib
import logging
import unicodedata
import zipfile
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from learningcity.core.audit import audit_created, audit_record
from learningcity.core.errors import DomainError, NotAllowed
from learningcity.core.text import persian_digits

from .. import permissions
from ..models import Document, GroupRole, Meeting, PlanResult, WorkingGroup, document_path

__all__ = ["document_attach", "document_remove"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
HEAD_BYTES = 8192
# Office containers hold small manifests; anything bigger than this is not one we read.
MANIFEST_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    label: object
    content_type: str
    extensions: tuple[str, ...]


KINDS: dict[str, FileKind] = {
    "pdf": FileKind(_("PDF"), "application/pdf", ("pdf",)),
    "png": FileKind(_("PNG image"), "image/png", ("png",)),
    "jpeg": FileKind(_("JPEG image"), "image/jpeg", ("jpg", "jpeg")),
    "webp": FileKind(_("WebP image"), "image/webp", ("webp",)),
    "gif": FileKind(_("GIF image"), "image/gif", ("gif",)),
    "docx": FileKind(_("Word document"),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "xlsx": FileKind(_("Excel workbook"),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "pptx": FileKind(_("PowerPoint presentation"),
                     "application/vnd.openxmlformats-officedocument.presentationml.presentation", ("pptx",)),
    "odt": FileKind(_("OpenDocument text"), "application/vnd.oasis.opendocument.text", ("odt",)),
    "ods": FileKind(_("OpenDocument spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
    "odp": FileKind(_("OpenDocument presentation"), "application/vnd.oasis.opendocument.presentation", ("odp",)),
    "csv": FileKind(_("CSV table"), "text/csv; charset=utf-8", ("csv",)),
    "txt": FileKind(_("plain text"), "text/plain; charset=utf-8", ("txt",)),
}
KIND_OF_EXTENSION = {extension: kind for kind, spec in KINDS.items() for extension in spec.extensions}
# What the file picker offers; a test keeps workgroups/documents/_attach.html in step with it.
ACCEPTED_EXTENSIONS = tuple(f".{extension}" for extension in KIND_OF_EXTENSION)
# Shown in the browser rather than downloaded: formats a browser renders without running anything.
INLINE_KINDS = frozenset({"pdf", "png", "jpeg", "webp", "gif"})

_OOXML_MAIN = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", "ppt/"),
}
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
# Characters that make a name read differently from what it is ("gpj.exe" shown as "exe.jpg").
_INVISIBLE = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
              "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"}
ALLOWED_TYPES_TEXT = _("PDF; PNG, JPEG, WebP or GIF images; Word, Excel or PowerPoint files; OpenDocument text, "
                       "spreadsheets or presentations; CSV or plain-text files")


def max_document_bytes() -> int:
    """The size limit of one document (setting WORKGROUP_DOCUMENT_MAX_BYTES, 10 MB unless set)."""
    return int(getattr(settings, "WORKGROUP_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _size_text(size: int) -> str:
    text = str(filesizeformat(size))
    return persian_digits(text) if (translation.get_language() or "fa").startswith("fa") else text


def _clean_name(raw: str) -> str:
    """The person's file name without folders, control or direction characters; at most 200 characters."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cf")
                   or ch == "\u200c")  # ZWNJ belongs in Persian words
    name = " ".join(name.split()).strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[:199 - len(extension)]}.{extension}" if dot and len(extension) <= 8 else name[:200]
    return name


def _extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


# --- What the content is ---------------------------------------------------------------------------

def _read_all(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _tail(upload: UploadedFile, size: int) -> bytes:
    upload.seek(max(upload.size - size, 0))
    data = upload.read(size)
    upload.seek(0)
    return data


def _zip_kind(upload: UploadedFile) -> str | None:
    """An OpenDocument (its `mimetype` entry) or Office Open XML file (its [Content_Types].xml and parts)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload.file) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            if "mimetype" in entries and entries["mimetype"].file_size <= 200:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                kind = _ODF_MIMETYPES.get(mimetype)
                return kind if kind and "content.xml" in entries else None
            manifest = entries.get("[Content_Types].xml")
            if manifest is None or manifest.file_size > MANIFEST_MAX_BYTES:
                return None
            if any(name.lower().endswith("vbaproject.bin") for name in entries):
                return None  # macros: not a plain document
            types = archive.read(manifest).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError, NotImplementedError,
            ValueError):
        return None
    finally:
        upload.seek(0)
    for kind, (main_type, folder) in _OOXML_MAIN.items():
        if main_type in types and any(name.startswith(folder) for name in entries):
            return kind
    return None


def _is_text(upload: UploadedFile) -> bool:
    data = _read_all(upload)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _content_kind(upload: UploadedFile) -> str | None:
    """What the bytes are: one of KINDS' keys, "text" for UTF-8 text, or None for anything else."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    try:
        signatures = {match.extension.lstrip(".").lower() for match in puremagic.magic_string(head)}
    except (puremagic.PureError, ValueError):
        signatures = set()
    if "pdf" in signatures and head.startswith(b"%PDF-"):
        return "pdf" if b"%%EOF" in _tail(upload, 2048) else None
    if "png" in signatures and head[12:16] == b"IHDR":
        return "png"
    if signatures & {"jpg", "jpeg"} and head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if "gif" in signatures and head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if "webp" in signatures and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    return "text" if _is_text(upload) else None


def _check_file(upload: UploadedFile, name: str) -> tuple[str, str]:
    """(kind, extension) of an acceptable file; else a DomainError saying what is wrong with it."""
    size = upload.size or 0
    if size <= 0:
        raise DomainError(_("“%(name)s” is empty. Choose a file that has something in it.") % {"name": name},
                          code="file_empty", field="file")
    limit = max_document_bytes()
    if size > limit:
        raise DomainError(
            _("“%(name)s” is %(size)s; a document can be at most %(limit)s.")
            % {"name": name, "size": _size_text(size), "limit": _size_text(limit)},
            code="file_too_big", field="file",
        )
    extension = _extension_of(name)
    named = KIND_OF_EXTENSION.get(extension)
    if named is None:
        raise DomainError(
            _("“%(name)s” is not a type of file that can be attached. You can attach: %(types)s.")
            % {"name": name, "types": ALLOWED_TYPES_TEXT},
            code="file_type", field="file",
        )
    found = _content_kind(upload)
    if found == "text":
        found = named if named in ("csv", "txt") else "txt"
    if found is None:
        raise DomainError(
            _("The content of “%(name)s” is not what its extension says (%(kind)s): the file is damaged or of "
              "another type. You can attach: %(types)s.")
            % {"name": name, "kind": KINDS[named].label, "types": ALLOWED_TYPES_TEXT},
            code="file_type", field="file",
        )
    if found != named:
        raise DomainError(
            _("The extension of “%(name)s” says %(named)s but its content is %(found)s. Give it the right "
              "extension or choose the right file.")
            % {"name": name, "named": KINDS[named].label, "found": KINDS[found].label},
            code="file_type_mismatch", field="file",
        )
    return found, extension


# --- Services --------------------------------------------------------------------------------------

def _target_city(group, meeting, result):
    if group is not None:
        return group.city
    if meeting is not None:
        return meeting.group.city
    return result.objective.plan.city


def _lock_same_file(document: Document) -> str | None:
    """Lock the city's documents with these bytes for the rest of the transaction; the stored file they share.

    A removal takes the same locks before it decides to delete the file, so a file reused here cannot be
    deleted by a removal that ran at the same time: one of the two waits for the other to commit.
    """
    files = list(Document.objects.select_for_update().filter(city_id=document.city_id, sha256=document.sha256)
                 .order_by("pk").values_list("file", flat=True))
    return files[0] if files else None


def _store(document: Document, upload: UploadedFile, shared: str | None) -> bool:
    """Put the file in storage under its checksum; True when this call wrote it (so a failure can undo it).

    `shared` is the file of a document with the same bytes, locked by the caller: it is reused. A file at the
    path that no document holds may be a removal's, about to be deleted: it is not reused, and storage
    saves this one under a new name.
    """
    storage = document.file.storage
    path = document_path(document, document.name)
    try:
        if shared and storage.exists(shared) and storage.size(shared) == upload.size:
            # Same checksum, same bytes: the file is already there (another attachment of it).
            document.file.name = shared
            return False
        upload.seek(0)
        document.file.name = storage.save(path, upload)
        return True
    except Exception as error:
        logger.exception("Storing document %s failed", path)
        failure = DomainError(_("The file could not be stored just now. Nothing was saved; please try again."),
                              code="storage_failed", field="file")
        failure.status = 503
        raise failure from error


def _delete_stored(name: str) -> None:
    """Delete a stored file unless another document still points at it (same checksum, same file)."""
    if not name or Document.objects.filter(file=name).exists():
        return
    try:
        Document._meta.get_field("file").storage.delete(name)
    except Exception:
        logger.exception("Deleting stored document %s failed", name)


def document_attach(
    *,
    actor,
    upload: UploadedFile,
    title: str = "",
    group: WorkingGroup | None = None,
    meeting: Meeting | None = None,
    result: PlanResult | None = None,
) -> Document:
    """Attach `upload` to exactly one of a working group, a meeting or a plan result.

    Refused (nothing stored, no row) when there is no single target, the person may not attach there,
    the file is empty or too big, its type is not allowed, or its content disagrees with its extension.
    """
    targets = [target for target in (group, meeting, result) if target is not None]
    if len(targets) != 1:
        raise DomainError(_("Choose one working group, meeting or result to attach the document to."),
                          code="no_target")
    if not permissions.can_attach_document(actor, group=group, meeting=meeting, result=result):
        raise NotAllowed(_("You cannot attach documents here."))
    if upload is None:
        raise DomainError(_("Choose a file to attach."), code="file_missing", field="file")
    title = (title or "").strip()
    if len(title) > 200:
        raise DomainError(_("The title can be at most 200 characters."), code="invalid", field="title")
    name = _clean_name(getattr(upload, "name", "") or "")
    kind, extension = _check_file(upload, name or "—")

    checksum = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        checksum.update(chunk)
    upload.seek(0)
    document = Document(
        city=_target_city(group, meeting, result), group=group, meeting=meeting, result=result, name=name,
        title=title, content_type=KINDS[kind].content_type, extension=extension, size=upload.size,
        sha256=checksum.hexdigest(), uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    wrote = False
    try:
        with transaction.atomic():
            wrote = _store(document, upload, _lock_same_file(document))
            document.full_clean()
            document.save()
            audit_created(actor=actor, obj=document, action="document.attach", city=document.city)
    except BaseException:
        if wrote:
            _delete_stored(document.file.name)
        raise
    return document


def _manages_documents_of(user, document: Document) -> bool:
    """The plan's managers and reporters for a result; the chair, secretary and secretariat for a group."""
    if document.result_id is not None:
        return permissions.can_report_result(user, document.result)
    group = document.group if document.group_id else document.meeting.group
    if permissions.is_secretariat(user, group.city):
        return True
    return permissions.seat_in(user, group) in (GroupRole.CHAIR, GroupRole.SECRETARY)


def can_remove_document(user, document: Document) -> bool:
    """The uploader (while they can still see it), or who manages the group or the plan."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not permissions.can_see_document(user, document):
        return False
    return document.uploaded_by_id == user.pk or _manages_documents_of(user, document)


def document_remove(*, actor, document: Document) -> None:
    """Remove a document: the row now, the stored file once the removal is committed."""
    if not can_remove_document(actor, document):
        raise NotAllowed(_("You cannot remove this document."))
    stored = document.file.name
    with transaction.atomic():
        # The same locks as an attach of the same bytes (see _lock_same_file), this document's row among them,
        # waiting for an attach under way...
        _lock_same_file(document)
        if not Document.objects.filter(pk=document.pk).exists():
            return  # removed just now by someone else
        # ...then a fresh look, which sees a document such an attach has just committed.
        shared = Document.objects.filter(file=stored).exclude(pk=document.pk).exists()
        audit_record(
            actor=actor, action="document.remove", obj=document, city=document.city,
            changes={"name": [document.name, None], "sha256": [document.sha256, None],
                     "group": [document.group_id, None], "meeting": [document.meeting_id, None],
                     "result": [document.result_id, None]},
        )
        document.delete()
        if not shared:
            transaction.on_commit(lambda: _delete_stored(stored))
