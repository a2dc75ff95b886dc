from django.db import migrations

# The PostgreSQL triggers of cases.shared_ids before these, which wrote the lock rows
# dropped next (core.triggers installs the deferred ones after migrate).
OLD_TRIGGERS = {
    "cases_shared_id_member_insert": "cases_householdmember",
    "cases_shared_id_member_update": "cases_householdmember",
    "cases_shared_id_case_insert": "cases_case",
    "cases_shared_id_case_update": "cases_case",
}


def drop_old_triggers(apps, schema_editor):
    """Dropped before their table goes, so that no write later in this migrate fails on
    it; a set missing after migrate is installed and its candidates rebuilt. (SQLite's
    triggers are dropped before migrating.)"""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in OLD_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


class Migration(migrations.Migration):
    """The lock rows of the duplicate-ID triggers are gone: on PostgreSQL the checks run
    at commit under one advisory lock (cases.shared_ids says why)."""

    dependencies = [
        ("cases", "0017_id_number_locks"),
    ]

    operations = [
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop),
        migrations.DeleteModel(name="IdNumberLock"),
    ]
