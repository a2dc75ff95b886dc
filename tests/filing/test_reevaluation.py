"""A new 低保 line re-evaluates every file under its unit in one set-based pass, stores
the new type, lists the files that changed or no longer qualify, and never changes a
verified file's status (FILING.md)."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, CaseStatus, HardshipType, Reevaluation, SubsistenceLine
from tests.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate()


def _save_line(unit, amount, user, on=TODAY):
    return services.subsistence_line_save(
        line=SubsistenceLine(unit=unit, monthly_amount=D(amount), effective_on=on),
        acting_user=user,
    )


@pytest.fixture
def kunshan_files(units):
    town = units["张浦镇工会"]
    return {
        "deep": CaseFactory(unit=town, verified=True, monthly_income_per_capita=D("700")),
        "border": CaseFactory(unit=town, verified=True, monthly_income_per_capita=D("1600")),
        "exited": CaseFactory(unit=town, exited=True, monthly_income_per_capita=D("1600")),
        "wuzhong": CaseFactory(
            unit=units["木渎镇工会"], verified=True, monthly_income_per_capita=D("700")
        ),
    }


def _types():
    return dict(Case.objects.values_list("name", "hardship_type"))


def test_a_new_line_types_every_file_below_its_unit_and_only_those(
    units, kunshan_head, kunshan_files
):
    _save_line(units["昆山市总工会"], "800", kunshan_head)

    files = {k: Case.objects.get(pk=c.pk) for k, c in kunshan_files.items()}
    assert files["deep"].hardship_type == HardshipType.DEEP
    assert files["border"].hardship_type == HardshipType.NONE  # 1,600 ≥ twice 800
    assert files["wuzhong"].hardship_type == HardshipType.UNASSESSED
    run = Reevaluation.objects.get()
    assert (run.changed, run.no_longer_qualify) == (3, 0)
    assert files["deep"].type_review_pending and not files["exited"].type_review_pending


def test_a_raised_line_lists_a_file_that_starts_and_one_that_stops_qualifying(
    units, kunshan_head, city_admin, kunshan_files
):
    _save_line(units["昆山市总工会"], "800", kunshan_head, on=TODAY - datetime.timedelta(days=1))
    Case.objects.update(type_review_pending=False)
    deep = kunshan_files["deep"]
    Case.objects.filter(pk=deep.pk).update(
        hardship_type=HardshipType.SUDDEN, monthly_income_per_capita=D("5000")
    )

    _save_line(units["昆山市总工会"], "1000", city_admin)

    border = Case.objects.get(pk=kunshan_files["border"].pk)
    stopped = Case.objects.get(pk=deep.pk)
    assert (border.previous_hardship_type, border.hardship_type) == ("none", "relative")
    assert (stopped.previous_hardship_type, stopped.hardship_type) == ("sudden", "none")
    assert border.type_review_pending and stopped.type_review_pending
    assert border.type_changed_on == TODAY
    # Never a status change by itself: both stay on file.
    assert {border.status, stopped.status} == {CaseStatus.VERIFIED}
    run = Reevaluation.objects.latest("run_at")
    assert (run.changed, run.no_longer_qualify, run.run_by) == (3, 1, city_admin)


def test_the_pass_is_one_update_statement(units, kunshan_head, kunshan_files):
    line = SubsistenceLine.objects.create(
        unit=units["昆山市总工会"], monthly_amount=D("800"), effective_on=TODAY
    )

    with CaptureQueriesContext(connection) as queries:
        services.cases_reevaluate(unit=line.unit, on=TODAY, acting_user=kunshan_head)

    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert "CASE WHEN" in updates[0]


def test_the_case_list_shows_changed_files_and_the_head_marks_them_reviewed(
    units, kunshan_head, client_for, kunshan_files
):
    _save_line(units["昆山市总工会"], "800", kunshan_head)
    client = client_for(kunshan_head)

    changed = client.get("/admin/cases/case/?type_review=changed").context["cl"].result_list
    client.post(
        "/admin/cases/case/",
        {
            "action": "type_changes_reviewed",
            "_selected_action": [kunshan_files["deep"].pk],
        },
    )

    assert {c.pk for c in changed} == {kunshan_files[k].pk for k in ("deep", "border")}
    assert not Case.objects.get(pk=kunshan_files["deep"].pk).type_review_pending


def test_the_daily_command_applies_a_line_that_takes_effect_today(
    units, kunshan_head, kunshan_files, capsys
):
    SubsistenceLine.objects.create(
        unit=units["昆山市总工会"], monthly_amount=D("800"), effective_on=TODAY
    )

    call_command("reevaluate_cases", "--unit", "昆山市总工会")

    assert Case.objects.get(pk=kunshan_files["deep"].pk).hardship_type == "deep"
    assert "昆山市总工会：困难类型变化 3 份，其中不再符合 0 份" in capsys.readouterr().out
