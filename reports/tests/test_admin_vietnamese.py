import importlib
from datetime import date

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from plan_portal.dates import week_display
from reports.admin_beat import crontab_description

pytestmark = pytest.mark.django_db


def test_a_cron_schedule_reads_in_vietnamese_in_24_hour_time():
    # given the Monday 07:00 schedule
    crontab = CrontabSchedule(minute="0", hour="7", day_of_week="1", timezone="Asia/Ho_Chi_Minh")
    # when the admin describes it in Vietnamese
    with translation.override("vi"):
        text = crontab_description(crontab)
    # then it is Vietnamese, not cron-descriptor's English
    assert text == "Lúc 07:00 Thứ 2 hằng tuần (Asia/Ho_Chi_Minh)"
    every_ten_minutes = CrontabSchedule(minute="*/10", hour="*", day_of_week="*", timezone="Asia/Ho_Chi_Minh")
    with translation.override("vi"):
        assert "Monday" not in crontab_description(every_ten_minutes)


def test_the_leadership_group_is_named_in_the_readers_language():
    # given the group the code looks up by its English key (a migration of tasks creates it)
    group = Group.objects.get_or_create(name=settings.LEADERSHIP_GROUP)[0]
    # then people read it in their language
    with translation.override("vi"):
        assert str(group) == "Lãnh đạo"
    with translation.override("en"):
        assert str(group) == "Leadership"
    assert str(Group(name="Văn thư")) == "Văn thư"


def test_the_migration_renames_the_english_jobs_but_keeps_an_admins_own_name():
    # given the two jobs as first created, one of them renamed by an admin
    migration = importlib.import_module("reports.migrations.0005_vietnamese_job_names")
    PeriodicTask.objects.all().delete()
    crontab = CrontabSchedule.objects.create(minute="0", hour="7", day_of_week="1")
    PeriodicTask.objects.create(name="Weekly reports (Monday 07:00)", task="a", crontab=crontab, description="x")
    PeriodicTask.objects.create(name="Báo cáo của văn phòng", task="b", crontab=crontab, description="y")
    # when the migration runs (twice)
    migration.rename(django_apps, None)
    migration.rename(django_apps, None)
    # then only the English one is renamed
    assert sorted(PeriodicTask.objects.values_list("name", "description")) == [
        ("Báo cáo của văn phòng", "y"),
        ("Báo cáo tuần (thứ Hai 07:00)", "Lập báo cáo của tuần vừa kết thúc (và các tuần còn thiếu), rồi gửi thư."),
    ]


def test_a_week_reads_as_people_say_it():
    with translation.override("vi"):
        assert week_display(iso_year=2020, iso_week=40, start=date(2020, 9, 28), end=date(2020, 10, 4)) == (
            "Tuần 40/2020 (28/09–04/10)"
        )
