from django.db import migrations

from solocrm.core import audit_triggers


def install(apps, schema_editor):
    audit_triggers.install(schema_editor)


def uninstall(apps, schema_editor):
    audit_triggers.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
