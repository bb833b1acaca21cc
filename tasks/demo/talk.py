"""Comments and urging notes (issue 12) on the 2020 demo plan, written through
the services with the moments they happened, so `make run` shows them in the
timelines, on the dashboard's overdue rows and in the weekly reports.

The rules hold as in real use: every urging is sent by Leadership (`lanhdao`)
on a task overdue that day by its journal (checked again here, the entry is
skipped otherwise); every comment is written by an account that may read the
task, mostly the lead and coordinating units' staff and heads. The texts are
illustrations, not records. Written once: an entry already there (same task,
same moment) is skipped, so a second run changes nothing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model

from ..comments import comment_create, urging_create
from ..models import Comment, Task, Urging
from ..selectors import task_annotate_as_of
from .history import TZ


@dataclass(frozen=True)
class Talk:
    code: str
    at: datetime
    kind: str  # comment | urging
    by: str  # user name
    text: str


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


D = date
TALK = (
    # NV-2020-02 (Vụ PC-TT leads, Vụ QLCL coordinates): a coordinating unit asks the lead unit, which answers.
    Talk(
        "NV-2020-02",
        _at(D(2020, 5, 15), 10, 20),
        "comment",
        "vu-qlcl",
        "@vu-pctt Vụ QLCL đã gửi danh mục điều kiện kinh doanh cần rà soát trong lĩnh vực kiểm tra chuyên ngành "
        "(12 điều kiện). Đề nghị Vụ tổng hợp chung vào báo cáo gửi Bộ.",
    ),
    Talk(
        "NV-2020-02",
        _at(D(2020, 5, 18), 8, 45),
        "comment",
        "vu-pctt",
        "Đã nhận, cảm ơn Vụ QLCL. Bản tổng hợp dự kiến gửi xin ý kiến các đơn vị trong tuần sau.",
    ),
    # NV-2020-05 (Vụ QLCL, due 30/06/2020): urged two days late; the unit then asks for an extension (03/07).
    Talk(
        "NV-2020-05",
        _at(D(2020, 7, 2), 9, 0),
        "urging",
        "lanhdao",
        "Nhiệm vụ đã quá hạn. Đề nghị Vụ Quản lý chất lượng báo cáo ngay tình hình thực hiện và đề xuất "
        "phương án xử lý trong tuần này.",
    ),
    Talk(
        "NV-2020-05",
        _at(D(2020, 7, 2), 16, 10),
        "comment",
        "vu-qlcl-head",
        "Vụ đã nhận ý kiến đôn đốc. @vu-qlcl chuẩn bị hồ sơ đề nghị gia hạn đến 31/8/2020, nêu rõ các Bộ "
        "chưa có ý kiến, trình trong ngày mai.",
    ),
    # NV-2020-11 (Vụ Tiêu chuẩn, due 30/06/2020, extension refused 02/07): urged twice while it stalls.
    Talk(
        "NV-2020-11",
        _at(D(2020, 7, 6), 8, 30),
        "urging",
        "lanhdao",
        "Đề nghị Vụ Tiêu chuẩn khẩn trương đôn đốc các Bộ, ngành gửi danh mục đề xuất xây dựng TCVN, QCVN; "
        "báo cáo kết quả trước ngày 20/7/2020.",
    ),
    Talk(
        "NV-2020-11",
        _at(D(2020, 7, 7), 10, 15),
        "comment",
        "vu-tc-head",
        "@vu-tc đề nghị gửi lại công văn nhắc các Bộ, ngành chưa gửi danh mục, đề nghị trả lời trước 17/7; "
        "tổng hợp danh sách đơn vị đã trả lời để báo cáo Lãnh đạo Tổng cục.",
    ),
    Talk(
        "NV-2020-11",
        _at(D(2020, 7, 9), 14, 40),
        "comment",
        "vu-tc",
        "Đã gửi công văn nhắc tới 9 Bộ, ngành. Đến nay đã nhận thêm danh mục của Bộ Công Thương và Bộ Y tế.",
    ),
    Talk(
        "NV-2020-11",
        _at(D(2020, 7, 10), 9, 5),
        "comment",
        "vien-tccl",
        "Viện đã rà soát sơ bộ danh mục của Bộ Công Thương: 7 đề xuất trùng với TCVN hiện hành, "
        "sẽ gửi ý kiến chi tiết cho Vụ trong tuần sau.",
    ),
    Talk(
        "NV-2020-11",
        _at(D(2020, 9, 7), 8, 30),
        "urging",
        "lanhdao",
        "Nhiệm vụ đã quá hạn hơn hai tháng. Đề nghị Vụ báo cáo Lãnh đạo Tổng cục phương án hoàn thành "
        "trong tháng 9/2020.",
    ),
    # NV-2020-17 (Vụ Đo lường) and NV-2020-24 (Vụ ĐGHC), both due 30/11/2020 and stalled: urged on 03/12.
    Talk(
        "NV-2020-17",
        _at(D(2020, 12, 3), 9, 0),
        "urging",
        "lanhdao",
        "Đề nghị Vụ Đo lường hoàn thành kế hoạch hậu kiểm quý IV, báo cáo kết quả trước ngày 15/12/2020.",
    ),
    Talk(
        "NV-2020-17",
        _at(D(2020, 12, 3), 15, 20),
        "comment",
        "vu-dl-head",
        "@vu-dl lập lịch các đợt hậu kiểm còn lại của quý IV và cập nhật tiến độ hằng tuần trên Cổng.",
    ),
    Talk(
        "NV-2020-24",
        _at(D(2020, 12, 3), 9, 5),
        "urging",
        "lanhdao",
        "Đề nghị Vụ đôn đốc 3 địa phương còn lại gửi báo cáo kết quả duy trì mô hình khung, "
        "tổng hợp báo cáo trước ngày 18/12/2020.",
    ),
)


def _overdue_on(task: Task, day: date) -> bool:
    """Whether the task was overdue on `day` by its journal (the dashboard's rule)."""
    rows = task_annotate_as_of(Task.objects.filter(pk=task.pk), as_of=day).values_list("s_overdue", flat=True)
    return bool(rows.get())


def seed_talk() -> dict[str, int]:
    """Write the comments and urgings of TALK that are not there yet; how many of each."""
    people = {user.username: user for user in get_user_model().objects.filter(username__in={t.by for t in TALK})}
    tasks = {task.code: task for task in Task.objects.filter(plan__year=2020, code__in={t.code for t in TALK})}
    written = {"comments": 0, "urgings": 0}
    for talk in TALK:
        task, author = tasks.get(talk.code), people.get(talk.by)
        if task is None or author is None:
            continue
        if talk.kind == "urging":
            if Urging.objects.filter(task=task, created_at=talk.at).exists() or not _overdue_on(task, talk.at.date()):
                continue
            urging_create(task=task, author=author, note=talk.text, at=talk.at)
            written["urgings"] += 1
        else:
            if Comment.objects.filter(task=task, created_at=talk.at).exists():
                continue
            comment_create(task=task, author=author, body=talk.text, at=talk.at)
            written["comments"] += 1
    return written
