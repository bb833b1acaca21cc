"""`make bench`: the portal under load, every page as a share of the floor.

Against its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/plan_portal_bench; created, migrated and
seeded with `seed_demo --scale large` when missing), it starts gunicorn
(production settings, 2 workers) and a Celery worker, signs in, drives each
page with wrk at 16 connections for BENCH_DURATION seconds, then builds one
weekly report and the whole large plan's through the worker. Prints one table
and writes it as JSON to bench/results/<timestamp>.json.

Knobs (environment): BENCH_DURATION (seconds per page, default 20),
BENCH_REPORTS (all | one | none, default all; a smoke run is
BENCH_DURATION=3 BENCH_REPORTS=none, about a minute once the data exists), BENCH_REPORTS_BUDGET (seconds
for the 53 reports, default 240), BENCH_PORT (default 8765), BENCH_REDIS_URL
(default redis://127.0.0.1:6379/14; the cache uses the next database).
"""

import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
DURATION = int(os.environ.get("BENCH_DURATION", "20"))
REPORTS = os.environ.get("BENCH_REPORTS", "all")
REPORTS_BUDGET = int(os.environ.get("BENCH_REPORTS_BUDGET", "240"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plan_portal_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUE = f"bench-{os.getpid()}"
PLAN = 2015  # seed_demo --scale's big plan (4,600 tasks, 53 ISO weeks)
BASE = f"http://127.0.0.1:{PORT}"
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "plan_portal.settings.production",
    "DATABASE_URL": DB_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 40),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "False",  # plain HTTP on the loopback; TLS is the proxy's job
    "BENCH": "1",
    "STATIC_COMPRESS": "false",  # a quicker collectstatic; the bench measures Django, not nginx
    "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "ChangeMe-2020"),
}


def manage(*args: str, timeout: float | None = None) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout, check=True
    )
    return done.stdout


def prepare_database() -> None:
    """Create, migrate and seed the bench database when it is missing (idempotent)."""
    name = urllib.parse.urlparse(DB_URL).path.lstrip("/")
    admin_url = DB_URL.rsplit("/", 1)[0] + "/postgres"
    code = (
        "import psycopg2,sys;c=psycopg2.connect(sys.argv[1]);c.autocommit=True;k=c.cursor();"
        "k.execute('select 1 from pg_database where datname=%s',(sys.argv[2],));"
        "k.fetchone() or k.execute('create database \"%s\"' % sys.argv[2])"
    )
    subprocess.run([PY, "-c", code, admin_url, name], check=True)
    print(f"bench: database {name}: migrate, seed (first run: about a minute)", flush=True)
    manage("migrate", "--no-input", "-v0")
    manage("collectstatic", "--no-input", "-v0")
    manage("load_plan")
    subprocess.run(
        [PY, "manage.py", "seed_demo", "--scale", "large"], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL
    )
    manage("shell", "-c", BENCH_ACCOUNT)


# The bench account is a member of every unit, so it may post to any task.
BENCH_ACCOUNT = """
from django.contrib.auth import get_user_model
from units.models import Membership, Unit
user, created = get_user_model().objects.get_or_create(username="bench")
if created:
    user.set_password("bench-Password-1"); user.save()
for unit in Unit.objects.all():
    Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": "staff"})
"""

TARGETS_SQL = """
import json
from tasks.models import Task
big = Task.objects.filter(plan__year=%d)
longest = big.get(code="L%d-00001")
unit = longest.lead_unit.code
# Open tasks only: moving a cancelled task is Leadership's decision, so a post to one is refused (422).
rows = list(big.filter(status__in=["not_started", "in_progress"]).order_by("-id").values_list("id", "version"))
print(json.dumps({"long_task": longest.pk, "unit": unit, "posts": rows}))
"""


def targets() -> dict:
    out = manage("shell", "-c", TARGETS_SQL % (PLAN, PLAN))
    return json.loads(out.strip().splitlines()[-1])


def start(cmd: list[str], log: str) -> subprocess.Popen:
    handle = open(ROOT / "bench" / "results" / log, "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def start_servers() -> tuple[subprocess.Popen, subprocess.Popen]:
    gunicorn = start(
        [str(BIN / "gunicorn"), "plan_portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}", "--no-control-socket"],
        "gunicorn.log",
    )
    worker = start(
        [str(BIN / "celery"), "-A", "plan_portal", "worker", "-P", "solo", "-Q", QUEUE, "--loglevel=WARNING"],
        "worker.log",
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{BASE}/accounts/login/", timeout=2)
            return gunicorn, worker
        except OSError:
            time.sleep(0.5)
    raise SystemExit("bench: gunicorn did not answer within 60 s (see bench/results/gunicorn.log)")


def _cookies(response, jar: dict) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in() -> tuple[str, str]:
    """Session and CSRF cookies of the bench account (the secure flag is ignored on purpose: plain HTTP)."""
    jar: dict = {}
    page = urllib.request.urlopen(f"{BASE}/accounts/login/")
    _cookies(page, jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode({"username": "bench", "password": "bench-Password-1", "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{BASE}/accounts/login/", data=body.encode(), method="POST")
    request.add_header("Cookie", f"csrftoken={jar['csrftoken']}")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(request)
    except urllib.error.HTTPError as answer:  # the 302 after signing in
        _cookies(answer, jar)
    if "sessionid" not in jar:
        raise SystemExit("bench: could not sign in as 'bench'")
    return "; ".join(f"{k}={v}" for k, v in jar.items()), jar["csrftoken"]


def timed_get(path: str, cookie: str) -> float:
    request = urllib.request.Request(BASE + path, headers={"Cookie": cookie})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as answer:
        answer.read()
    return (time.perf_counter() - began) * 1000


def wrk(url_path: str, cookie: str, csrf: str, *mode: str) -> dict:
    cmd = ["wrk", "-t2", "-c16", f"-d{DURATION}s", "--timeout", "30s", "-s", str(ROOT / "bench" / "wrk.lua")]
    cmd += [BASE + url_path, "--", cookie, csrf, *(mode or ("get",))]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, "WRK_THREADS": "2"})
    line = next(line for line in out.stdout.splitlines() if line.startswith("BENCH_JSON "))
    row = json.loads(line.removeprefix("BENCH_JSON "))
    row["rps"] = round(row["requests"] / row["seconds"], 1) if row["seconds"] else 0.0
    return row


def scenarios(t: dict, posts_file: Path) -> list[tuple[str, str, tuple]]:
    unit = t["unit"]
    return [
        ("floor", "/bench/floor/", ()),
        ("/my/", "/my/", ()),
        ("/tasks/ (plan)", f"/tasks/?plan={PLAN}", ()),
        ("/tasks/ (filters)", f"/tasks/?plan={PLAN}&status=in_progress&unit={unit}&ordering=-due", ()),
        ("/tasks/ search", f"/tasks/?plan={PLAN}&q=thu+tai+l2015-001", ()),
        ("/tasks/?page=90", f"/tasks/?plan={PLAN}&page=90", ()),
        ("task detail (320 updates)", f"/tasks/{t['long_task']}/", ()),
        ("dashboard, cached", f"/dashboard/?plan={PLAN}", ()),
        ("dashboard as_of A, warm", f"/dashboard/?plan={PLAN}&as_of={PLAN}-06-30", ()),
        ("dashboard as_of B, warm", f"/dashboard/?plan={PLAN}&as_of={PLAN}-10-04", ()),
        ("dashboard, new as_of each", f"/dashboard/?plan={PLAN}", ("asof", f"/dashboard/?plan={PLAN}", "2016-01-01")),
        ("data.json, cached", f"/dashboard/data.json?plan={PLAN}", ()),
        ("weekly report page", f"/reports/{PLAN}/W26/", ()),
        ("posting an update", "/tasks/", ("post", str(posts_file))),
    ]


def peak_mb(pid: int) -> float:
    """VmHWM (peak resident memory) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.M):
            found.append(int(status.parent.name))
    return found


def build_reports(weeks: str | None, budget: float) -> dict:
    args = [PY, "manage.py", "build_reports", "--plan", str(PLAN), "--queue", QUEUE, "--no-progress"]
    args += ["--weeks", weeks] if weeks else []
    began = time.perf_counter()
    try:
        subprocess.run(args, cwd=ROOT, env=ENV, check=True, timeout=budget, capture_output=True)
        finished = True
    except subprocess.TimeoutExpired:
        finished = False
    return {"seconds": round(time.perf_counter() - began, 1), "finished": finished, "budget": budget}


def measure_pages(t: dict, cookie: str, csrf: str) -> tuple[list[dict], dict]:
    posts_file = ROOT / "bench" / "results" / "posts.txt"
    posts_file.write_text("".join(f"{task_id} {version}\n" for task_id, version in t["posts"]))
    # Cold: the first request for an as_of, under a journal version no cache entry has seen.
    cold = {
        f"dashboard as_of {PLAN}-06-30, cold": round(timed_get(f"/dashboard/?plan={PLAN}&as_of={PLAN}-06-30", cookie)),
        f"dashboard as_of {PLAN}-10-04, cold": round(timed_get(f"/dashboard/?plan={PLAN}&as_of={PLAN}-10-04", cookie)),
    }
    rows = []
    for name, path, mode in scenarios(t, posts_file):
        print(f"bench: {name} ({DURATION} s)", flush=True)
        rows.append({"page": name, "path": path, **wrk(path, cookie, csrf, *mode)})
        # Requests still queued in gunicorn when wrk stops would slow the next page: drain them.
        timed_get("/bench/floor/", cookie)
    floor = rows[0]["rps"] or 1.0
    for row in rows:
        row["ratio"] = round(row["rps"] / floor, 4)
    return rows, cold


def print_table(result: dict) -> None:
    print(f"\n{'page':<30}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'÷ floor':>9}")
    for row in result["pages"]:
        if not row["requests"]:
            print(f"{row['page']:<30}{'no request finished within BENCH_DURATION':>53}")
            continue
        print(
            f"{row['page']:<30}{row['rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['errors']:>8}{100 * row['ratio']:>8.1f}%"
        )
    for name, ms in result["cold_ms"].items():
        print(f"{name}: {ms} ms (one request)")
    for name, build in result["reports"].items():
        state = "" if build["finished"] else f" (NOT finished within the {build['budget']:.0f} s budget)"
        print(f"reports, {name}: {build['seconds']} s{state}")
    memory = result["peak_memory_mb"]
    print(f"peak memory: gunicorn worker {memory['gunicorn_worker']} MB, Celery worker {memory['celery_worker']} MB")


def main() -> None:
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    prepare_database()
    t = targets()
    gunicorn, worker = start_servers()
    try:
        cookie, csrf = sign_in()
        reports = {"one week (W26)": build_reports("26", REPORTS_BUDGET)} if REPORTS != "none" else {}
        pages, cold = measure_pages(t, cookie, csrf)
        if REPORTS == "all":
            reports["all 53 weeks"] = build_reports(None, REPORTS_BUDGET)
        memory = {
            "gunicorn_worker": max((peak_mb(pid) for pid in children(gunicorn.pid)), default=0.0),
            "celery_worker": peak_mb(worker.pid),
        }
    finally:
        for process in (gunicorn, worker):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        subprocess.run(
            [str(BIN / "celery"), "-A", "plan_portal", "purge", "-f", "-Q", QUEUE],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
        )
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} at the end",
        "duration_per_page_s": DURATION,
        "pages": pages,
        "cold_ms": cold,
        "reports": reports,
        "peak_memory_mb": memory,
        "total_seconds": round(time.perf_counter() - began, 1),
    }
    out = ROOT / "bench" / "results" / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print_table(result)
    print(f"\nwritten to {out.relative_to(ROOT)} in {result['total_seconds']} s")


if __name__ == "__main__":
    sys.exit(main())
