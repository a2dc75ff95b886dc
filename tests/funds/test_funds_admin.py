"""The funds admin: every door scoped, balances and totals in a fixed number of queries,
postings through the services with refusals on the form, nothing editable that is posted."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry

from funds.models import Disbursement, EntryKind, Fund, LedgerEntry
from tests.cases.factories import CaseFactory
from tests.funds.factories import FundFactory, pay_cash
from tests.query_counts import assert_constant_queries
from tests.scope_helpers import assert_looks_missing

FUND = "/admin/funds/fund/"
LEDGER = "/admin/funds/ledgerentry/"
PAID = "/admin/funds/disbursement/"


@pytest.fixture
def wuzhong_paid(wuzhong_clerk, wuzhong_case, wuzhong_fund):
    return pay_cash(case=wuzhong_case, fund=wuzhong_fund, amount="1500", acting_user=wuzhong_clerk)


@pytest.fixture
def kunshan_paid(kunshan_clerk, kunshan_case, kunshan_fund):
    return pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_clerk)


def post_form(case, fund, /, **overrides):
    data = {
        "case": case.pk,
        "disbursed_on": "2007-02-01",
        "kind": "condolence",
        "cash_amount": "800",
        "fund": fund.pk,
        "paying_unit": fund.unit_id,
        "handled_by": "顾粮",
        "receipt_signed": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- scope: a Kunshan clerk cannot reach Wuzhong's money -------------------------------


def test_lists_show_only_records_in_scope(kunshan_clerk, client_for, kunshan_paid, wuzhong_paid):
    client = client_for(kunshan_clerk)

    funds = client.get(FUND).content.decode()
    ledger = client.get(LEDGER).content.decode()
    paid = client.get(PAID).content.decode()

    assert "昆山送温暖专项资金" in funds and "吴中" not in funds
    assert "张浦困难职工" in ledger and "吴中" not in ledger and "木渎" not in ledger
    assert "张浦困难职工" in paid and "木渎" not in paid and "吴中" not in paid


@pytest.mark.parametrize("page", ["change", "history", "delete"])
@pytest.mark.parametrize("model", ["fund", "ledgerentry", "disbursement"])
def test_pages_of_another_districts_records_look_missing(
    kunshan_clerk, client_for, wuzhong_paid, model, page
):
    hidden = {
        "fund": wuzhong_paid.fund,
        "ledgerentry": wuzhong_paid.ledger_entry,
        "disbursement": wuzhong_paid,
    }[model]

    assert_looks_missing(
        client_for(kunshan_clerk), f"/admin/funds/{model}/{{pk}}/{page}/", hidden.pk
    )


def test_a_past_version_of_another_districts_fund_looks_missing(
    kunshan_clerk, client_for, wuzhong_fund
):
    version = wuzhong_fund.history.earliest().pk

    assert_looks_missing(
        client_for(kunshan_clerk), f"{FUND}{{pk}}/history/{version}/", wuzhong_fund.pk
    )


def test_reversing_another_districts_entry_looks_missing(kunshan_head, client_for, wuzhong_paid):
    client = client_for(kunshan_head)

    assert_looks_missing(client, f"{LEDGER}{{pk}}/reverse/", wuzhong_paid.ledger_entry_id)
    assert_looks_missing(
        client, f"{LEDGER}{{pk}}/reverse/", wuzhong_paid.ledger_entry_id, "post", {"reason": "x"}
    )
    assert not LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_autocomplete_offers_only_funds_in_scope(
    kunshan_clerk, client_for, kunshan_fund, wuzhong_fund
):
    response = client_for(kunshan_clerk).get(
        "/admin/autocomplete/",
        {"app_label": "funds", "model_name": "disbursement", "field_name": "fund", "term": "资金"},
    )

    # The choice shows the balance (issue 14 part 12).
    assert {row["text"] for row in response.json()["results"]} == {kunshan_fund.choice_label()}


def test_case_and_activity_autocomplete_offer_only_records_in_scope(
    kunshan_clerk, client_for, kunshan_case, wuzhong_case, units
):
    from tests.cases.factories import ActivityFactory

    city = units["苏州市总工会"]
    ActivityFactory(unit=units["昆山市总工会"], title="昆山走访", campaign__organiser=city)
    ActivityFactory(unit=units["吴中区总工会"], title="吴中走访", campaign__organiser=city)
    client = client_for(kunshan_clerk)

    def offered(field, term):
        response = client.get(
            "/admin/autocomplete/",
            {
                "app_label": "funds",
                "model_name": "disbursement",
                "field_name": field,
                "term": term,
            },
        )
        return {row["text"] for row in response.json()["results"]}

    assert offered("case", "困难职工") == {kunshan_case.choice_label()}  # ID tail too
    assert {text.split(" ", 1)[1] for text in offered("activity", "走访")} == {"昆山走访"}


def test_filters_and_choices_name_no_other_district(
    kunshan_clerk, client_for, kunshan_paid, wuzhong_paid
):
    client = client_for(kunshan_clerk)

    pages = [client.get(url).content.decode() for url in (PAID, LEDGER, FUND, f"{PAID}add/")]

    for html in pages:
        assert "吴中" not in html and "木渎" not in html


def test_posting_against_another_districts_fund_or_case_is_refused_on_the_form(
    kunshan_clerk, client_for, kunshan_case, kunshan_fund, wuzhong_case, wuzhong_fund
):
    client = client_for(kunshan_clerk)

    foreign_fund = client.post(f"{PAID}add/", post_form(kunshan_case, wuzhong_fund))
    foreign_case = client.post(f"{PAID}add/", post_form(wuzhong_case, kunshan_fund))

    assert "fund" in foreign_fund.context["adminform"].form.errors
    assert "case" in foreign_case.context["adminform"].form.errors
    assert not Disbursement.objects.exists()


def test_a_forged_action_id_from_another_district_changes_nothing(
    kunshan_clerk, client_for, kunshan_paid, wuzhong_paid
):
    Disbursement.objects.filter(pk__in=[kunshan_paid.pk, wuzhong_paid.pk]).update(
        receipt_signed=False
    )

    client_for(kunshan_clerk).post(
        PAID,
        {"action": "mark_receipt_signed", "_selected_action": [kunshan_paid.pk, wuzhong_paid.pk]},
    )

    kunshan_paid.refresh_from_db()
    wuzhong_paid.refresh_from_db()
    assert kunshan_paid.receipt_signed is True
    assert wuzhong_paid.receipt_signed is False


def test_the_other_side_of_an_allocation_is_linked_only_within_scope(
    kunshan_clerk, city_admin, client_for, units
):
    from funds.services import allocation_post

    city = FundFactory(unit=units["苏州市总工会"], name="市总资金", opening="50000")
    kunshan = FundFactory(unit=units["昆山市总工会"], name="昆山资金")
    out, received = allocation_post(
        from_fund=city, to_fund=kunshan, amount="20000", acting_user=city_admin
    )
    url = f"{LEDGER}{received.pk}/change/"

    as_clerk = client_for(kunshan_clerk).get(url).content.decode()
    as_city = client_for(city_admin).get(url).content.decode()

    assert "20,000.00" in as_clerk
    assert f"{LEDGER}{out.pk}/change/" not in as_clerk
    assert f"{LEDGER}{out.pk}/change/" in as_city


# --- reads: a constant number of queries, totals on the page ------------------------------


def test_fund_list_shows_balances_in_yuan_in_a_constant_number_of_queries(
    kunshan_clerk, client_for, units
):
    def make_funds(count):
        for _ in range(count):
            FundFactory(unit=units["张浦镇工会"], opening="1234.5")

    page = assert_constant_queries(client_for(kunshan_clerk), FUND, make_funds).few

    assert "1,234.50" in page.content.decode()


def test_disbursement_list_queries_do_not_grow_with_rows(
    kunshan_clerk, client_for, kunshan_case, kunshan_fund
):
    def pay(count):
        for _ in range(count):
            pay_cash(case=kunshan_case, fund=kunshan_fund, amount="10", acting_user=kunshan_clerk)

    assert_constant_queries(client_for(kunshan_clerk), PAID, pay)


def test_ledger_list_queries_do_not_grow_with_rows(
    kunshan_head, client_for, kunshan_case, kunshan_fund
):
    def pay(count):
        for _ in range(count):
            pay_cash(case=kunshan_case, fund=kunshan_fund, amount="10", acting_user=kunshan_head)

    assert_constant_queries(client_for(kunshan_head), LEDGER, pay)


def test_disbursement_list_shows_totals_of_the_filtered_list(
    kunshan_clerk, client_for, kunshan_case, kunshan_fund, wuzhong_paid, units
):
    from funds.services import disbursement_post

    other = CaseFactory(unit=units["陆家镇工会"], verified=True, name="陆家困难职工")
    pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_clerk)
    pay_cash(case=other, fund=kunshan_fund, amount="1500.50", acting_user=kunshan_clerk)
    disbursement_post(
        case=other,
        disbursed_on=datetime.date(2007, 2, 7),
        kind="goods",
        item="生活用品",
        quantity=2,
        unit_value="175",
        fund=kunshan_fund,
        paying_unit=kunshan_fund.unit,
        acting_user=kunshan_clerk,
    )
    client = client_for(kunshan_clerk)

    everything = client.get(PAID)
    goods_only = client.get(PAID, {"kind__exact": "goods"})
    searched = client.get(PAID, {"q": "张浦"})

    assert everything.context["totals"] == {
        "count": 3,
        "people": 2,
        "cash": "2,300.50",
        "goods": "350.00",
        "total": "2,650.50",
    }
    assert "2,650.50" in everything.content.decode()
    assert goods_only.context["totals"]["count"] == 1
    assert goods_only.context["totals"]["total"] == "350.00"
    assert searched.context["totals"]["count"] == 1
    assert searched.context["totals"]["cash"] == "800.00"


def test_a_reversed_disbursement_is_listed_but_not_counted_in_the_totals(
    kunshan_head, client_for, kunshan_case, kunshan_fund
):
    from funds.services import entry_reverse

    kept = pay_cash(case=kunshan_case, fund=kunshan_fund, amount="800", acting_user=kunshan_head)
    wrong = pay_cash(case=kunshan_case, fund=kunshan_fund, amount="500", acting_user=kunshan_head)
    entry_reverse(entry=wrong.ledger_entry, reason="重复录入", acting_user=kunshan_head)

    response = client_for(kunshan_head).get(PAID)

    assert {d.pk for d in response.context["cl"].result_list} == {kept.pk, wrong.pk}
    assert response.context["totals"]["count"] == 1
    assert response.context["totals"]["total"] == "800.00"


# --- postings through the admin -------------------------------------------------------------


def test_a_clerk_posts_a_disbursement_through_the_admin_and_the_balance_drops(
    kunshan_clerk, client_for, kunshan_case, kunshan_fund
):
    response = client_for(kunshan_clerk).post(
        f"{PAID}add/", post_form(kunshan_case, kunshan_fund, cash_amount="1500.50")
    )

    assert response.status_code == 302
    paid = Disbursement.objects.get()
    kunshan_fund.refresh_from_db()
    assert paid.cash_amount == Decimal("1500.50")
    assert paid.posted_by == kunshan_clerk
    assert paid.ledger_entry.amount == Decimal("-1500.50")
    assert kunshan_fund.balance == Decimal("8499.50")
    assert LogEntry.objects.filter(object_id=str(paid.pk)).exists()
    assert client_for(kunshan_clerk).get(FUND).content.decode().count("8,499.50") == 1


def test_an_overdraw_through_the_admin_form_shows_the_balance(
    kunshan_clerk, client_for, kunshan_case, kunshan_fund
):
    response = client_for(kunshan_clerk).post(
        f"{PAID}add/", post_form(kunshan_case, kunshan_fund, cash_amount="20000")
    )

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "余额不足" in errors and "10,000.00" in errors
    assert "10,000.00" in response.content.decode()
    assert not Disbursement.objects.exists()
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cash_amount": "800.123"}, "cash_amount"),
        ({"cash_amount": "-5"}, "cash_amount"),
        ({"fund": None}, "fund"),
        ({"kind": "goods", "cash_amount": None}, "item"),
    ],
)
def test_bad_amounts_and_missing_fields_are_refused_on_the_form(
    kunshan_clerk, client_for, kunshan_case, kunshan_fund, overrides, field
):
    response = client_for(kunshan_clerk).post(
        f"{PAID}add/", post_form(kunshan_case, kunshan_fund, **overrides)
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Disbursement.objects.exists()


def test_only_an_approver_can_confirm_a_payment_to_a_case_not_on_file(
    kunshan_clerk, kunshan_head, client_for, kunshan_fund, units
):
    pending = CaseFactory(unit=units["张浦镇工会"])

    clerk_form = client_for(kunshan_clerk).get(f"{PAID}add/").context["adminform"].form
    clerk_try = client_for(kunshan_clerk).post(
        f"{PAID}add/", post_form(pending, kunshan_fund, confirm_unverified="on")
    )
    head_without = client_for(kunshan_head).post(f"{PAID}add/", post_form(pending, kunshan_fund))
    head_with = client_for(kunshan_head).post(
        f"{PAID}add/", post_form(pending, kunshan_fund, confirm_unverified="on")
    )

    assert "confirm_unverified" not in clerk_form.fields
    assert "case" in clerk_try.context["adminform"].form.errors
    assert "case" in head_without.context["adminform"].form.errors
    assert head_with.status_code == 302
    assert Disbursement.objects.get().case == pending


def test_after_posting_only_the_receipt_and_notes_can_change(
    kunshan_clerk, client_for, kunshan_paid
):
    Disbursement.objects.filter(pk=kunshan_paid.pk).update(receipt_signed=False)
    client = client_for(kunshan_clerk)
    url = f"{PAID}{kunshan_paid.pk}/change/"

    form = client.get(url).context["adminform"].form
    client.post(
        url,
        {"receipt_signed": "on", "notes": "已补签", "cash_amount": "1", "kind": "goods"},
    )

    assert set(form.fields) == {"receipt_signed", "notes"}
    kunshan_paid.refresh_from_db()
    assert kunshan_paid.receipt_signed is True
    assert kunshan_paid.notes == "已补签"
    assert kunshan_paid.cash_amount == Decimal("800.00")
    assert kunshan_paid.kind == "condolence"


def test_renaming_a_fund_to_a_name_its_unit_already_uses_is_refused_on_the_form(
    kunshan_head, client_for, kunshan_fund, units
):
    other = FundFactory(unit=units["昆山市总工会"], name="助学金")

    response = client_for(kunshan_head).post(
        f"{FUND}{other.pk}/change/",
        {"name": kunshan_fund.name, "kind": "student_aid", "is_active": "on", "notes": ""},
    )

    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    other.refresh_from_db()
    assert other.name == "助学金"


def test_money_in_through_the_admin_posts_income(kunshan_clerk, client_for, kunshan_fund):
    client = client_for(kunshan_clerk)
    data = {
        "fund": kunshan_fund.pk,
        "kind": EntryKind.DONATION,
        "entry_date": "2007-01-30",
        "amount": "2100",
        "source": "机关党员捐款",
    }

    wrong_kind = client.post(f"{LEDGER}add/", {**data, "kind": EntryKind.DISBURSEMENT})
    no_donor = client.post(f"{LEDGER}add/", {**data, "source": ""})
    posted = client.post(f"{LEDGER}add/", data)

    assert "kind" in wrong_kind.context["adminform"].form.errors
    assert "source" in no_donor.context["adminform"].form.errors
    assert posted.status_code == 302
    kunshan_fund.refresh_from_db()
    assert kunshan_fund.balance == Decimal("12100.00")
    assert LedgerEntry.objects.filter(kind=EntryKind.DONATION, source="机关党员捐款").count() == 1


def test_an_approver_allocates_to_a_lower_unit_and_a_clerk_may_not(
    kunshan_head, kunshan_clerk, client_for, kunshan_fund, units
):
    zhangpu = FundFactory(unit=units["张浦镇工会"], name="张浦资金")
    data = {
        "from_fund": kunshan_fund.pk,
        "to_fund": zhangpu.pk,
        "amount": "3000",
        "entry_date": "2007-01-20",
    }

    clerk = client_for(kunshan_clerk).post(f"{LEDGER}allocate/", data)
    upwards = client_for(kunshan_head).post(
        f"{LEDGER}allocate/", {**data, "from_fund": zhangpu.pk, "to_fund": kunshan_fund.pk}
    )
    too_much = client_for(kunshan_head).post(f"{LEDGER}allocate/", {**data, "amount": "99999"})
    done = client_for(kunshan_head).post(f"{LEDGER}allocate/", data)

    assert clerk.status_code == 403
    assert upwards.context["adminform"].form.non_field_errors()
    assert "余额不足" in str(too_much.context["adminform"].form.non_field_errors())
    assert done.status_code == 302
    kunshan_fund.refresh_from_db()
    zhangpu.refresh_from_db()
    assert (kunshan_fund.balance, zhangpu.balance) == (Decimal("7000.00"), Decimal("3000.00"))


def test_an_approver_reverses_an_entry_with_a_reason_once(
    kunshan_head, client_for, kunshan_paid, kunshan_fund
):
    client = client_for(kunshan_head)
    url = f"{LEDGER}{kunshan_paid.ledger_entry_id}/reverse/"

    page = client.get(url)
    no_reason = client.post(url, {"reason": ""})
    done = client.post(url, {"reason": "重复录入"})
    again = client.post(url, {"reason": "再冲一次"})

    assert page.status_code == 200 and "800.00" in page.content.decode()
    assert "reason" in no_reason.context["adminform"].form.errors
    assert done.status_code == 302
    assert again.context["adminform"].form.non_field_errors()
    kunshan_fund.refresh_from_db()
    kunshan_paid.refresh_from_db()
    assert kunshan_fund.balance == Decimal("10000.00")
    assert kunshan_paid.is_reversed
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_only_the_giving_side_reverses_an_allocation(kunshan_head, city_admin, client_for, units):
    from funds.services import allocation_post

    city = FundFactory(unit=units["苏州市总工会"], name="市总资金", opening="50000")
    kunshan = FundFactory(unit=units["昆山市总工会"], name="昆山资金")
    out, received = allocation_post(
        from_fund=city, to_fund=kunshan, amount="20000", acting_user=city_admin
    )
    url = f"{LEDGER}{received.pk}/reverse/"

    listing = client_for(kunshan_head).get(LEDGER).content.decode()
    by_receiver = client_for(kunshan_head).post(url, {"reason": "退回"})
    by_giver = client_for(city_admin).post(url, {"reason": "拨错单位"})

    assert url not in listing
    assert by_receiver.status_code == 403
    assert by_giver.status_code == 302
    city.refresh_from_db()
    kunshan.refresh_from_db()
    assert (city.balance, kunshan.balance) == (Decimal("50000.00"), Decimal("0.00"))


def test_a_clerk_sees_no_reverse_link_and_may_not_reverse(kunshan_clerk, client_for, kunshan_paid):
    client = client_for(kunshan_clerk)

    listing = client.get(LEDGER).content.decode()
    response = client.post(f"{LEDGER}{kunshan_paid.ledger_entry_id}/reverse/", {"reason": "x"})

    assert "/reverse/" not in listing
    assert response.status_code == 403


# --- the auditor reads everything and changes nothing -----------------------------------------


def test_the_auditor_sees_every_district_read_only_with_export_the_only_action(
    city_auditor, client_for, kunshan_paid, wuzhong_paid
):
    client = client_for(city_auditor)

    listing = client.get(PAID)
    ledger = client.get(LEDGER).content.decode()
    change = client.get(f"{PAID}{wuzhong_paid.pk}/change/")

    html = listing.content.decode()
    assert "张浦困难职工" in html and "木渎困难职工" in html
    offered = [value for value, _label in listing.context["action_form"].fields["action"].choices]
    assert offered == ["", "export_selected"] and "/add/" not in html
    assert "/add/" not in ledger and "/allocate/" not in ledger and "/reverse/" not in ledger
    assert not change.context["adminform"].form.fields


def test_the_auditor_cannot_post_anything(
    city_auditor, client_for, kunshan_case, kunshan_fund, kunshan_paid
):
    client = client_for(city_auditor)

    responses = [
        client.get(f"{PAID}add/"),
        client.post(f"{PAID}add/", post_form(kunshan_case, kunshan_fund)),
        client.post(f"{LEDGER}add/", {"fund": kunshan_fund.pk, "kind": "own_budget"}),
        client.post(f"{LEDGER}allocate/", {}),
        client.post(f"{LEDGER}{kunshan_paid.ledger_entry_id}/reverse/", {"reason": "x"}),
        client.post(f"{PAID}{kunshan_paid.pk}/change/", {"receipt_signed": ""}),
        client.post(f"{FUND}{kunshan_fund.pk}/change/", {"name": "x", "kind": "other"}),
    ]

    assert [r.status_code for r in responses] == [403] * len(responses)
    assert Disbursement.objects.count() == 1
    assert Fund.objects.get(pk=kunshan_fund.pk).name == kunshan_fund.name
