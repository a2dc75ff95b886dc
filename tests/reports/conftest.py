"""A small hand-computable world: two districts, a town, cash and goods, one reversal."""

import datetime
from decimal import Decimal

import pytest

from cases.models import Category
from funds.models import DisbursementKind
from funds.services import disbursement_post, entry_reverse
from tests.cases.factories import CampaignFactory, CaseFactory
from tests.funds.factories import FundFactory


@pytest.fixture
def world(units, kunshan_head, wuzhong_head):
    campaign = CampaignFactory(name="2007年春节送温暖", organiser=units["苏州市总工会"])
    ks_fund = FundFactory(unit=units["昆山市总工会"], opening=Decimal("100000"))
    wz_fund = FundFactory(unit=units["吴中区总工会"], opening=Decimal("100000"))
    model_worker = CaseFactory(
        unit=units["张浦镇工会"], verified=True, category=Category.MODEL_WORKER
    )
    retiree = CaseFactory(unit=units["昆山市总工会"], verified=True, category=Category.RETIREE)
    wz_retiree = CaseFactory(unit=units["木渎镇工会"], verified=True, category=Category.RETIREE)

    def pay(case, unit, fund, user, on, cash=None, goods=None, **extra):
        fields = {"kind": DisbursementKind.CONDOLENCE, "cash_amount": cash}
        if goods:
            fields = {
                "kind": DisbursementKind.GOODS,
                "item": "生活用品",
                "quantity": goods[0],
                "unit_value": goods[1],
            }
        return disbursement_post(
            case=case,
            paying_unit=unit,
            fund=fund,
            disbursed_on=on,
            campaign=campaign,
            acting_user=user,
            receipt_signed=True,
            **fields,
            **extra,
        )

    feb7 = datetime.date(2007, 2, 7)
    # 昆山: the model worker gets 800 cash + goods 350 at the symposium (a town unit pays
    # the cash, rolled up into 昆山), the retiree 500 cash; 2 people, 3 disbursements.
    pay(model_worker, units["张浦镇工会"], ks_fund, kunshan_head, feb7, cash=Decimal("800"))
    pay(
        model_worker, units["昆山市总工会"], ks_fund, kunshan_head, feb7, goods=(1, Decimal("350"))
    )
    pay(retiree, units["昆山市总工会"], ks_fund, kunshan_head, datetime.date(2007, 1, 25),
        cash=Decimal("500"))  # fmt: skip
    # 吴中: one retiree twice (1 person, 2 disbursements) and one reversed payment.
    pay(wz_retiree, units["吴中区总工会"], wz_fund, wuzhong_head, datetime.date(2007, 1, 6),
        cash=Decimal("1500"))  # fmt: skip
    pay(wz_retiree, units["吴中区总工会"], wz_fund, wuzhong_head, datetime.date(2007, 2, 1),
        cash=Decimal("200.50"))  # fmt: skip
    mistake = pay(wz_retiree, units["吴中区总工会"], wz_fund, wuzhong_head,
                  datetime.date(2007, 2, 1), cash=Decimal("9999"))  # fmt: skip
    entry_reverse(entry=mistake.ledger_entry, reason="录入错误", acting_user=wuzhong_head)
    return {"campaign": campaign, "ks_fund": ks_fund, "wz_fund": wz_fund}
