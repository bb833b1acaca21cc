"""Trigram index for the task list's search (PostgreSQL only).

The list folds the query with plan_portal.text.normalize_search and matches
it against Task.search_text with LIKE '%…%'. On PostgreSQL a GIN trigram
index makes that fast on large plans; SQLite has no equivalent and scans
(a few thousand rows, which is fine), so the migration does nothing there.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS task_search_trgm_idx ON tasks_task USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS task_search_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
