"""A prefix index on names for the register's short searches on PostgreSQL.

A search of one or two characters matches names by their start (``cases.selectors.
cases_by_short_name``): the trigram index cannot serve a term shorter than a trigram, so
``LIKE '%王芳%'`` read the whole register (1.2 s at 1,000,000 cases). ``text_pattern_ops``
serves ``UPPER(name) LIKE '王芳%'`` whatever the database's collation. On SQLite there is
nothing to do.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS case_name_prefix ON cases_case (UPPER("name"::text) '
        "text_pattern_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS case_name_prefix")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_search_trigram_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
