"""The 2020 demo history told through the accountable process (issue 11).

Turns a task's progress steps (tasks.demo.history) into the actions people
take: the lead unit's updates (completions with their output), requests for
extension, hold and cancellation, Leadership's decisions, and the review of
each completion. Real documents are used where 2020's record gives one;
every other reference is marked "minh họa" (illustrative).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .history import TZ, Step

ILLUSTRATIVE = "(minh họa)"


def _at(day: date, hour: int = 9, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


# Outputs with a real reference in 2020's record.
REAL_OUTPUTS = {
    "NV-2020-21": "Quyết định số 1322/QĐ-TTg ngày 31/08/2020",
}


@dataclass(frozen=True)
class Extension:
    asked: datetime
    proposed: date
    reason: str
    decided: datetime
    approve: bool
    document_ref: str = ""
    comment: str = ""


EXTENSIONS = {
    # Asked before the due date, approved: the task then finishes within the new deadline.
    "NV-2020-02": Extension(
        asked=_at(date(2020, 6, 19)),
        proposed=date(2020, 7, 31),
        reason="Cần thêm thời gian tổng hợp ý kiến của doanh nghiệp do hội thảo bị lùi vì dịch COVID-19.",
        decided=_at(date(2020, 6, 24), 14),
        approve=True,
        document_ref=f"Công văn số 1021/TĐC-VP ngày 24/06/2020 {ILLUSTRATIVE}",
    ),
    # Asked after the due date had passed: approved, and marked as a late request.
    "NV-2020-05": Extension(
        asked=_at(date(2020, 7, 3)),
        proposed=date(2020, 8, 31),
        reason="Chờ ý kiến của các Bộ quản lý chuyên ngành về phương án cải tiến kiểm tra.",
        decided=_at(date(2020, 7, 10), 14),
        approve=True,
        document_ref=f"Công văn số 1187/TĐC-VP ngày 10/07/2020 {ILLUSTRATIVE}",
    ),
    "NV-2020-11": Extension(
        asked=_at(date(2020, 6, 26)),
        proposed=date(2020, 9, 30),
        reason="Nhiều Bộ, ngành chưa gửi danh mục đề xuất xây dựng TCVN, QCVN.",
        decided=_at(date(2020, 7, 2), 14),
        approve=False,
        comment="Không gia hạn: đề nghị đơn vị đôn đốc các Bộ, ngành và báo cáo kết quả hằng tháng.",
    ),
}
# Completions nobody confirmed by the end of 2020.
AWAITING_AT_YEAR_END = {"NV-2020-23", "NV-2020-14"}
# A completion returned for a missing output, then completed again and confirmed.
RETURNED = {
    "NV-2020-06": (
        "Hồ sơ chưa kèm dự thảo danh mục SPHH nhóm 2 đã sửa đổi; đề nghị bổ sung.",
        date(2020, 11, 6),
        f"Tờ trình số 245/TTr-QLCL ngày 06/11/2020 kèm dự thảo danh mục {ILLUSTRATIVE}",
    ),
}
HOLD_DOCUMENTS = {
    "NV-2020-14": f"Công văn số 512/TĐC-VP ngày 27/03/2020 {ILLUSTRATIVE}",
    "NV-2020-19": f"Công văn số 1650/TĐC-VP ngày 11/09/2020 {ILLUSTRATIVE}",
    "NV-2020-16": f"Công văn số 915/TĐC-VP ngày 05/06/2020 {ILLUSTRATIVE}",
}


@dataclass(frozen=True)
class Action:
    at: datetime
    kind: str  # update | request | decide | review
    data: dict = field(default_factory=dict)
    by: str = "staff"  # staff | head | leadership


def output_ref(code: str, expected_output: str) -> str:
    if code in REAL_OUTPUTS:
        return REAL_OUTPUTS[code]
    short = (expected_output or "Báo cáo kết quả thực hiện nhiệm vụ").split(";")[0].strip()
    return f"{short[:200]} {ILLUSTRATIVE}"


def task_actions(code: str, steps: list[Step], *, expected_output: str) -> list[Action]:
    """Every action on one task through 2020, in the order it happened."""
    actions: list[Action] = []
    status = "not_started"
    for step in steps:
        by = "head" if step.by_head else "staff"
        if step.status in ("on_hold", "cancelled") and step.status != status:
            kind = "on_hold" if step.status == "on_hold" else "cancel"
            actions.append(Action(step.at - timedelta(days=2), "request", {"kind": kind, "reason": step.note}, "head"))
            actions.append(
                Action(
                    step.at,
                    "decide",
                    {"kind": kind, "approve": True, "document_ref": HOLD_DOCUMENTS.get(code, "")},
                    "leadership",
                )
            )
        elif step.status == "completed" and status != "completed":
            actions.append(
                Action(step.at, "update", {"step": step, "output_ref": output_ref(code, expected_output)}, "head")
            )
            actions += _review(code, step.at)
        elif step.status != "on_hold" or status == "on_hold":
            actions.append(Action(step.at, "update", {"step": step}, by))
        status = step.status
    extension = EXTENSIONS.get(code)
    if extension:
        actions.append(Action(extension.asked, "request", {"kind": "extension", "extension": extension}, "head"))
        actions.append(Action(extension.decided, "decide", {"kind": "extension", "extension": extension}, "leadership"))
    return sorted(actions, key=lambda action: action.at)


def _review(code: str, completed_at: datetime) -> list[Action]:
    if code in AWAITING_AT_YEAR_END:
        return []
    if code in RETURNED:
        reason, again, output = RETURNED[code]
        redo = Step(_at(again, 15), "completed", 100, "Đã bổ sung dự thảo danh mục theo ý kiến của Lãnh đạo Tổng cục.")
        return [
            Action(completed_at + timedelta(days=5), "review", {"decision": "return", "comment": reason}, "leadership"),
            Action(redo.at, "update", {"step": redo, "output_ref": output}, "head"),
            Action(redo.at + timedelta(days=7), "review", {"decision": "confirm", "comment": ""}, "leadership"),
        ]
    review_at = completed_at + timedelta(days=4)
    if review_at.year > completed_at.year:  # keep the year's confirmations within the year
        review_at = completed_at + timedelta(hours=1)
    return [Action(review_at, "review", {"decision": "confirm", "comment": ""}, "leadership")]
