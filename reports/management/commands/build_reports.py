"""Build or rebuild weekly reports through the queue and wait for them.

    manage.py build_reports --plan 2020              # every ended week of the plan
    manage.py build_reports --plan 2020 --weeks 26
    manage.py build_reports --plan 2020 --weeks 1-52 --email

One job per week (a Celery group): a worker builds them when REDIS_URL is set;
in embedded mode (no REDIS_URL) the same jobs run in this process.
"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plan_portal.celery import app as celery_app
from reports.enqueue import weekly_reports_enqueue
from reports.selectors import plan_all_weeks, plan_report_weeks
from reports.tasks import result_wait
from tasks.models import WorkPlan


def parse_weeks(spec: str) -> list[int]:
    """'26', '1-52' or '1-4,10' -> sorted week numbers."""
    weeks: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        try:
            if "-" in part:
                first, last = (int(x) for x in part.split("-", 1))
                if first > last:
                    raise ValueError
                weeks.update(range(first, last + 1))
            else:
                weeks.add(int(part))
        except ValueError:
            raise CommandError(f"--weeks: cannot read {part!r}; use e.g. 26, 1-52 or 1-4,10.") from None
    return sorted(weeks)


class Command(BaseCommand):
    help = "Build (or rebuild) weekly reports through the Celery queue and wait for the results."

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=int, required=True, help="Plan year, e.g. 2020.")
        parser.add_argument("--weeks", help="ISO weeks of the plan year: 26, 1-52 or 1-4,10. Default: all ended weeks.")
        parser.add_argument("--timeout", type=int, default=600, help="Seconds to wait for each week (default 600).")
        parser.add_argument("--queue", help="Celery queue to send the jobs to (default: the default queue).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, plan, weeks, timeout, no_progress, queue=None, **options):
        plan_obj = WorkPlan.objects.filter(year=plan).first()
        if plan_obj is None:
            raise CommandError(f"No work plan for {plan}. Run `manage.py load_plan` first.")
        if weeks:
            available = {week for year, week in plan_all_weeks(plan=plan_obj) if year == plan}
            wanted = parse_weeks(weeks)
            outside = [w for w in wanted if w not in available]
            if outside:
                raise CommandError(f"Weeks not in the {plan} plan: {', '.join(map(str, outside))}.")
            selected = [(plan, w) for w in wanted]
        else:
            selected = plan_report_weeks(plan=plan_obj)
        if not selected:
            self.stdout.write("No ended week to build yet.")
            return

        mode = "in-process (no REDIS_URL)" if celery_app.conf.task_always_eager else "via the Celery queue"
        self.stdout.write(f"Building {len(selected)} weekly report(s) of {plan} {mode}...")
        started = time.monotonic()
        try:
            results = self._send(plan_obj, selected, queue)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        failures = []
        with tqdm(total=len(selected), unit="week", disable=no_progress, file=self.stderr._out) as bar:
            for (year, week), result in zip(selected, results, strict=True):
                try:
                    result_wait(result, timeout=timeout)
                except Exception as exc:
                    failures.append(f"{year}-W{week:02d}: {exc!r}")
                bar.update(1)
        elapsed = time.monotonic() - started
        if failures:
            raise CommandError(f"{len(failures)} week(s) failed:\n" + "\n".join(failures))
        self.stdout.write(self.style.SUCCESS(f"Built {len(selected)} weekly report(s) of {plan} in {elapsed:.1f} s."))

    def _send(self, plan, weeks, queue):
        """The group's results; lazily in embedded mode, so each week runs (in
        this process) as the progress bar asks for it."""
        if celery_app.conf.task_always_eager:
            return (weekly_reports_enqueue(plan=plan, weeks=[week]).results[0] for week in weeks)
        return weekly_reports_enqueue(plan=plan, weeks=weeks, queue=queue).results
