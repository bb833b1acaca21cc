import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from plan_portal.text import normalize_search

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đo lường", "do luong"),
        ("ĐỊNH HƯỚNG", "dinh huong"),
        ("Quyết\u00a0định  19/2014/QĐ-TTg", "quyet dinh 19/2014/qd-ttg"),
        ("Tiêu chuẩn", "tieu chuan"),
        ("", ""),
    ],
)
def test_search_folding_removes_vietnamese_accents_and_case(text, folded):
    assert normalize_search(text) == folded


def _settings_in_subprocess(env_overrides: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="plan_portal.settings.local")
    code = (
        "import json; from django.conf import settings as s;"
        "d = s.DATABASES['default'];"
        "print(json.dumps({'engine': d['ENGINE'], 'name': str(d['NAME']), 'options': d.get('OPTIONS', {}),"
        "'cache': s.CACHES['default']['BACKEND'], 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL,"
        "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'cache_location': s.CACHES['default'].get('LOCATION')}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_settings_default_to_sqlite_and_in_process_celery():
    s = _settings_in_subprocess({})
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["cache"].endswith("LocMemCache")
    assert s["eager"] is True
    assert (s["lang"], s["tz"]) == ("vi", "Asia/Ho_Chi_Minh")


def test_settings_switch_to_postgresql_and_redis_from_the_environment():
    s = _settings_in_subprocess(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/plan_x", "REDIS_URL": "redis://127.0.0.1:6379/7"}
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "plan_x"
    assert s["options"]["connect_timeout"] == 5
    assert "statement_timeout" in s["options"]["options"]
    assert s["cache"] == "django_redis.cache.RedisCache"
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/7"
    # The cache never shares the broker's database: a cache clear is a FLUSHDB.
    assert s["cache_location"] == "redis://127.0.0.1:6379/8"


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_sign_in_page_is_in_vietnamese_by_default_and_english_on_request(client):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Sign in" in client.get(reverse("login")).content.decode()


def test_every_message_has_a_vietnamese_translation():
    import polib

    po = polib.pofile(str(ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert (missing, fuzzy) == ([], [])


def test_production_settings_pass_the_deployment_checks():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="plan_portal.settings.production",
        SECRET_KEY="x" * 20 + "-Ab3$kQ9!zR7#mW2&pL5" * 3,
        ALLOWED_HOSTS="kehoach.tcvn.gov.vn",
        DATABASE_URL="postgres://plan_portal@127.0.0.1:5432/plan_portal",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
