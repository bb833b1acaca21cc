import re

import django.core.validators
from django.db import migrations, models

# The rule as it stands in this migration (not imported from the model, which may change later).
CODE_RULE = re.compile(r"\A[A-Z0-9][A-Z0-9-]{0,31}\Z")


def check_existing_codes(apps, schema_editor):
    """Refuse to migrate while a unit code breaks the rule, naming every such code.

    Codes are not rewritten automatically: they are the agency's identifiers
    (in bookmarks, e-mails and past weekly reports), and a rewrite can collide
    with another unit's code. Correct them (Django shell or SQL) and run
    `migrate` again.
    """
    Unit = apps.get_model("units", "Unit")
    bad = [code for code in Unit.objects.order_by("code").values_list("code", flat=True) if not CODE_RULE.match(code)]
    if bad:
        raise RuntimeError(
            "Cannot add the unit code rule ^[A-Z0-9][A-Z0-9-]{0,31}$: %d unit code(s) break it: %s. "
            "Correct these codes, then run migrate again." % (len(bad), ", ".join(repr(code) for code in bad))
        )


class Migration(migrations.Migration):

    dependencies = [
        ('units', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(check_existing_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='historicalunit',
            name='code',
            field=models.CharField(db_index=True, help_text='Short stable code in capitals, e.g. VU-TC.', max_length=32, validators=[django.core.validators.RegexValidator('\\A[A-Z0-9][A-Z0-9-]{0,31}\\Z', code='invalid_unit_code', message='Enter a unit code of 1 to 32 characters: capital letters A–Z without accents, digits and hyphens, starting with a letter or a digit (e.g. VU-TC).')], verbose_name='code'),
        ),
        migrations.AlterField(
            model_name='unit',
            name='code',
            field=models.CharField(help_text='Short stable code in capitals, e.g. VU-TC.', max_length=32, unique=True, validators=[django.core.validators.RegexValidator('\\A[A-Z0-9][A-Z0-9-]{0,31}\\Z', code='invalid_unit_code', message='Enter a unit code of 1 to 32 characters: capital letters A–Z without accents, digits and hyphens, starting with a letter or a digit (e.g. VU-TC).')], verbose_name='code'),
        ),
        migrations.AddConstraint(
            model_name='unit',
            constraint=models.CheckConstraint(condition=models.Q(('code__regex', '\\A[A-Z0-9][A-Z0-9-]{0,31}\\Z')), name='unit_code_format', violation_error_message='Enter a unit code of 1 to 32 characters: capital letters A–Z without accents, digits and hyphens, starting with a letter or a digit (e.g. VU-TC).'),
        ),
    ]
