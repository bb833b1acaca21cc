"""The periodic jobs' names and descriptions in Vietnamese: admins read them in the admin.

Renames only a job that still has its original English name, so an admin's own edit survives.
"""

from django.db import migrations

NAMES = {
    "Weekly update reminders (Friday 14:00)": (
        "Nhắc cập nhật tiến độ hằng tuần (thứ Sáu 14:00)",
        "Gửi thư nhắc cán bộ các đơn vị có nhiệm vụ đang thực hiện mà chưa cập nhật trong tuần.",
    ),
    "Weekly reports (Monday 07:00)": (
        "Báo cáo tuần (thứ Hai 07:00)",
        "Lập báo cáo của tuần vừa kết thúc (và các tuần còn thiếu), rồi gửi thư.",
    ),
    "Weekly reports catch-up (every 10 minutes)": (
        "Lập bù báo cáo tuần (10 phút một lần)",
        "Lập các tuần còn thiếu và các báo cáo được yêu cầu lập lại, gửi thư còn chờ, xóa tệp không dùng.",
    ),
}


def rename(apps, schema_editor, *, forward=True):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for english, (vietnamese, description) in NAMES.items():
        old, new = (english, vietnamese) if forward else (vietnamese, english)
        if PeriodicTask.objects.filter(name=new).exists():
            continue
        fields = {"name": new, "description": description} if forward else {"name": new}
        PeriodicTask.objects.filter(name=old).update(**fields)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_catch_up_schedule")]

    operations = [migrations.RunPython(rename, lambda apps, editor: rename(apps, editor, forward=False))]
