"""loaddemo gives each district its 低保 line and a few files of each 困难类型, and a
second run changes nothing."""

from io import StringIO

from django.core.management import call_command

from cases.models import Case, Reevaluation, SubsistenceLine


def snapshot():
    return (
        sorted(
            SubsistenceLine.objects.values_list("unit__name", "effective_on", "monthly_amount")
        ),
        sorted(
            Case.objects.values_list("id_number", "hardship_type", "monthly_income_per_capita")
        ),
        Case.history.count(),
    )


def test_loaddemo_sets_lines_and_types_and_is_idempotent(db):
    call_command("loaddemo", "--password", "pw", stdout=StringIO())
    first = snapshot()

    call_command("loaddemo", "--password", "pw", stdout=StringIO())

    assert snapshot() == first
    lines = {(unit, str(amount)) for unit, _on, amount in first[0]}
    assert {
        ("昆山市总工会", "1095.00"),
        ("吴中区总工会", "1095.00"),
        ("金阊区总工会", "1095.00"),
    } <= lines
    types = {t for _id, t, _income in first[1]}
    assert {"deep", "relative", "sudden"} <= types
    assert (
        not Reevaluation.objects.filter(changed__gt=0)
        .exclude(pk__in=Reevaluation.objects.order_by("run_at").values("pk")[:3])
        .exists()
    )
