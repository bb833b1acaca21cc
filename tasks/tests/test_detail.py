"""The task detail: fields, units, sub-tasks with roll-up, journal timeline and field history."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from plan_portal.tests.factories import TaskFactory, UnitFactory, UserFactory, member
from tasks.models import ProgressUpdate, Status
from tasks.services import task_record_progress


@pytest.fixture
def detail(db, client):
    lead = UnitFactory(code="VU-TC", name="Vụ Tiêu chuẩn")
    coord = UnitFactory(code="VU-DL", name="Vụ Đo lường")
    author = member(lead, username="tc", first_name="Trần Văn", last_name="Bình")
    task = TaskFactory(
        code="NV-2020-05",
        title="Rà soát hệ thống tiêu chuẩn quốc gia",
        title_en="Review of national standards",
        description="Mô tả chi tiết",
        legal_basis="Luật Tiêu chuẩn và Quy chuẩn kỹ thuật",
        expected_output="Báo cáo rà soát",
        source_quote="Rà soát, hủy bỏ các TCVN lạc hậu.",
        lead_unit=lead,
        start_date=date(2020, 1, 15),
        due_date=date(2020, 11, 30),
        coordinators=[coord],
    )
    subs = [TaskFactory(code=f"NV-2020-05.{i}", parent=task, lead_unit=lead) for i in (1, 2, 3)]
    client.force_login(author)
    return task, subs, author


def test_detail_shows_every_field_and_the_units(detail, client):
    task, _subs, _author = detail

    html = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()

    for text in [
        "NV-2020-05",
        "Rà soát hệ thống tiêu chuẩn quốc gia",
        "Review of national standards",
        "Mô tả chi tiết",
        "Luật Tiêu chuẩn và Quy chuẩn kỹ thuật",
        "Báo cáo rà soát",
        "Rà soát, hủy bỏ các TCVN lạc hậu.",
        "15/01/2020",
        "30/11/2020",
        "VU-TC – Vụ Tiêu chuẩn",
        "VU-DL – Vụ Đo lường",
        "Kế hoạch công tác năm 2020",
    ]:
        assert text in html, text


def test_subtasks_and_the_parent_roll_up(detail, client):
    task, subs, author = detail
    task_record_progress(task=subs[0], author=author, status=Status.IN_PROGRESS, progress=40, note="a")
    task_record_progress(
        task=subs[1], author=author, status=Status.COMPLETED, progress=100, note="b", output_ref="QĐ 1/QĐ-TĐC"
    )
    task_record_progress(
        task=subs[2], author=author, status=Status.CANCELLED, progress=0, note="không cần nữa", check_permission=False
    )

    html = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()

    for sub in subs:
        assert sub.code in html
    rollup = re.search(r'data-testid="rollup">.*?value="(\d+)"', html, re.S).group(1)
    assert rollup == "70"  # (40 + 100) / 2; the cancelled one does not count


def test_timeline_is_newest_first_with_who_status_and_progress_change(detail, client):
    task, _subs, author = detail
    task_record_progress(task=task, author=author, status=Status.IN_PROGRESS, progress=20, note="Bắt đầu soạn thảo")
    task_record_progress(task=task, author=author, status=Status.IN_PROGRESS, progress=45, note="Lấy ý kiến góp ý")

    html = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()

    assert html.index("Lấy ý kiến góp ý") < html.index("Bắt đầu soạn thảo")
    assert "Trần Văn Bình" in html
    assert "20% → <strong>45%</strong>" in html
    assert "(+25)" in html
    assert 'class="badge status-not_started"' in html  # not started -> in progress


def test_timeline_pages_with_a_cursor_without_gaps_or_repeats(detail, client):
    task, _subs, author = detail
    start = timezone.now() - timedelta(days=60)
    same_time = start + timedelta(days=10)
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                task=task,
                author=author,
                status="in_progress",
                progress=i,
                previous_status="in_progress",
                previous_progress=i,
                note=f"Cập nhật số {i:02d}.",
                # several updates share a timestamp: the id breaks the tie
                recorded_at=same_time if 10 <= i < 30 else start + timedelta(days=i),
            )
            for i in range(45)
        ]
    )
    seen, url, pages = [], reverse("tasks:detail", args=[task.pk]), 0
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r"Cập nhật số (\d\d)\.", html)
        pages += 1
        more = re.search(r'href="\?before=([a-z]+-\d+-\d+)#timeline"', html)
        url = reverse("tasks:detail", args=[task.pk]) + f"?before={more.group(1)}" if more else None

    assert pages == 3
    assert sorted(seen) == [f"{i:02d}" for i in range(45)]
    assert len(seen) == 45


def test_field_history_shows_old_and_new_values_and_who(detail, client):
    task, _subs, author = detail
    editor = UserFactory(username="bientap", first_name="Lê", last_name="Hà")
    task.due_date = date(2020, 12, 31)
    task.title = "Rà soát và hủy bỏ tiêu chuẩn quốc gia"
    task._history_user = editor
    task.save()

    html = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()

    assert "30/11/2020</del> → <ins>31/12/2020" in html
    assert "Rà soát hệ thống tiêu chuẩn quốc gia</del> → <ins>Rà soát và hủy bỏ tiêu chuẩn quốc gia" in html
    assert "Lê Hà" in html


def test_progress_updates_do_not_appear_in_the_field_history(detail, client):
    task, _subs, author = detail
    task_record_progress(task=task, author=author, status=Status.IN_PROGRESS, progress=20, note="x")

    assert task.history.count() == 1


def test_an_overdue_tasks_page_says_so_and_an_at_risk_one_says_it_is_behind(detail, client):
    # given NV-2020-05 due 30/11/2020, never updated (today is after its due date), and a task of
    # this year half elapsed with 0% done
    task, subs, author = detail
    today = timezone.localdate()
    behind = TaskFactory(
        code="NV-BEHIND",
        lead_unit=task.lead_unit,
        start_date=today - timedelta(days=50),
        due_date=today + timedelta(days=50),
    )
    # when their pages are read
    overdue_html = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    behind_html = client.get(reverse("tasks:detail", args=[behind.pk])).content.decode()
    # then each says where it stands
    assert "Quá hạn: hạn hoàn thành là 30/11/2020 nhưng nhiệm vụ chưa hoàn thành." in overdue_html
    assert 'data-testid="task-at-risk"' not in overdue_html
    assert "Chậm tiến độ: mới đạt 0% trong khi đã qua 50% thời gian thực hiện." in behind_html
    assert 'data-testid="task-overdue"' not in behind_html
