from django.db import migrations

CAUSES = [
    ("illness", "因病"),
    ("disability", "因残"),
    ("disaster", "因灾"),
    ("schooling", "子女就学"),
    ("unemployment", "失业下岗"),
    ("single_parent", "单亲"),
    ("employer_hardship", "企业困难"),
    ("rights_defence", "维权受损"),
    ("other", "其他"),
]


def load_causes(apps, schema_editor):
    Cause = apps.get_model("cases", "Cause")
    for order, (code, name) in enumerate(CAUSES):
        Cause.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load_causes, migrations.RunPython.noop)]
