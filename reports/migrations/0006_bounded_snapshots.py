"""Weekly snapshots of versions 1-2 held every task of the plan (3-4 MB a report
on a large plan, parsed on every view of the page): keep what version 3 keeps.

Drops "tasks" (the XLSX already holds them), cuts each list to its 10 most
important rows ranked as weekly_report_snapshot ranks them, and records the
full counts in "totals". The figures are untouched; the files stay as they
were (`manage.py build_reports --plan YEAR` rebuilds them in the new layout).
Written out here, not imported, so the migration keeps working as the app changes.
"""

from django.db import migrations

LIMIT = 10
NEWEST = ("status_changes", "notes", "extensions", "returned")
OLDEST = ("completed", "pending_requests")
RANKED = {
    "newly_overdue": lambda t: (t.get("due_date") or "", t.get("code", "")),
    "at_risk": lambda t: (-(t.get("expected", 0) - t.get("progress", 0)), t.get("code", "")),
    "stale": lambda t: (t.get("last_update") is not None, t.get("last_update") or "", t.get("code", "")),
    "awaiting_confirmation": lambda t: (t.get("completed_at") or "", t.get("code", "")),
}


def bounded(snapshot: dict) -> dict:
    slim = {key: value for key, value in snapshot.items() if key != "tasks"}
    totals = {}
    for key in (*NEWEST, *OLDEST, *RANKED):
        rows = list(slim.get(key, []))
        totals[key] = len(rows)
        if key in RANKED:
            rows.sort(key=RANKED[key])
        slim[key] = rows[-LIMIT:] if key in NEWEST else rows[:LIMIT]
    totals["units_not_updated"] = len(slim.get("units_not_updated", []))
    slim["totals"] = totals
    slim["version"] = 3
    return slim


def bound_old_snapshots(apps, schema_editor):
    WeeklyReport = apps.get_model("reports", "WeeklyReport")
    for report in WeeklyReport.objects.only("pk", "snapshot").iterator(chunk_size=20):
        snapshot = report.snapshot or {}
        if snapshot.get("version", 1) >= 3 or "counts" not in snapshot:
            continue
        WeeklyReport.objects.filter(pk=report.pk).update(snapshot=bounded(snapshot))


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_vietnamese_job_names")]

    operations = [migrations.RunPython(bound_old_snapshots, migrations.RunPython.noop, elidable=True)]
