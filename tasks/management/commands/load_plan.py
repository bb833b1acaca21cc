import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from tasks.services import plan_sync
from units.services import units_sync

DATA_DIR = Path(__file__).resolve().parents[3]
UNITS_FILE = DATA_DIR / "units" / "data" / "units.json"
PLAN_FILES = sorted((DATA_DIR / "tasks" / "data").glob("plan_*.json"))


class Command(BaseCommand):
    help = "Load the agency's units and work plans from the project's data files. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--plan-file", action="append", type=Path, help="Plan JSON file(s); default: all.")

    @transaction.atomic
    def handle(self, *args, **options):
        stats = units_sync(rows=json.loads(UNITS_FILE.read_text(encoding="utf-8")))
        self.stdout.write(f"Units: {stats}")
        for path in options["plan_file"] or PLAN_FILES:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.stdout.write(f"Plan {data['year']}: {plan_sync(data=data)}")
