"""Unit codes: ^[A-Z0-9][A-Z0-9-]{0,31}$, in the model, the database and the admin.

A code like `A/B` used to break the dashboard (NoReverseMatch for /units/<code>/),
one with CR/LF the Friday reminder's e-mail subject (BadHeaderError)."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from units.models import Unit

pytestmark = pytest.mark.django_db

BAD_CODES = ["A/B", "=1+1", "VU-TC\r\nBcc: x@example.com", "VU-TC\n", "vu-tc", "-VU", "", "VU TC", "VỤ-TC", "A" * 33]
GOOD_CODES = ["VU-TC", "A", "TT-KT3", "9", "A" * 32, "CC-TDC-NT"]


def _add_form(code: str) -> dict:
    return {
        "code": code,
        "name": "Đơn vị thử",
        "name_en": "",
        "short_name": "",
        "kind": "department",
        "sort_order": 0,
        "is_active": "on",
        "email": "",
        "note": "",
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
    }


# The admin's text field trims surrounding spaces and line breaks first ("VU-TC\n" is saved as VU-TC).
ADMIN_BAD_CODES = [code for code in BAD_CODES if code.strip() != "VU-TC"]


@pytest.mark.parametrize("code", ADMIN_BAD_CODES)
def test_the_admin_refuses_a_bad_unit_code_with_a_vietnamese_message_and_creates_nothing(superuser_client, code):
    # Given a superuser reading the admin in Vietnamese
    superuser_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "vi"

    # When they add a unit with a code that breaks the rule
    response = superuser_client.post(reverse("admin:units_unit_add"), _add_form(code))

    # Then the form comes back with the error next to the code, and no unit exists
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["code"]
    assert len(errors) == 1
    if code and len(code) <= 32:
        assert errors[0].startswith("Mã đơn vị gồm 1 đến 32 ký tự")
    assert not Unit.objects.exists()


@pytest.mark.parametrize("code", GOOD_CODES)
def test_the_admin_accepts_a_good_unit_code(superuser_client, code):
    response = superuser_client.post(reverse("admin:units_unit_add"), _add_form(code))

    assert response.status_code == 302
    assert list(Unit.objects.values_list("code", flat=True)) == [code]


@pytest.mark.parametrize("code", [c for c in BAD_CODES if len(c) <= 32])
def test_the_database_refuses_a_bad_unit_code_written_past_the_model(code):
    # bulk_create skips full_clean, as raw SQL or a script would.
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.bulk_create([Unit(code=code, name="Đơn vị thử")])

    assert not Unit.objects.exists()


@pytest.mark.parametrize("code", BAD_CODES)
def test_full_clean_names_the_code_field(code):
    with pytest.raises(ValidationError) as raised:
        Unit(code=code, name="Đơn vị thử").full_clean()

    assert list(raised.value.message_dict) == ["code"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="drops a constraint inside the test transaction")
def test_the_migration_refuses_existing_bad_codes_naming_each_of_them():
    # Given rows written before the rule existed (the constraint dropped, as before migration 0002)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE units_unit DROP CONSTRAINT unit_code_format")
        cursor.execute("ALTER TABLE units_unit DROP CONSTRAINT unit_code_upper")
    Unit.objects.bulk_create([Unit(code="VU-TC", name="ok"), Unit(code="A/B", name="x"), Unit(code="ĐV\r\n", name="y")])
    migration = importlib.import_module("units.migrations.0002_unit_code_format")
    state = MigrationExecutor(connection).loader.project_state(("units", "0001_initial"))

    # When the migration's check runs on them
    with pytest.raises(RuntimeError) as raised:
        migration.check_existing_codes(state.apps, None)

    # Then it names every bad code and says what to do
    message = str(raised.value)
    assert "2 unit code(s) break it: 'A/B', 'ĐV\\r\\n'" in message
    assert "Correct these codes, then run migrate again." in message


def test_the_migration_check_passes_on_good_codes():
    Unit.objects.bulk_create([Unit(code=code, name=code) for code in GOOD_CODES])
    migration = importlib.import_module("units.migrations.0002_unit_code_format")
    state = MigrationExecutor(connection).loader.project_state(("units", "0001_initial"))

    migration.check_existing_codes(state.apps, None)  # no error

    assert Unit.objects.count() == len(GOOD_CODES)


def test_the_agencys_own_unit_codes_follow_the_rule():
    import json
    from pathlib import Path

    from django.conf import settings

    data = json.loads((Path(settings.BASE_DIR) / "units/data/units.json").read_text())
    rows = data if isinstance(data, list) else data["units"]
    for row in rows:
        Unit(code=row["code"], name=row["name"]).clean_fields(exclude=["name", "parent", "kind"])
