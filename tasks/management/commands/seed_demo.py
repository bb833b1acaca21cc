import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tasks.demo.history import plan_steps
from tasks.demo.process import task_actions
from tasks.demo.scale import BIG_PLAN_YEAR, LARGE, seed_scale
from tasks.demo.talk import seed_talk
from tasks.models import RequestState, Task, TaskRequest, WorkPlan
from tasks.services import completion_review, request_create, request_decide, task_record_progress
from units.models import Membership, Unit
from units.services import membership_set

DEMO_DOMAIN = "plan-portal.example"


class Command(BaseCommand):
    help = "Create the demo accounts and the 2020 progress history. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            help="Also write the load-test data set: 'large' (60 units, 600 people, 5,000 tasks, "
            "250,000 updates) or a number N (N/100 of it). Written once; a second run skips it.",
        )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT
        if not WorkPlan.objects.filter(year=2020).exists():
            call_command("load_plan", stdout=self.stdout)
        with transaction.atomic():
            accounts = self._accounts(password)
        with transaction.atomic():
            written = self._history()
        self.stdout.write(self.style.SUCCESS(f"Demo history: {written} update(s) written."))
        with transaction.atomic():
            talk = seed_talk()
        self.stdout.write(
            self.style.SUCCESS(f"Demo talk: {talk['comments']} comment(s), {talk['urgings']} urging note(s) written.")
        )
        if options.get("scale"):
            self._scale(options["scale"], password)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Demo accounts (password: {password})"))
        for username, label in accounts:
            self.stdout.write(f"  {username:<16} {label}")

    def _scale(self, value: str, password: str) -> None:
        scale = LARGE if value == "large" else int(value) if str(value).isdigit() else 0
        if scale < 1:
            raise CommandError("--scale takes 'large' or a whole number from 1 (100 is 'large').")
        written = seed_scale(scale=scale, password=password)
        if written.get("skipped"):
            self.stdout.write(f"Load-test data: plan {BIG_PLAN_YEAR} already has tasks; nothing written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Load-test data (scale {scale}): {written}"))

    def _user(self, username: str, password: str, **fields):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@{DEMO_DOMAIN}", **fields)
            # Only on creation: a second run must not change anything.
            user.set_password(password)
            user.save()
        return user

    def _accounts(self, password: str) -> list[tuple[str, str]]:
        accounts = []
        self._user("admin", password, is_staff=True, is_superuser=True, first_name="Quản trị hệ thống")
        accounts.append(("admin", "superuser"))
        leadership, _ = Group.objects.get_or_create(name=settings.LEADERSHIP_GROUP)
        # Normally given by migration tasks/0004; granted again in case the group was re-created.
        leadership.permissions.add(Permission.objects.get(content_type__app_label="tasks", codename="decide_request"))
        lanhdao = self._user("lanhdao", password, first_name="Lãnh đạo Tổng cục")
        lanhdao.groups.add(leadership)
        accounts.append(("lanhdao", "Leadership"))
        for unit in Unit.objects.internal().order_by("sort_order", "code"):
            staff = self._user(unit.code.lower(), password, first_name=f"Chuyên viên {unit.name}")
            membership_set(user=staff, unit=unit, role=Membership.Role.STAFF)
            head = self._user(f"{unit.code.lower()}-head", password, first_name=f"Lãnh đạo {unit.name}")
            membership_set(user=head, unit=unit, role=Membership.Role.HEAD)
            accounts.append((staff.username, f"staff, {unit.code}"))
            accounts.append((head.username, f"head, {unit.code}"))
        return accounts

    def _history(self) -> int:
        """Each task's year through the process: updates by the lead unit,
        requests by its head, decisions and reviews by Leadership. Only tasks
        without any update are written, so a second run changes nothing."""
        User = get_user_model()
        users = {user.username: user for user in User.objects.filter(memberships__isnull=False)}
        leader = User.objects.get(username="lanhdao")
        written = 0
        tasks = Task.objects.filter(plan__year=2020, updates__isnull=True).select_related("lead_unit")
        for task in tasks.order_by("code"):
            people = {
                "staff": users.get(task.lead_unit.code.lower()),
                "head": users.get(f"{task.lead_unit.code.lower()}-head"),
                "leadership": leader,
            }
            if people["staff"] is None or people["head"] is None:
                continue
            steps = plan_steps(task.code, expected_output=task.expected_output)
            for action in task_actions(task.code, steps, expected_output=task.expected_output):
                written += self._act(task, action, people[action.by])
        return written

    def _act(self, task: Task, action, person) -> int:
        data = action.data
        if action.kind == "update":
            step = data["step"]
            task_record_progress(
                task=task,
                author=person,
                status=step.status,
                progress=step.progress,
                note=step.note,
                recorded_at=step.at,
                output_ref=data.get("output_ref", ""),
            )
            return 1
        if action.kind == "request":
            extension = data.get("extension")
            request_create(
                task=task,
                requester=person,
                kind=data["kind"],
                reason=extension.reason if extension else data["reason"],
                proposed_due_date=extension.proposed if extension else None,
                at=action.at,
            )
        elif action.kind == "decide":
            extension = data.get("extension")
            pending = TaskRequest.objects.get(task=task, kind=data["kind"], state=RequestState.PENDING)
            request_decide(
                task_request=pending,
                decider=person,
                decision="approve" if (extension.approve if extension else data["approve"]) else "reject",
                document_ref=extension.document_ref if extension else data.get("document_ref", ""),
                comment=extension.comment if extension else "",
                at=action.at,
            )
        elif action.kind == "review":
            completion_review(
                task=task, reviewer=person, decision=data["decision"], comment=data["comment"], at=action.at
            )
        task.refresh_from_db()
        return 0
