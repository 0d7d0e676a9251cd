"""Tiny real files of every kind, and the people and places documents are attached to (no tests here)."""

import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from learningcity.factories import (
    ActionPlanFactory,
    GroupMemberFactory,
    MeetingFactory,
    ObjectiveFactory,
    PlanResultFactory,
    UserFactory,
    WorkingGroupFactory,
)
from learningcity.workgroups.models import GroupRole, PlanStatus, Visibility


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def jpeg_bytes() -> bytes:
    return (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xdb\x00\x43\x00" + bytes(range(1, 65)) + b"\xff\xd9")


def gif_bytes() -> bytes:
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def webp_bytes() -> bytes:
    body = b"WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _zip(entries: dict[str, bytes | str], *, first_stored: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if first_stored:
            archive.writestr(zipfile.ZipInfo(first_stored), entries[first_stored], compress_type=zipfile.ZIP_STORED)
        for name, content in entries.items():
            if name != first_stored:
                archive.writestr(name, content)
    return buffer.getvalue()


OOXML_TYPES = {
    "word": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "ppt": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "word_macro": "application/vnd.ms-word.document.macroEnabled.main+xml",
}


def _ooxml(folder: str, part: str, main_type: str) -> bytes:
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{folder}/{part}" ContentType="{main_type}"/></Types>'
    )
    return _zip({"[Content_Types].xml": types, f"{folder}/{part}": "<doc>سلام</doc>", "_rels/.rels": "<r/>"})


def docx_bytes() -> bytes:
    return _ooxml("word", "document.xml", OOXML_TYPES["word"])


def docm_bytes() -> bytes:
    """A macro-enabled Word file: not a plain document."""
    return _ooxml("word", "document.xml", OOXML_TYPES["word_macro"])


def pptx_bytes() -> bytes:
    return _ooxml("ppt", "presentation.xml", OOXML_TYPES["ppt"])


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["کد", "پیشرفت"])
    workbook.active.append(["R1", 40])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odf_bytes(kind: str) -> bytes:
    return _zip({"mimetype": f"application/vnd.oasis.opendocument.{kind}", "content.xml": "<office:document/>",
                 "META-INF/manifest.xml": "<manifest/>"}, first_stored="mimetype")


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64


def csv_bytes() -> bytes:
    return "کد,عنوان,پیشرفت\nR1,سواد رسانه‌ای,۴۰\n".encode()


def txt_bytes() -> bytes:
    return "گزارش نشست کارگروه\nدستور جلسه: برنامهٔ عمل ۱۴۰۵\n".encode()


ACCEPTED = [
    ("report.pdf", pdf_bytes, "application/pdf"),
    ("photo.png", png_bytes, "image/png"),
    ("photo.jpg", jpeg_bytes, "image/jpeg"),
    ("photo.jpeg", jpeg_bytes, "image/jpeg"),
    ("poster.webp", webp_bytes, "image/webp"),
    ("logo.gif", gif_bytes, "image/gif"),
    ("minutes.docx", docx_bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("budget.xlsx", xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("slides.pptx", pptx_bytes, "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("minutes.odt", lambda: odf_bytes("text"), "application/vnd.oasis.opendocument.text"),
    ("budget.ods", lambda: odf_bytes("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    ("slides.odp", lambda: odf_bytes("presentation"), "application/vnd.oasis.opendocument.presentation"),
    ("results.csv", csv_bytes, "text/csv; charset=utf-8"),
    ("notes.txt", txt_bytes, "text/plain; charset=utf-8"),
]


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's content type is deliberately wrong in most tests: it must never matter.
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def media_root(settings, tmp_path):
    """Files really go to disk, in a folder of this test's own."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


class Places:
    """A public group with a seat of every kind, a members-only group, a meeting, a published plan's result."""

    def __init__(self, city):
        self.city = city
        self.group = WorkingGroupFactory(city=city, slug="literacy")
        self.private_group = WorkingGroupFactory(city=city, slug="monitoring", visibility=Visibility.MEMBERS)
        self.people = {}
        for role in (GroupRole.CHAIR, GroupRole.SECRETARY, GroupRole.MEMBER, GroupRole.OBSERVER):
            self.people[str(role)] = GroupMemberFactory(group=self.group, role=role, user=UserFactory()).user
        self.private_member = GroupMemberFactory(group=self.private_group, role=GroupRole.MEMBER).user
        self.meeting = MeetingFactory(group=self.group)
        self.private_meeting = MeetingFactory(group=self.private_group)
        self.plan = ActionPlanFactory(city=city, year=1405, status=PlanStatus.PUBLISHED)
        self.result = PlanResultFactory(objective=ObjectiveFactory(plan=self.plan, working_group=self.group))
        self.draft_plan = ActionPlanFactory(city=city, year=1406, status=PlanStatus.DRAFT)
        self.draft_result = PlanResultFactory(objective=ObjectiveFactory(plan=self.draft_plan,
                                                                         working_group=self.group))
        self.outsider = UserFactory()

    @property
    def chair(self):
        return self.people["chair"]

    @property
    def secretary(self):
        return self.people["secretary"]

    @property
    def member(self):
        return self.people["member"]

    @property
    def observer(self):
        return self.people["observer"]


@pytest.fixture
def places(city):
    return Places(city)
