"""The pipeline's own promises: one context per import, a pluggable loader, refusal."""

import pytest

from cases.models import Case
from cases.resources import CaseResource
from funds.models import Fund, LedgerEntry
from funds.resources import LedgerResource
from sheets import KeyLoader, read_sheet
from tests.sheets.helpers import KUNSHAN_ID, case_row, csv_bytes, errors_of
from tests.sheets.test_ledger_sheet import HEADERS as LEDGER_HEADERS
from tests.sheets.test_ledger_sheet import row as ledger_row

pytestmark = pytest.mark.django_db


def test_one_resource_imports_twice_without_the_first_import_leaking(kunshan_clerk):
    """What one import learns (here: the fund the file creates) stays in its context.

    Kept on the resource (as before the context), the second import took the first
    one's new fund for one still to create and failed on the fund's unique name.
    """
    resource = LedgerResource(user=kunshan_clerk)
    sheet = lambda: read_sheet(csv_bytes([ledger_row()], LEDGER_HEADERS), "ledger.csv")  # noqa: E731

    first = resource.import_sheet(sheet(), file_name="ledger.csv")
    second = resource.import_sheet(sheet(), file_name="ledger.csv")

    assert (errors_of(first), first.summary()) == ([], "新增 1，更新 0，未变 0")
    assert (errors_of(second), second.summary()) == ([], "新增 0，更新 0，未变 1")
    assert (Fund.objects.count(), LedgerEntry.objects.count()) == (1, 1)


class RefuseRecordsOnFile(KeyLoader):
    """A loader of its own: a record already on file is refused, not updated."""

    def load_records(self, rows):
        super().load_records(rows)
        for row in rows:
            if row.instance is not None:
                row.refuse(self.resource.key_field.column_name, "已在档，不再修改。")


class AddOnlyCaseResource(CaseResource):
    loader_class = RefuseRecordsOnFile


def test_a_resource_names_its_loader_and_a_refused_row_is_not_checked(kunshan_clerk, units):
    CaseResource(user=kunshan_clerk).import_sheet(
        read_sheet(csv_bytes([case_row()]), "cases.csv"), file_name="cases.csv"
    )
    # 性别 contradicts the ID number: an error the checks would add, were the row checked.
    rows = [case_row(性别="男", 备注="改")]

    result = AddOnlyCaseResource(user=kunshan_clerk).import_sheet(
        read_sheet(csv_bytes(rows), "cases.csv"), file_name="cases.csv"
    )

    assert errors_of(result) == [(2, "身份证号", "已在档，不再修改。")]
    assert Case.objects.get(id_number=KUNSHAN_ID).notes == ""
