"""A realistic, deterministic progress history for the 2020 plan.

Each task follows a scenario (finished on time, finished late, stalled, on
hold, cancelled) chosen to match what is known of 2020: COVID-19 moved
meetings online in spring; ACCSQ-53 was held online on 13-14/07/2020 with
Vietnam taking the chair; Vietnam took the ACCSQ WG2 chair on 29/07/2020; the
2021-2030 productivity programme was approved by QĐ 1322/QĐ-TTg on
31/08/2020. Everything else is an illustration, not a record.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Scenario:
    kind: str  # on_time | late | stalled | on_hold | cancelled
    finish: date | None = None  # completion day (on_time / late)
    first: date = date(2020, 1, 10)  # first update
    stall_at: int = 0  # progress where it stalls (stalled / on_hold / cancelled)
    stop: date | None = None  # when it goes on hold / is cancelled / stalls
    finish_note: str = ""
    stop_note: str = ""


D = date
SCENARIOS: dict[str, Scenario] = {
    "NV-2020-01": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-02": Scenario(
        "late", D(2020, 7, 24), finish_note="Đã gửi Bộ KH&CN báo cáo rà soát, kiến nghị sửa đổi điều kiện kinh doanh."
    ),
    "NV-2020-03": Scenario("on_time", D(2020, 9, 25)),
    "NV-2020-04": Scenario("on_time", D(2020, 2, 25), first=D(2020, 1, 3)),
    "NV-2020-05": Scenario("late", D(2020, 8, 14)),
    "NV-2020-06": Scenario("late", D(2020, 10, 23)),
    "NV-2020-07": Scenario(
        "stalled",
        stall_at=50,
        stop=D(2020, 8, 7),
        stop_note="Chờ ý kiến các Bộ, ngành về phương án đổi mới; chưa tổng hợp xong.",
    ),
    "NV-2020-08": Scenario("on_time", D(2020, 9, 18)),
    "NV-2020-09": Scenario("on_time", D(2020, 12, 4), first=D(2020, 5, 8)),
    "NV-2020-10": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-11": Scenario(
        "stalled",
        stall_at=60,
        stop=D(2020, 6, 12),
        stop_note="Nhiều Bộ, ngành chưa gửi danh mục đề xuất; đã có văn bản đôn đốc.",
    ),
    "NV-2020-12": Scenario("on_time", D(2020, 11, 27)),
    "NV-2020-13": Scenario("on_time", D(2020, 12, 10)),
    "NV-2020-14": Scenario(
        "late",
        D(2020, 12, 29),
        stop=D(2020, 3, 27),
        stop_note="Tạm dừng các đoàn khảo sát, kiểm tra tại địa phương do dịch COVID-19.",
    ),
    "NV-2020-15": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-16": Scenario(
        "cancelled",
        stall_at=20,
        stop=D(2020, 6, 5),
        stop_note="Theo chỉ đạo của Lãnh đạo Tổng cục, nội dung được lồng ghép vào nhiệm vụ NV-2020-01.",
    ),
    "NV-2020-17": Scenario(
        "stalled", stall_at=70, stop=D(2020, 10, 16), stop_note="Kế hoạch hậu kiểm quý IV chưa triển khai hết."
    ),
    "NV-2020-18": Scenario("on_time", D(2020, 11, 27)),
    "NV-2020-19": Scenario(
        "on_hold",
        stall_at=40,
        stop=D(2020, 9, 11),
        stop_note="Tạm dừng chờ chủ trương sắp xếp, kiện toàn các đơn vị sự nghiệp.",
    ),
    "NV-2020-20": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-21": Scenario(
        "late",
        D(2020, 8, 31),
        finish_note="Chương trình giai đoạn 2021-2030 được phê duyệt tại Quyết định 1322/QĐ-TTg ngày 31/8/2020.",
    ),
    "NV-2020-22": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-23": Scenario("on_time", D(2020, 12, 14)),
    "NV-2020-24": Scenario(
        "stalled",
        stall_at=80,
        stop=D(2020, 11, 6),
        stop_note="Còn 3 địa phương chưa báo cáo kết quả duy trì mô hình khung.",
    ),
    "NV-2020-25": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-26": Scenario("on_time", D(2020, 11, 27)),
    "NV-2020-26.1": Scenario(
        "on_time",
        D(2020, 7, 14),
        finish_note="Hội nghị ACCSQ-53 tổ chức trực tuyến ngày 13-14/7/2020; Việt Nam chính thức đảm nhận vai trò Chủ tịch ACCSQ.",
    ),
    "NV-2020-26.2": Scenario(
        "on_time",
        D(2020, 7, 29),
        finish_note="Ngày 29/7/2020 Việt Nam đảm nhận vai trò Chủ tịch WG2; đoàn do QUACERT dẫn đầu.",
    ),
    "NV-2020-27": Scenario("on_time", D(2020, 12, 4)),
    "NV-2020-28": Scenario("on_time", D(2020, 12, 10)),
    "NV-2020-29": Scenario("on_time", D(2020, 12, 11)),
    "NV-2020-30": Scenario("on_time", D(2020, 12, 11)),
}

EARLY_NOTES = [
    "Xây dựng kế hoạch chi tiết, phân công cán bộ thực hiện.",
    "Đã ban hành kế hoạch triển khai của đơn vị; đang thu thập tài liệu.",
    "Đã gửi văn bản đề nghị các đơn vị phối hợp cử đầu mối.",
]
MIDDLE_NOTES = [
    "Đã tổ chức họp với các đơn vị phối hợp; đang hoàn thiện dự thảo.",
    "Đang tổng hợp ý kiến góp ý của các đơn vị liên quan.",
    "Đã hoàn thành dự thảo lần 1, gửi xin ý kiến.",
    "Đang chỉnh sửa dự thảo theo ý kiến góp ý.",
    "Tiếp tục triển khai theo kế hoạch; chưa phát sinh vướng mắc.",
]
COVID_NOTES = [
    "Một số hoạt động chuyển sang hình thức trực tuyến do dịch COVID-19.",
    "Hội thảo lấy ý kiến được lùi lại do giãn cách xã hội; đang lấy ý kiến bằng văn bản.",
]
LATE_NOTES = [
    "Đang hoàn thiện hồ sơ trình Lãnh đạo Tổng cục.",
    "Đã trình Lãnh đạo Tổng cục; đang chỉnh sửa theo ý kiến chỉ đạo.",
]
STALLED_NOTES = [
    "Chưa có tiến triển mới; đang chờ ý kiến của đơn vị phối hợp.",
    "Đã đôn đốc các đơn vị liên quan; chưa nhận đủ báo cáo.",
]


@dataclass(frozen=True)
class Step:
    at: datetime
    status: str
    progress: int
    note: str
    by_head: bool = False


def _friday_after(day: date) -> date:
    return day + timedelta(days=(4 - day.weekday()) % 7)


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(15, 0), tzinfo=TZ) + timedelta(minutes=rng.randrange(0, 150))


def _note(day: date, progress: int, rng: random.Random) -> str:
    if date(2020, 3, 15) <= day <= date(2020, 5, 10) and rng.random() < 0.5:
        return rng.choice(COVID_NOTES)
    if progress < 25:
        return rng.choice(EARLY_NOTES)
    if progress < 80:
        return rng.choice(MIDDLE_NOTES)
    return rng.choice(LATE_NOTES)


def plan_steps(code: str, *, expected_output: str, end: date = date(2020, 12, 31)) -> list[Step]:
    """The updates one task receives through the year, in order."""
    sc = SCENARIOS.get(code, Scenario("on_time", date(2020, 12, 11)))
    rng = random.Random(f"plan-portal-2020-{code}")
    steps: list[Step] = []
    progress = 0
    target_day = sc.finish or sc.stop or end
    day = _friday_after(sc.first)
    weeks_total = max(1, (target_day - day).days // 7)
    paused_until = None
    if sc.kind == "late" and sc.stop:  # on hold for a while, then resumed
        paused_until = sc.stop + timedelta(days=56)
    while day <= end:
        if sc.kind in ("stalled", "on_hold", "cancelled") and sc.stop and day >= sc.stop:
            break
        if sc.finish and day >= sc.finish:
            break
        if paused_until and sc.stop <= day < paused_until:
            if not steps or steps[-1].status != "on_hold":
                steps.append(Step(_moment(day, rng), "on_hold", progress, sc.stop_note))
            day += timedelta(days=7)
            continue
        if rng.random() < 0.8:  # weekly-ish: some weeks go unreported
            share = min(1.0, ((day - sc.first).days / 7 + 1) / weeks_total)
            cap = sc.stall_at if sc.kind in ("stalled", "on_hold", "cancelled") else 95
            goal = min(cap, round(share * cap))
            progress = max(progress, min(cap, goal + rng.randrange(-3, 4)))
            steps.append(Step(_moment(day, rng), "in_progress", progress, _note(day, progress, rng)))
        day += timedelta(days=7)

    if sc.kind in ("on_time", "late"):
        note = sc.finish_note or f"Đã hoàn thành. Sản phẩm: {expected_output}"
        steps.append(Step(_moment(sc.finish, rng), "completed", 100, note, by_head=True))
    elif sc.kind == "on_hold":
        steps.append(Step(_moment(sc.stop, rng), "on_hold", progress, sc.stop_note, by_head=True))
    elif sc.kind == "cancelled":
        steps.append(Step(_moment(sc.stop, rng), "cancelled", progress, sc.stop_note, by_head=True))
    elif sc.kind == "stalled":
        steps.append(Step(_moment(sc.stop, rng), "in_progress", progress, sc.stop_note))
        day = sc.stop + timedelta(days=35)
        while day <= end:  # occasional updates with no progress
            steps.append(Step(_moment(_friday_after(day), rng), "in_progress", progress, rng.choice(STALLED_NOTES)))
            day += timedelta(days=rng.choice([28, 35, 42]))
    return steps
