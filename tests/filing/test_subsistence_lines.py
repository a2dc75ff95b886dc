"""低保 lines (FILING.md): per district and date, inherited below, kept with history, set
by the district's head or a city administrator, and the line in force is one query."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import SubsistenceLine
from cases.selectors import line_in_force
from tests.scope_helpers import assert_looks_missing

pytestmark = pytest.mark.django_db

LINES = "/admin/cases/subsistenceline/"


def _line(unit, amount, on, user):
    return services.subsistence_line_save(
        line=SubsistenceLine(unit=unit, monthly_amount=Decimal(amount), effective_on=on),
        acting_user=user,
    )


def test_town_inherits_the_district_line_in_force_on_each_date(
    units, kunshan_head, django_assert_num_queries
):
    _line(units["昆山市总工会"], "800", datetime.date(2024, 7, 1), kunshan_head)
    _line(units["昆山市总工会"], "1045", datetime.date(2025, 7, 1), kunshan_head)
    town = units["张浦镇工会"]

    with django_assert_num_queries(1):
        line = line_in_force(town, datetime.date(2025, 6, 30))

    assert line.monthly_amount == Decimal("800.00")
    assert line_in_force(town, datetime.date(2025, 7, 1)).monthly_amount == Decimal("1045.00")
    assert line_in_force(town, datetime.date(2024, 6, 30)) is None
    assert line_in_force(units["木渎镇工会"], datetime.date(2025, 7, 1)) is None


def test_only_district_level_units_set_a_line(units, kunshan_head):
    with pytest.raises(ValidationError) as error:
        _line(units["张浦镇工会"], "800", datetime.date(2025, 1, 1), kunshan_head)

    assert error.value.message_dict["unit"] == ["只有区县级工会设定低保标准。"]


def test_a_clerk_may_not_set_a_line_nor_a_head_another_districts(
    units, kunshan_clerk, kunshan_head
):
    with pytest.raises(PermissionDenied):
        _line(units["昆山市总工会"], "800", datetime.date(2025, 1, 1), kunshan_clerk)
    with pytest.raises(PermissionDenied):
        _line(units["吴中区总工会"], "800", datetime.date(2025, 1, 1), kunshan_head)


def test_a_correction_is_kept_in_history(units, kunshan_head, city_admin):
    line = _line(units["昆山市总工会"], "800", datetime.date(2025, 1, 1), kunshan_head)
    line.monthly_amount = Decimal("810")

    services.subsistence_line_save(line=line, acting_user=city_admin)

    versions = list(line.history.order_by("history_date"))
    assert [v.monthly_amount for v in versions] == [Decimal("800.00"), Decimal("810.00")]
    assert versions[-1].history_user == city_admin


def test_head_adds_a_line_in_the_admin_and_sees_only_their_districts(
    units, kunshan_head, wuzhong_head, client_for
):
    wuzhong_line = _line(units["吴中区总工会"], "1045", datetime.date(2025, 7, 1), wuzhong_head)
    client = client_for(kunshan_head)

    response = client.post(
        f"{LINES}add/",
        {"unit": units["昆山市总工会"].pk, "monthly_amount": "1045", "effective_on": "2025-07-01"},
    )

    assert response.status_code == 302
    line = SubsistenceLine.objects.get(unit=units["昆山市总工会"])
    assert line.history.get().history_user == kunshan_head
    listed = client.get(LINES).context["cl"].result_list
    assert [row.pk for row in listed] == [line.pk]
    assert_looks_missing(client, LINES + "{pk}/change/", wuzhong_line.pk)
    refused = client.post(
        f"{LINES}add/",
        {"unit": units["吴中区总工会"].pk, "monthly_amount": "1", "effective_on": "2025-08-01"},
    )
    assert refused.status_code == 200
    assert SubsistenceLine.objects.count() == 2


def test_clerk_and_auditor_read_lines_but_cannot_add(
    units, kunshan_clerk, city_auditor, client_for
):
    for user in (kunshan_clerk, city_auditor):
        client = client_for(user)
        assert client.get(LINES).status_code == 200
        assert client.get(f"{LINES}add/").status_code == 403
