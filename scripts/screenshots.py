#!/usr/bin/env python
"""The README's screenshots, reproducibly: a runserver on a copy of a demo SQLite database, Chromium
through Playwright, desktop (1366×768) and phone (390×844) views of the task list, a task, the
dashboard, the timeline and a weekly report, written to docs/screenshots/ as JPEG (quality 80).

    .venv/bin/python scripts/screenshots.py                 # builds a fresh demo database (about 2 minutes)
    .venv/bin/python scripts/screenshots.py --db demo.sqlite3   # or copies an existing demo database

The demo database is `make demo`'s: units, the 2020 plan, the demo accounts and history, the weekly
reports. Every page is shown as of 02/10/2020, so the pictures do not change from one run to the next.
Chromium is the system's (/usr/bin/chromium): no browser is downloaded.
"""

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
USER, PASSWORD = "vu-tc", os.environ.get("DEMO_PASSWORD", "ChangeMe-2020")
AS_OF = "2020-10-02"
VIEWS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
QUALITY = 80


def _env(db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CI", "DJANGO_SETTINGS_MODULE")}
    env |= {"DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "plan_portal.settings.local"}
    env |= {"DEBUG": "true", "DEMO_PASSWORD": PASSWORD, "LANGUAGE_CODE": "vi"}
    return env


def _manage(db: Path, *args: str) -> None:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=_env(db), capture_output=True, text=True)
    if done.returncode:  # the jobs' log is long: show it only when something failed
        raise SystemExit(f"screenshots: manage.py {' '.join(args)} failed\n{done.stderr[-3000:]}")


def build_demo(db: Path) -> None:
    print(f"screenshots: building the demo database in {db}")
    _manage(db, "migrate", "--no-input", "-v0")
    _manage(db, "load_plan")
    _manage(db, "seed_demo")
    _manage(db, "build_reports", "--plan", "2020")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, server: subprocess.Popen) -> None:
    for _attempt in range(120):
        if server.poll() is not None:
            raise SystemExit("screenshots: the server stopped")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("screenshots: the server did not answer")


def _pages(db: Path) -> dict[str, str]:
    """The pages, as paths: a task with an extended due date if the demo has one."""
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT task_id FROM tasks_duedatechange ORDER BY id LIMIT 1").fetchone()
        row = row or connection.execute("SELECT id FROM tasks_task ORDER BY code LIMIT 1").fetchone()
    return {
        "task-list": f"/tasks/?plan=2020&as_of={AS_OF}",
        "task-detail": f"/tasks/{row[0]}/",
        "dashboard": f"/dashboard/?plan=2020&as_of={AS_OF}",
        "timeline": f"/timeline/?plan=2020&as_of={AS_OF}",
        "weekly-report": "/reports/2020/W40/",
    }


def shoot(base_url: str, pages: dict[str, str]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for view, size in VIEWS.items():
            context = browser.new_context(viewport=size, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
            page = context.new_page()
            page.goto(base_url + "/accounts/login/")
            page.locator("input[name=username]").fill(USER)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            for name, path in pages.items():
                page.goto(base_url + path)
                page.wait_for_load_state("networkidle")
                if name == "timeline":  # the chart, below the filters
                    page.locator("#timeline-chart .vis-item").first.wait_for()
                    page.locator("[data-testid=match-count]").evaluate("el => el.scrollIntoView()")
                page.wait_for_timeout(500)  # charts finish drawing after the load event
                target = OUT / f"{name}-{view}.jpg"
                page.screenshot(path=target, type="jpeg", quality=QUALITY)
                written.append(target)
            context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="a demo SQLite database to copy (default: build one)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="plan-portal-shots-") as tmp:
        db = Path(tmp) / "demo.sqlite3"
        if args.db:
            shutil.copyfile(args.db, db)
        else:
            build_demo(db)
        port = _free_port()
        server = subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
            cwd=ROOT,
            env=_env(db),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait(base_url, server)
            written = shoot(base_url, _pages(db))
        finally:
            server.terminate()
            server.wait(timeout=20)
    for path in written:
        print(f"screenshots: {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
