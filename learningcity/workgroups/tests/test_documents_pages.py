"""Document pages: the attach form posts, downloads go through the policy with the original (Persian) name,
removal asks first; whatever a person may not see is a 404."""

import pytest
from django.contrib.messages import get_messages
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from learningcity.factories import UserFactory
from learningcity.workgroups.models import Document
from learningcity.workgroups.services.documents import document_attach

from . import test_documents_support as support
from .test_documents_support import (
    docx_bytes,
    exe_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    txt_bytes,
    upload,
)

pytestmark = pytest.mark.django_db
# Fixtures shared with the other document tests.
places = support.places
media_root = support.media_root
UPLOAD = "/fa/documents/upload/"


def _post(client, target_field, target_id, name="گزارش.pdf", content=None, title=""):
    return client.post(UPLOAD, {"target_field": target_field, "target_id": target_id, "title": title,
                                "file": upload(name, pdf_bytes() if content is None else content)})


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_member_attaches_a_file_and_goes_back_to_the_group(client, places, media_root):
    client.force_login(places.member)
    response = _post(client, "group", places.group.pk, title="گزارش فصل")
    assert response.status_code == 302 and response["Location"] == places.group.get_absolute_url()
    document = Document.objects.get()
    assert document.group == places.group and document.title == "گزارش فصل"
    assert len(stored_files(media_root)) == 1
    assert any("گزارش فصل" in text for text in _messages(response))


def test_the_secretary_attaches_to_a_meeting_and_the_chair_to_a_result(client, places):
    client.force_login(places.secretary)
    assert _post(client, "meeting", places.meeting.pk)["Location"] == places.meeting.get_absolute_url()
    client.force_login(places.chair)
    response = _post(client, "result", places.result.pk, name="evidence.docx", content=docx_bytes())
    assert response["Location"] == f"/fa/plan/1405/results/{places.result.pk}/"
    assert Document.objects.filter(meeting=places.meeting).count() == 1
    assert Document.objects.filter(result=places.result).count() == 1


def test_a_refused_file_goes_back_with_the_reason_and_nothing_is_saved(client, places, media_root):
    client.force_login(places.member)
    with translation.override("en"):
        response = client.post("/en/documents/upload/", {"target_field": "group", "target_id": places.group.pk,
                                                          "file": upload("invoice.pdf", exe_bytes())})
    assert response.status_code == 302 and response["Location"] == "/en/groups/literacy/"
    assert any("is not what its extension says (PDF)" in text for text in _messages(response))
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_no_file_chosen_says_so(client, places):
    client.force_login(places.member)
    with translation.override("en"):
        response = client.post("/en/documents/upload/", {"target_field": "group", "target_id": places.group.pk})
    assert response.status_code == 302
    assert _messages(response) == ["Choose a file to attach."]
    assert Document.objects.count() == 0


def test_an_observer_is_told_they_cannot_attach(client, places):
    client.force_login(places.observer)
    with translation.override("en"):
        response = client.post("/en/documents/upload/", {"target_field": "group", "target_id": places.group.pk,
                                                          "file": upload("a.pdf", pdf_bytes())})
    assert response.status_code == 302 and _messages(response) == ["You cannot attach documents here."]
    assert Document.objects.count() == 0


@pytest.mark.parametrize(("field", "target"), [
    ("group", "private_group"), ("meeting", "private_meeting"), ("meeting", "meeting"), ("result", "draft_result"),
])
def test_attaching_to_what_one_cannot_see_is_a_404(client, places, field, target):
    client.force_login(places.outsider)
    assert _post(client, field, getattr(places, target).pk).status_code == 404
    assert Document.objects.count() == 0


@pytest.mark.parametrize("data", [
    {"target_field": "group", "target_id": "abc"},
    {"target_field": "task", "target_id": "1"},
    {"target_field": "group", "target_id": "9" * 40},
    {"target_field": "group", "target_id": "999999"},
    {},
])
def test_a_broken_target_is_a_404_never_a_500(client, places, data):
    client.force_login(places.member)
    assert client.post(UPLOAD, data).status_code == 404


def test_a_visitor_is_sent_to_log_in(client, places):
    response = _post(client, "group", places.group.pk)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Document.objects.count() == 0


def test_upload_takes_post_only(client, places):
    client.force_login(places.member)
    assert client.get(UPLOAD).status_code == 405


# --- Download ------------------------------------------------------------------------------------------------

def test_a_public_groups_document_downloads_with_its_persian_name(client, places, media_root,
                                                                  django_assert_max_num_queries):
    document = document_attach(actor=places.member, upload=upload("صورت‌جلسه ۱.pdf", pdf_bytes()),
                               group=places.group)
    client.force_login(places.observer)
    with django_assert_max_num_queries(8):
        response = client.get(f"/fa/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; ")
    assert f'filename="document-{document.pk}.pdf"' in disposition
    assert "filename*=UTF-8''%D8%B5%D9%88%D8%B1%D8%AA%E2%80%8C%D8%AC%D9%84%D8%B3%D9%87%20%DB%B1.pdf" in disposition


def test_office_and_text_files_download_as_attachments_in_a_sandbox(client, places):
    document = document_attach(actor=places.member, upload=upload("notes.txt", txt_bytes()), group=places.group)
    client.force_login(places.member)
    response = client.get(f"/fa/documents/{document.pk}/")
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(("target", "who", "status"), [
    # A group's papers are for its members, even when the group's page is public (the policy).
    ("group", "anonymous", 404), ("group", "outsider", 404), ("group", "observer", 200),
    ("private_group", "anonymous", 404), ("private_group", "outsider", 404), ("private_group", "member", 404),
    ("private_group", "private_member", 200), ("private_group", "secretariat", 200),
    ("meeting", "anonymous", 404), ("meeting", "outsider", 404), ("meeting", "observer", 200),
    ("result", "anonymous", 200),
    ("draft_result", "anonymous", 404), ("draft_result", "chair", 404), ("draft_result", "secretariat", 200),
])
def test_who_may_download(client, places, secretariat, target, who, status):
    actor = {"group": places.chair, "private_group": places.private_member, "meeting": places.chair,
             "result": places.chair, "draft_result": secretariat}[target]
    field = {"private_group": "group", "draft_result": "result"}.get(target, target)
    document = document_attach(actor=actor, upload=upload("a.png", png_bytes()), **{field: getattr(places, target)})
    person = {"anonymous": None, "outsider": places.outsider, "private_member": places.private_member,
              "secretariat": secretariat}.get(who, places.people.get(who))
    if person is not None:
        client.force_login(person)
    assert client.get(f"/fa/documents/{document.pk}/").status_code == status


def test_another_citys_document_is_a_404(client, places, other_city):
    from learningcity.factories import WorkingGroupFactory

    group = WorkingGroupFactory(city=other_city)
    from learningcity.factories import GroupMemberFactory

    chair = GroupMemberFactory(group=group, role="chair").user
    document = document_attach(actor=chair, upload=upload("a.pdf", pdf_bytes()), group=group)
    client.force_login(chair)  # even its own chair, on this city's site
    assert client.get(f"/fa/documents/{document.pk}/").status_code == 404


def test_a_missing_stored_file_is_a_404(client, places):
    document = document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    document.file.storage.delete(document.file.name)
    client.force_login(places.member)
    assert client.get(f"/fa/documents/{document.pk}/").status_code == 404


# --- Remove ---------------------------------------------------------------------------------------------------

def test_the_uploader_confirms_and_removes(client, places, media_root, django_capture_on_commit_callbacks):
    document = document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    client.force_login(places.member)
    page = client.get(f"/fa/documents/{document.pk}/remove/")
    assert page.status_code == 200
    assert "a.pdf" in page.content.decode() and places.group.name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/fa/documents/{document.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == places.group.get_absolute_url()
    assert not Document.objects.exists() and stored_files(media_root) == []


@pytest.mark.parametrize("who", ["observer", "outsider"])
def test_others_cannot_remove_and_see_a_404(client, places, who):
    document = document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    client.force_login(places.observer if who == "observer" else places.outsider)
    assert client.get(f"/fa/documents/{document.pk}/remove/").status_code == 404
    assert client.post(f"/fa/documents/{document.pk}/remove/").status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_the_chair_removes_a_result_document_and_goes_back_to_the_result(client, places):
    document = document_attach(actor=places.secretary, upload=upload("a.pdf", pdf_bytes()), result=places.result)
    client.force_login(places.chair)
    response = client.post(f"/fa/documents/{document.pk}/remove/")
    assert response["Location"] == f"/fa/plan/1405/results/{places.result.pk}/"
    assert not Document.objects.exists()


def test_a_visitor_is_asked_to_log_in_before_removing(client, places):
    document = document_attach(actor=places.member, upload=upload("a.pdf", pdf_bytes()), group=places.group)
    response = client.post(f"/fa/documents/{document.pk}/remove/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Document.objects.exists()


# --- The includes other pages use -----------------------------------------------------------------------------

def _render(source: str, **context) -> str:
    request = RequestFactory().get("/fa/")
    request.user = context.pop("user", None) or UserFactory()
    with translation.override("fa"):
        return Template("{% load i18n %}" + source).render(Context({"request": request, **context}))


def test_the_list_shows_names_types_sizes_and_remove_only_for_the_uploader(places):
    mine = document_attach(actor=places.member, upload=upload("گزارش.pdf", pdf_bytes()), group=places.group,
                           title="گزارش فصل بهار")
    theirs = document_attach(actor=places.chair, upload=upload("a.docx", docx_bytes()), group=places.group)
    from learningcity.workgroups.selectors.documents import documents_of

    html = _render('{% include "workgroups/documents/_list.html" with documents=documents %}',
                   documents=documents_of(group=places.group), user=places.member)
    assert "گزارش فصل بهار" in html and "گزارش.pdf" in html and "DOCX" in html
    assert f"/fa/documents/{mine.pk}/remove/" in html and f"/fa/documents/{theirs.pk}/remove/" not in html
    assert "بایت" in html or "۱" in html  # size with Persian digits
    include = '{% include "workgroups/documents/_list.html" with documents=documents can_manage_documents=True %}'
    managed = _render(include, documents=documents_of(group=places.group), user=places.chair)
    assert f"/fa/documents/{mine.pk}/remove/" in managed


def test_the_list_says_when_there_is_nothing(places):
    html = _render('{% include "workgroups/documents/_list.html" with documents=documents %}', documents=[])
    assert "<table" not in html and "<p" in html


def test_the_attach_form_posts_its_target(places):
    html = _render('{% include "workgroups/documents/_attach.html" with target_field="meeting" target_id=7 %}')
    assert 'action="/fa/documents/upload/"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="target_field" value="meeting"' in html and 'name="target_id" value="7"' in html


def test_documents_of_a_target_list_in_a_bounded_number_of_queries(places, django_assert_max_num_queries):
    from learningcity.workgroups.selectors.documents import documents_of

    for number in range(12):
        document_attach(actor=places.member,
                        upload=upload(f"{number}.txt", f"{number}".encode()), group=places.group)
    with django_assert_max_num_queries(1):
        rows = list(documents_of(group=places.group))
        names = [str(row.uploaded_by) for row in rows]
    assert len(names) == 12
