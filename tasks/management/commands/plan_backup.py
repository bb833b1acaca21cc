import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tasks.backup import plan_backup_export, plan_backup_restore
from tasks.models import WorkPlan


class Command(BaseCommand):
    help = (
        "Export a work plan with its journal, units and people to a JSON file (--plan YEAR --output FILE), "
        "or restore such a file into a database without that plan (--restore FILE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, help="Year of the plan to export.")
        parser.add_argument("--output", type=Path, help="File to write (export).")
        parser.add_argument("--restore", type=Path, metavar="FILE", help="Backup file to restore.")

    def handle(self, *args, **options):
        if options["restore"]:
            return self._restore(options["restore"])
        if not options["plan"] or not options["output"]:
            raise CommandError("Give --plan YEAR --output FILE to export, or --restore FILE.")
        plan = WorkPlan.objects.filter(year=options["plan"]).first()
        if plan is None:
            raise CommandError(f"No plan for {options['plan']}.")
        data = plan_backup_export(plan=plan)
        options["output"].write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        self.stdout.write(
            f"Plan {plan.year}: {len(data['tasks'])} tasks, {len(data['journal'])} journal entries, "
            f"{len(data['units'])} units, {len(data['users'])} people -> {options['output']}"
        )

    def _restore(self, path: Path):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            plan = plan_backup_restore(data=data)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Plan {plan.year} restored: {plan.tasks.count()} tasks, {len(data['journal'])} journal entries."
        )
