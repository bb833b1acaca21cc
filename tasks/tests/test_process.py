"""The accountable task process (issue 11): who may do what, evidence,
attachments, completion reviews, requests and decisions."""

import io
import re
import zipfile
from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from plan_portal.tests.factories import TaskFactory, member
from tasks.models import (
    Attachment,
    CompletionReview,
    Contribution,
    DueDateChange,
    ProgressUpdate,
    Task,
    TaskRequest,
)
from tasks.services import (
    DecisionConflict,
    completion_review,
    request_create,
    request_decide,
    request_withdraw,
    task_record_progress,
)

from .conftest import ROLES

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
VIETNAMESE_NAME = "Quyết định 1322 phê duyệt chương trình.pdf"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _zip_without_word() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "không phải văn bản Word")
    return buffer.getvalue()


def _upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _state(task):
    task = Task.objects.get(pk=task.pk)
    return (
        task.status,
        task.progress,
        task.due_date,
        task.version,
        ProgressUpdate.objects.count(),
        Contribution.objects.count(),
        Attachment.objects.count(),
        TaskRequest.objects.count(),
        DueDateChange.objects.count(),
        CompletionReview.objects.count(),
    )


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def _complete(task, author, **extra):
    return task_record_progress(
        task=Task.objects.get(pk=task.pk),
        author=author,
        status="completed",
        progress=100,
        note="Đã hoàn thành.",
        output_ref="Quyết định số 1322/QĐ-TTg ngày 31/08/2020",
        **extra,
    )


# --- 1. who may do what ----------------------------------------------------------


def test_the_data_migration_gives_leadership_the_decide_permission(db):
    group = Group.objects.get(name="Leadership")
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [("tasks", "decide_request")]
    assert Permission.objects.filter(codename="decide_request").count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_coordinating_staff_post_contributions_and_they_change_no_status(world, as_user, role):
    task = world.task
    before = _state(task)

    response = as_user(world.users[role]).post(
        reverse("tasks:contribution-create", args=[task.pk]),
        {"note": "Vụ Đo lường đã gửi ý kiến góp ý bằng văn bản.", "file": _upload("Góp ý.pdf", PDF)},
    )

    if role == "coord_staff":
        assert response.status_code == 302
        contribution = Contribution.objects.get()
        assert (contribution.unit.code, contribution.author.username) == ("VU-DL", "coord")
        assert contribution.attachments.get().original_name == "Góp ý.pdf"
        after = _state(task)
        # Status, progress, due date, version and the journal are untouched.
        assert after[:5] == before[:5]
        page = as_user(world.users["lead_staff"]).get(reverse("tasks:detail", args=[task.pk])).content.decode()
        assert 'data-kind="contribution"' in page and "Vụ Đo lường đã gửi ý kiến góp ý bằng văn bản." in page
        return
    if role == "anonymous":
        assert _login_redirect(response)
    else:
        assert response.status_code == 403
    assert _state(task) == before


ACTION_MARKERS = {
    "update-form": {"lead_staff", "head"},
    "request-form": {"lead_staff", "head"},
    "contribution-form": {"coord_staff"},
    "attachment-form": {"lead_staff", "head", "coord_staff"},
    "review-form": {"leadership", "admin"},
}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_the_detail_page_shows_each_person_the_action_they_may_take(world, as_user, role):
    _complete(world.task, world.users["lead_staff"])

    html = as_user(world.users[role]).get(reverse("tasks:detail", args=[world.task.pk])).content.decode()

    shown = {marker for marker in ACTION_MARKERS if f'data-testid="{marker}"' in html}
    assert shown == {marker for marker, roles in ACTION_MARKERS.items() if role in roles}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_each_row_of_the_list_offers_the_persons_action(world, as_user, role):
    _complete(world.task, world.users["lead_staff"])

    html = as_user(world.users[role]).get(reverse("tasks:list")).content.decode()

    buttons = set(re.findall(r'data-testid="(open-\w+)"', html))
    expected = {
        "lead_staff": {"open-update"},
        "head": {"open-update"},
        "coord_staff": {"open-contribute"},
        "leadership": {"open-decide"},
        "admin": {"open-decide"},
        "other_staff": set(),
    }[role]
    assert buttons == expected


def test_staff_can_no_longer_put_a_task_on_hold_or_cancel_it(world):
    lead = world.users["lead_staff"]
    before = _state(world.task)
    for status in ("on_hold", "cancelled"):
        with pytest.raises(ValidationError) as error:
            task_record_progress(task=world.task, author=lead, status=status, progress=0, note="Dừng lại")
        assert "status" in error.value.message_dict
    assert _state(world.task) == before


@pytest.mark.parametrize("role", ROLES)
def test_requests_are_sent_by_the_lead_unit_only(world, as_user, role):
    before = _state(world.task)

    response = as_user(world.users[role]).post(
        reverse("tasks:request-create", args=[world.task.pk]),
        {"kind": "extension", "reason": "Chờ ý kiến các Bộ.", "proposed_due_date": "31/01/2021"},
    )

    if role in ("lead_staff", "head"):
        assert response.status_code == 302
        request = TaskRequest.objects.get()
        assert (request.kind, request.state, request.proposed_due_date) == ("extension", "pending", date(2021, 1, 31))
        return
    assert _login_redirect(response) if role == "anonymous" else response.status_code == 403
    assert _state(world.task) == before


@pytest.mark.parametrize("role", ROLES)
def test_only_deciders_confirm_a_completion(world, as_user, role):
    _complete(world.task, world.users["lead_staff"])
    before = _state(world.task)

    response = as_user(world.users[role]).post(
        reverse("tasks:completion-confirm", args=[world.task.pk]), {"decision": "confirm", "comment": ""}
    )

    if role in ("leadership", "admin"):
        assert response.status_code == 302
        review = CompletionReview.objects.get()
        assert (review.decision, review.reviewer) == ("confirm", world.users[role])
        return
    assert _login_redirect(response) if role == "anonymous" else response.status_code == 403
    assert _state(world.task) == before


def test_the_permission_can_be_given_to_someone_outside_leadership(world, as_user):
    office = world.users["other_staff"]
    office.user_permissions.add(Permission.objects.get(codename="decide_request"))
    _complete(world.task, world.users["lead_staff"])

    response = as_user(office).post(reverse("tasks:completion-confirm", args=[world.task.pk]), {"decision": "confirm"})

    assert response.status_code == 302
    assert CompletionReview.objects.get().reviewer == office


# --- 2. evidence and attachments ---------------------------------------------------


def test_a_completion_without_evidence_is_refused_and_nothing_changes(world, as_user):
    task = world.task
    before = _state(task)

    response = as_user(world.users["lead_staff"]).post(
        reverse("tasks:update-create", args=[task.pk]),
        {"status": "completed", "progress": "100", "note": "Xong", "version": task.version},
    )

    assert response.status_code == 422
    assert 'data-field="output_ref"' in response.content.decode()
    assert _state(task) == before


@pytest.mark.parametrize("evidence", ["output_ref", "file_in_form", "earlier_attachment"])
def test_a_completion_with_evidence_is_accepted(world, as_user, evidence):
    task = world.task
    client = as_user(world.users["lead_staff"])
    data = {"status": "completed", "progress": "100", "note": "Xong", "version": task.version}
    if evidence == "output_ref":
        data["output_ref"] = "Quyết định số 1322/QĐ-TTg ngày 31/08/2020"
    elif evidence == "file_in_form":
        data["file"] = _upload(VIETNAMESE_NAME, PDF)
    else:
        assert (
            client.post(reverse("tasks:attachment-create", args=[task.pk]), {"file": _upload("a.png", PNG)}).status_code
            == 302
        )

    response = client.post(reverse("tasks:update-create", args=[task.pk]), data)

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert (Task.objects.get(pk=task.pk).status, update.status) == ("completed", "completed")
    if evidence == "output_ref":
        assert update.output_ref == "Quyết định số 1322/QĐ-TTg ngày 31/08/2020"
    if evidence == "file_in_form":
        assert update.attachments.get().original_name == VIETNAMESE_NAME


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", PNG),  # a PNG calling itself a PDF
        ("du-thao.docx", _zip_without_word()),  # a zip, but not a Word document
        ("chuong-trinh.docx", b"MZ\x90\x00" + b"\x00" * 60),  # a Windows program
        ("anh.png", PDF),
        ("ghi-chu.txt", b"plain text"),
        ("bang.xlsx", _docx()),  # a Word document named as a spreadsheet
    ],
)
def test_an_attachment_whose_bytes_are_not_what_its_name_says_is_refused(world, as_user, name, content):
    before = _state(world.task)

    response = as_user(world.users["lead_staff"]).post(
        reverse("tasks:attachment-create", args=[world.task.pk]), {"file": _upload(name, content, "application/pdf")}
    )

    assert response.status_code == 422
    assert "không phải tệp được chấp nhận" in response.content.decode()
    assert _state(world.task) == before


def test_a_file_over_the_size_limit_is_refused(world, as_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    before = _state(world.task)

    response = as_user(world.users["lead_staff"]).post(
        reverse("tasks:attachment-create", args=[world.task.pk]), {"file": _upload("lon.pdf", PDF + b"0" * 1100)}
    )

    assert response.status_code == 422
    assert _state(world.task) == before


@pytest.mark.parametrize("name", ["Dự thảo Thông tư.docx", "Ảnh hiện trường.png"])
def test_accepted_types_are_stored_under_a_random_name(world, as_user, media, name):
    content = _docx() if name.endswith(".docx") else PNG

    response = as_user(world.users["coord_staff"]).post(
        reverse("tasks:attachment-create", args=[world.task.pk]), {"file": _upload(name, content)}
    )

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == name
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.(docx|png)", attachment.file.name)
    assert (media / attachment.file.name).read_bytes() == content


@pytest.mark.parametrize("role", ROLES)
def test_a_download_is_refused_to_whoever_may_not_read_the_task(world, as_user, role):
    as_user(world.users["lead_staff"]).post(
        reverse("tasks:attachment-create", args=[world.task.pk]), {"file": _upload(VIETNAMESE_NAME, PDF)}
    )
    attachment = Attachment.objects.get()

    response = as_user(world.users[role]).get(reverse("tasks:attachment-download", args=[attachment.pk]))

    if role == "anonymous":
        assert _login_redirect(response)
    elif role == "other_staff":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        # RFC 5987: the Vietnamese name survives the download.
        assert f"filename*=utf-8''{quote(VIETNAMESE_NAME)}" in response["Content-Disposition"]


def test_media_files_are_not_served_from_a_public_url(world, as_user, client):
    as_user(world.users["lead_staff"]).post(
        reverse("tasks:attachment-create", args=[world.task.pk]), {"file": _upload("x.pdf", PDF)}
    )
    stored = Attachment.objects.get().file.name

    assert client.get(f"/media/{stored}").status_code == 404


# --- 3. completion confirmed or returned -----------------------------------------


def test_a_returned_completion_reopens_the_task_and_keeps_the_past(world):
    lead, leader = world.users["lead_staff"], world.users["leadership"]
    task_record_progress(
        task=world.task,
        author=lead,
        status="in_progress",
        progress=80,
        note="Gần xong",
        recorded_at=datetime(2020, 6, 5, 10, tzinfo=TZ),
    )
    task_record_progress(
        task=Task.objects.get(pk=world.task.pk),
        author=lead,
        status="completed",
        progress=100,
        note="Xong",
        output_ref="Báo cáo số 12/BC-TC",
        recorded_at=datetime(2020, 6, 12, 10, tzinfo=TZ),
    )
    from tasks.selectors import plan_figures

    plan = world.task.plan
    assert plan_figures(plan=plan, as_of=date(2020, 6, 15)).counts["awaiting_confirmation"] == 1

    completion_review(
        task=world.task,
        reviewer=leader,
        decision="return",
        comment="Chưa kèm dự thảo.",
        at=datetime(2020, 6, 18, 9, tzinfo=TZ),
    )

    task = Task.objects.get(pk=world.task.pk)
    latest = task.updates.latest()
    assert (task.status, task.progress, latest.author, latest.note) == (
        "in_progress",
        80,
        leader,
        "Hoàn thành bị trả lại: Chưa kèm dự thảo.",
    )
    before = plan_figures(plan=plan, as_of=date(2020, 6, 15)).counts
    after = plan_figures(plan=plan, as_of=date(2020, 6, 20)).counts
    assert (before["completed_on_time"], before["awaiting_confirmation"]) == (1, 1)
    assert (after["completed_on_time"], after["awaiting_confirmation"], after["in_progress"]) == (0, 0, 1)
    with pytest.raises(DecisionConflict):
        completion_review(task=world.task, reviewer=leader, decision="confirm")


def test_a_return_needs_a_reason(world, as_user):
    _complete(world.task, world.users["lead_staff"])
    before = _state(world.task)

    response = as_user(world.users["leadership"]).post(
        reverse("tasks:completion-confirm", args=[world.task.pk]), {"decision": "return", "comment": ""}
    )

    assert response.status_code == 422
    assert _state(world.task) == before


def test_a_second_confirmation_answers_409(world, as_user):
    _complete(world.task, world.users["lead_staff"])
    client = as_user(world.users["leadership"])
    url = reverse("tasks:completion-confirm", args=[world.task.pk])
    assert client.post(url, {"decision": "confirm"}).status_code == 302
    before = _state(world.task)

    response = client.post(url, {"decision": "return", "comment": "Trả lại"})

    assert response.status_code == 409
    assert _state(world.task) == before


# --- 4. requests and decisions -------------------------------------------------------


def test_a_requests_whole_life_from_the_queue(world, as_user):
    task, head = world.task, world.users["head"]
    lead_client = as_user(head)
    lead_client.post(
        reverse("tasks:request-create", args=[task.pk]),
        {"kind": "extension", "reason": "Chờ ý kiến thẩm định.", "proposed_due_date": "2021-01-31"},
    )
    request = TaskRequest.objects.get()

    # A second pending request of the same kind is refused.
    again = lead_client.post(
        reverse("tasks:request-create", args=[task.pk]),
        {"kind": "extension", "reason": "Lần nữa", "proposed_due_date": "2021-02-28"},
    )
    assert again.status_code == 422
    assert TaskRequest.objects.count() == 1

    # The queue: Leadership sees it, the requesting unit sees it, another unit does not.
    queue = reverse("tasks:requests")
    assert f'id="request-{request.pk}"' in as_user(world.users["leadership"]).get(queue).content.decode()
    assert f'id="request-{request.pk}"' in as_user(world.users["lead_staff"]).get(queue).content.decode()
    assert f'id="request-{request.pk}"' not in as_user(world.users["other_staff"]).get(queue).content.decode()
    filtered = as_user(world.users["leadership"]).get(queue, {"state": "approved"}).content.decode()
    assert f'id="request-{request.pk}"' not in filtered

    # Leadership approves another date than proposed, with the approving document.
    response = as_user(world.users["leadership"]).post(
        reverse("tasks:request-decide", args=[request.pk]),
        {
            "decision": "approve",
            "due_date": "15/02/2021",
            "document_ref": "Công văn số 123/TĐC-VP ngày 15/06/2020",
            "next": queue,
        },
    )
    assert response.status_code == 302 and response["Location"] == queue
    request.refresh_from_db()
    task = Task.objects.get(pk=task.pk)
    change = DueDateChange.objects.get()
    assert (request.state, request.decided_by, request.decided_due_date) == (
        "approved",
        world.users["leadership"],
        date(2021, 2, 15),
    )
    assert task.due_date == date(2021, 2, 15)
    assert (change.old_due_date, change.new_due_date, change.document_ref, change.request) == (
        date(2020, 12, 31),
        date(2021, 2, 15),
        "Công văn số 123/TĐC-VP ngày 15/06/2020",
        request,
    )
    detail = as_user(head).get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert 'data-kind="request"' in detail and 'data-kind="decision"' in detail
    assert "Công văn số 123/TĐC-VP ngày 15/06/2020" in detail

    # Deciding again is a conflict; nothing changes.
    before = _state(task)
    second = as_user(world.users["leadership"]).post(
        reverse("tasks:request-decide", args=[request.pk]), {"decision": "reject", "comment": "Không"}
    )
    assert second.status_code == 409
    assert _state(task) == before


def test_a_request_can_be_withdrawn_by_its_unit_only(world, as_user):
    request = request_create(task=world.task, requester=world.users["lead_staff"], kind="cancel", reason="Trùng lặp")
    url = reverse("tasks:request-withdraw", args=[request.pk])

    assert as_user(world.users["coord_staff"]).post(url).status_code == 403
    assert TaskRequest.objects.get().state == "pending"
    assert as_user(world.users["head"]).post(url).status_code == 302
    assert TaskRequest.objects.get().state == "withdrawn"
    # Withdrawn: the lead unit may ask again.
    request_create(task=world.task, requester=world.users["lead_staff"], kind="cancel", reason="Trùng lặp")
    assert TaskRequest.objects.filter(state="pending").count() == 1


def test_the_database_allows_one_pending_request_per_task_and_kind(world):
    request_create(task=world.task, requester=world.users["lead_staff"], kind="on_hold", reason="COVID-19")
    with pytest.raises(IntegrityError), transaction.atomic():
        TaskRequest.objects.create(
            task=world.task, kind="on_hold", unit=world.task.lead_unit, reason="x", requested_by=world.users["head"]
        )


def test_an_approved_hold_is_written_by_the_decider_and_resumed_by_the_lead_unit(world):
    leader = world.users["leadership"]
    # A name of its own: the factory's default first name is shared by every user.
    lead = member(world.task.lead_unit, username="hoa", first_name="Hoa", last_name="Trần Thị")
    task_record_progress(task=world.task, author=lead, status="in_progress", progress=30, note="Đang khảo sát")
    request = request_create(
        task=world.task, requester=lead, kind="on_hold", reason="Tạm dừng khảo sát do dịch COVID-19."
    )

    request_decide(task_request=request, decider=leader, decision="approve", document_ref="CV 512/TĐC-VP")

    task = Task.objects.get(pk=world.task.pk)
    hold = task.updates.latest()
    assert (task.status, task.progress, hold.author) == ("on_hold", 30, leader)
    assert "Tạm dừng khảo sát do dịch COVID-19." in hold.note and "Hoa Trần Thị" in hold.note  # the requester is named
    task_record_progress(task=task, author=lead, status="in_progress", progress=35, note="Khảo sát lại")
    assert Task.objects.get(pk=task.pk).status == "in_progress"


def test_an_approved_cancellation_stops_the_task(world):
    lead, leader = world.users["lead_staff"], world.users["leadership"]
    request = request_create(task=world.task, requester=lead, kind="cancel", reason="Lồng ghép vào NV-2020-01.")
    request_decide(task_request=request, decider=leader, decision="approve")

    assert Task.objects.get(pk=world.task.pk).status == "cancelled"
    before = _state(world.task)
    with pytest.raises(ValidationError):
        task_record_progress(task=world.task, author=lead, status="in_progress", progress=40, note="Làm tiếp")
    assert _state(world.task) == before


def test_a_rejection_needs_a_reason_and_changes_nothing_else(world):
    request = request_create(
        task=world.task,
        requester=world.users["lead_staff"],
        kind="extension",
        reason="Cần thêm thời gian",
        proposed_due_date="2021-03-31",
    )
    with pytest.raises(ValidationError):
        request_decide(task_request=request, decider=world.users["leadership"], decision="reject")
    request_decide(
        task_request=request, decider=world.users["leadership"], decision="reject", comment="Giữ nguyên thời hạn."
    )

    assert TaskRequest.objects.get().state == "rejected"
    assert Task.objects.get(pk=world.task.pk).due_date == date(2020, 12, 31)
    assert DueDateChange.objects.count() == 0


def test_staff_may_not_decide(world):
    request = request_create(task=world.task, requester=world.users["lead_staff"], kind="cancel", reason="x")
    with pytest.raises(PermissionDenied):
        request_decide(task_request=request, decider=world.users["head"], decision="approve")
    with pytest.raises(PermissionDenied):
        request_withdraw(task_request=request, user=world.users["coord_staff"])
    assert TaskRequest.objects.get().state == "pending"


def test_the_request_queue_costs_the_same_with_3_and_30_requests(world, as_user, django_assert_num_queries):

    client = as_user(world.users["leadership"])
    url = reverse("tasks:requests")

    def make(n):
        for i in range(n):
            task = TaskFactory(lead_unit=world.task.lead_unit, plan=world.task.plan)
            request_create(
                task=task,
                requester=world.users["lead_staff"],
                kind="extension",
                reason=f"Lý do {i}",
                proposed_due_date="2021-06-30",
            )

    make(3)
    # session, user, the person's permissions, memberships and Leadership (one query, user_load_access;
    # four before), the count, the page, the bell's unread count
    with django_assert_num_queries(6):
        first = client.get(url)
    make(27)
    with django_assert_num_queries(6):
        second = client.get(url)
    assert first.content.decode().count('data-testid="request-row"') == 3
    assert second.content.decode().count('data-testid="request-row"') == 30


def test_the_detail_page_costs_the_same_with_few_and_many_process_entries(world, as_user, django_assert_num_queries):
    from tasks.services import contribution_create

    client = as_user(world.users["leadership"])
    url = reverse("tasks:detail", args=[world.task.pk])

    def add(n):
        for i in range(n):
            contribution_create(
                task=world.task,
                author=world.users["coord_staff"],
                note=f"Góp ý {i}",
                files=[_upload(f"gop-y-{i}.pdf", PDF)],
            )
            request = request_create(
                task=world.task, requester=world.users["lead_staff"], kind="cancel", reason=f"Lý do {i}"
            )
            request_withdraw(task_request=request, user=world.users["lead_staff"])

    add(1)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(9)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(few) == len(many)
    # One page of the timeline (issue 12: paged over every kind): 20 of the 30 events, the newest
    # six rounds of contribution, request and withdrawal, and the seventh's withdrawal and request.
    page = response.content.decode()
    assert page.count('data-testid="timeline-item"') == 20
    assert page.count('data-kind="contribution"') == 6


@pytest.mark.parametrize("name", ["taskrequest", "duedatechange", "completionreview", "contribution", "attachment"])
def test_the_admin_shows_the_process_read_only(world, as_user, name):
    request = request_create(task=world.task, requester=world.users["lead_staff"], kind="cancel", reason="Trùng")
    request_decide(task_request=request, decider=world.users["leadership"], decision="reject", comment="Không")
    client = as_user(world.users["admin"])

    listing = client.get(reverse(f"admin:tasks_{name}_changelist"))
    adding = client.get(reverse(f"admin:tasks_{name}_add"))

    assert listing.status_code == 200
    assert adding.status_code == 403
    if name == "taskrequest":
        change = client.post(reverse("admin:tasks_taskrequest_change", args=[request.pk]), {"state": "approved"})
        assert change.status_code == 403
        assert TaskRequest.objects.get().state == "rejected"
