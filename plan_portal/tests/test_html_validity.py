"""The W3C Nu HTML checker (npm vnu-jar, run with the machine's Java) finds no error on the main pages.

The pages are saved as each role sees them and checked in one JVM start (a start costs seconds).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from plan_portal.tests.test_no_english import plan_world  # noqa: F401 (fixture)
from tasks.models import Task

pytestmark = pytest.mark.django_db

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_the_nu_validator_finds_no_error_on_the_main_pages_for_any_role(client, plan_world, tmp_path):  # noqa: F811
    # given every main page as each role sees it, saved as HTML
    assert VNU.exists(), "npm ci installs vnu-jar (devDependencies)"
    assert shutil.which("java"), "the Nu validator needs Java"
    task_id = Task.objects.get(code="NV-01").pk
    pages = [
        "/my/",
        "/tasks/?plan=2020",
        "/tasks/?plan=2020&q=xay",
        f"/tasks/{task_id}/",  # with a pending request
        *(f"/tasks/{Task.objects.get(code=code).pk}/" for code in ("NV-02", "NV-03")),  # extended; awaiting
        "/requests/",
        "/timeline/?plan=2020&group=field",
        "/dashboard/?plan=2020&as_of=2020-02-07",
        "/units/VU-TC/?plan=2020&as_of=2020-02-07",
        "/reports/?plan=2020",
        "/reports/2020/W6/",
        "/timeline/?plan=2020&as_of=2020-02-07",
        "/notifications/",
        "/account/notifications/",
    ]
    files = {}
    for role in ("staff", "head", "leadership", "admin"):
        client.force_login(plan_world[role])
        for number, url in enumerate(pages):
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            path = tmp_path / f"{role}-{number}.html"
            path.write_bytes(response.content)
            files[str(path)] = f"{role} {url}"
    client.logout()
    for number, url in enumerate(["/accounts/login/", "/accounts/password_reset/"]):
        path = tmp_path / f"anonymous-{number}.html"
        path.write_bytes(client.get(url).content)
        files[str(path)] = f"anonymous {url}"
    # (and a page with a bare hx-* attribute, to show the checker really reports errors)
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!doctype html><html lang="vi"><head><title>x</title></head><body><p hx-get="/x">x</p></body></html>'
    )
    files[str(broken)] = "broken"
    # when the Nu validator checks them all at once
    result = subprocess.run(
        ["java", "-Xss2m", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or "{}").get("messages", [])
    # then there is no error
    errors = sorted(
        {f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: {m.get('message')}" for m in messages}
    )
    assert [e for e in errors if e.startswith("broken:")] == [
        "broken: Attribute “hx-get” not allowed on element “p” at this point."
    ]
    assert [e for e in errors if not e.startswith("broken:")] == []
