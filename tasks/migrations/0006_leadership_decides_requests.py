"""Give the Leadership group the permission `tasks.decide_request` (issue 11).

Permissions are normally created after all migrations ran (post_migrate), so
this migration creates the tasks app's permissions first. Admins can give the
same permission to other people or groups (e.g. the Directorate's office).
"""

from django.conf import settings
from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("tasks")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=settings.LEADERSHIP_GROUP)
    permission = Permission.objects.get(content_type__app_label="tasks", codename="decide_request")
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="tasks", codename="decide_request").first()
    group = Group.objects.filter(name=settings.LEADERSHIP_GROUP).first()
    if permission and group:
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0005_accountable_process"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
