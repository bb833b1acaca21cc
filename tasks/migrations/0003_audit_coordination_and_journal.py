import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_coordinating_unit_codes(apps, schema_editor):
    """Existing tasks and their past history rows get today's coordinating units:
    earlier changes were never recorded, so the history starts from here
    (without this every task's next edit would show a change from nothing)."""
    Task = apps.get_model("tasks", "Task")
    HistoricalTask = apps.get_model("tasks", "HistoricalTask")
    TaskCoordination = apps.get_model("tasks", "TaskCoordination")
    codes: dict[int, list[str]] = {}
    for task_id, code in TaskCoordination.objects.order_by("unit__code").values_list("task_id", "unit__code"):
        codes.setdefault(task_id, []).append(code)
    for task_id, unit_codes in codes.items():
        joined = ", ".join(unit_codes)
        Task.objects.filter(pk=task_id).update(coordinating_unit_codes=joined)
        HistoricalTask.objects.filter(id=task_id).update(coordinating_unit_codes=joined)


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0002_task_search_trigram'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltask',
            name='coordinating_unit_codes',
            field=models.CharField(blank=True, max_length=1000, verbose_name='coordinating units'),
        ),
        migrations.AddField(
            model_name='task',
            name='coordinating_unit_codes',
            field=models.CharField(blank=True, max_length=1000, verbose_name='coordinating units'),
        ),
        migrations.CreateModel(
            name='JournalAuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('note_corrected', 'Note corrected'), ('deleted', 'Deleted')], max_length=16, verbose_name='action')),
                ('task_code', models.CharField(max_length=32, verbose_name='task code')),
                ('update_id', models.PositiveBigIntegerField(verbose_name='journal entry')),
                ('actor_username', models.CharField(max_length=150, verbose_name='by (user name)')),
                ('at', models.DateTimeField(auto_now_add=True, verbose_name='when')),
                ('old_note', models.TextField(blank=True, verbose_name='old note')),
                ('new_note', models.TextField(blank=True, verbose_name='new note')),
                ('entry', models.JSONField(default=dict, verbose_name='entry as it was')),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('task', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='journal_audit', to='tasks.task', verbose_name='task')),
            ],
            options={
                'verbose_name': 'journal audit entry',
                'verbose_name_plural': 'journal audit',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['task', '-at'], name='journal_audit_task_idx')],
            },
        ),
        migrations.RunPython(fill_coordinating_unit_codes, migrations.RunPython.noop),
    ]
