from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("accounts", "WorkspaceSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """The one settings row exists from the start, so reading it never writes."""

    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
