"""The papers of a visit (签收表) and of a person (困难职工档案表): rows, totals, masking,
the one-step "signed" for a route, and scope (out of scope answers as missing)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.models import Cause, ReviewOutcome
from funds.models import Disbursement, DisbursementKind
from funds.services import disbursement_post, entry_reverse
from reports.papers import case_file, signoff_sheet
from reports.pdf import pdf_unavailable_reason
from tests.cases.factories import (
    ActivityFactory,
    CampaignFactory,
    CaseFactory,
    HouseholdMemberFactory,
)
from tests.funds.factories import FundFactory

pytestmark = pytest.mark.django_db

needs_pdf = pytest.mark.skipif(
    pdf_unavailable_reason() is not None,
    reason=f"PDF tests skipped: {pdf_unavailable_reason()}",
)


@pytest.fixture
def route(units, kunshan_clerk):
    """第3路 of 昆山's Spring Festival visits: three households reached; two paid cash
    and one also a quilt; one payment reversed (not handed over); one household paid
    nothing yet (a row with empty amounts to fill in by hand)."""
    campaign = CampaignFactory(name="2007年春节送温暖", organiser=units["苏州市总工会"])
    activity = ActivityFactory(
        campaign=campaign,
        title="春节走访慰问",
        route_label="第3路",
        leaders="王近、顾粮",
        unit=units["昆山市总工会"],
        held_on=datetime.date(2007, 2, 8),
    )
    fund = FundFactory(unit=units["昆山市总工会"], opening=Decimal("100000"))
    town = units["张浦镇工会"]
    cases = [
        CaseFactory(
            unit=town, verified=True, name=name, address=f"张浦镇{n}号", phone=f"1380000000{n}"
        )
        for n, name in enumerate(["陈一", "李二", "王三"], start=1)
    ]
    activity.cases.set(cases)

    def pay(case, **fields):
        fields.setdefault("kind", DisbursementKind.CONDOLENCE)
        return disbursement_post(
            case=case,
            disbursed_on=activity.held_on,
            paying_unit=units["昆山市总工会"],
            fund=fund,
            activity=activity,
            acting_user=kunshan_clerk,
            **fields,
        )

    pay(cases[0], cash_amount=Decimal("1000"))
    pay(cases[0], kind=DisbursementKind.GOODS, item="棉被", quantity=2, unit_value=Decimal("150"))
    pay(cases[1], cash_amount=Decimal("800.50"))
    mistake = pay(cases[1], cash_amount=Decimal("9999"))
    head = type(kunshan_clerk).objects.get(username="kunshan_head")
    entry_reverse(entry=mistake.ledger_entry, reason="录入错误", acting_user=head)
    return {"activity": activity, "cases": cases, "fund": fund}


def signoff_url(activity):
    return reverse("admin:reports_signoff", args=[activity.pk])


# --- 签收表 ----------------------------------------------------------------------------------


def test_the_signoff_sheet_has_a_row_per_household_and_the_totals(route, kunshan_clerk):
    sheet = signoff_sheet(route["activity"], kunshan_clerk)

    assert [row.name for row in sheet.rows] == sorted(["陈一", "李二", "王三"])
    by_name = {row.name: row for row in sheet.rows}
    chen = by_name["陈一"]
    assert chen.masked_id == route["cases"][0].masked_id_number
    assert "*" in chen.masked_id and chen.address == "张浦镇1号" and chen.phone == "13800000001"
    assert (chen.handed.cash, chen.goods_text, chen.handed.goods_value) == (
        Decimal("1000.00"),
        "棉被×2",
        Decimal("300.00"),
    )
    # The reversed 9,999 was not handed over.
    assert by_name["李二"].handed.cash == Decimal("800.50")
    assert by_name["王三"].handed.cash == 0 and by_name["王三"].goods_text == ""
    assert sheet.households == 3
    assert (sheet.total.cash, sheet.total.goods_value) == (Decimal("1800.50"), Decimal("300.00"))
    assert sheet.total.goods_text() == "棉被×2"


def test_the_signoff_page_shows_header_rows_and_totals(route, kunshan_clerk, client_for):
    page = client_for(kunshan_clerk).get(signoff_url(route["activity"])).content.decode()

    for text in ("2007年春节送温暖", "春节走访慰问", "第3路", "王近、顾粮", "2007-02-08"):
        assert text in page
    assert page.count('class="signoff-row"') == 3
    assert "1,800.50" in page and "300.00" in page
    assert route["cases"][0].id_number not in page  # masked even for a clerk: it travels
    assert route["cases"][0].masked_id_number in page


def test_the_activity_page_links_to_its_signoff_sheet(route, kunshan_clerk, client_for):
    activity = route["activity"]
    page = client_for(kunshan_clerk).get(
        reverse("admin:cases_activity_change", args=[activity.pk])
    )

    assert signoff_url(activity) in page.content.decode()


def test_the_whole_route_is_marked_signed_in_one_step(route, kunshan_clerk, client_for):
    activity = route["activity"]
    client = client_for(kunshan_clerk)
    assert 'name="_sign_all"' in client.get(signoff_url(activity)).content.decode()

    response = client.post(signoff_url(activity), {"_sign_all": "1"}, follow=True)

    live = Disbursement.objects.filter(activity=activity, is_reversed=False)
    assert live.count() == 3 and not live.filter(receipt_signed=False).exists()
    assert any("3" in str(m) for m in response.context["messages"])
    assert 'name="_sign_all"' not in response.content.decode()  # nothing left to sign


def test_an_auditor_may_print_but_not_mark_signed(route, city_auditor, client_for):
    client = client_for(city_auditor)
    url = signoff_url(route["activity"])

    assert 'name="_sign_all"' not in client.get(url).content.decode()
    assert client.post(url, {"_sign_all": "1"}).status_code == 403
    assert Disbursement.objects.filter(receipt_signed=True).count() == 0


def test_another_districts_activity_sheet_is_not_found(route, wuzhong_clerk, client_for):
    client = client_for(wuzhong_clerk)
    missing = reverse("admin:reports_signoff", args=[route["activity"].pk + 1000])

    assert client.get(signoff_url(route["activity"])).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.post(signoff_url(route["activity"]), {"_sign_all": "1"}).status_code == 404
    assert client.get(signoff_url(route["activity"]), {"format": "pdf"}).status_code == 404


@needs_pdf
def test_the_signoff_pdf_holds_every_household_and_the_totals(route, kunshan_clerk, client_for):
    pypdf = pytest.importorskip("pypdf")
    response = client_for(kunshan_clerk).get(signoff_url(route["activity"]), {"format": "pdf"})

    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    for name in ("陈一", "李二", "王三"):
        assert name in text
    assert "1,800.50" in text and "棉被×2" in text and "第3路" in text


@needs_pdf
def test_a_long_route_repeats_the_header_on_every_page(units, kunshan_clerk, client_for):
    pypdf = pytest.importorskip("pypdf")
    activity = ActivityFactory(
        campaign=CampaignFactory(organiser=units["苏州市总工会"]),
        unit=units["昆山市总工会"],
        title="长路线",
        route_label="第9路",
        leaders="王近",
    )
    activity.cases.set(
        [
            CaseFactory(unit=units["张浦镇工会"], verified=True, name=f"户主{n:02d}")
            for n in range(60)
        ]
    )

    response = client_for(kunshan_clerk).get(signoff_url(activity), {"format": "pdf"})

    pages = pypdf.PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) >= 2
    for page in pages:
        assert "第9路" in page.extract_text()
    last = "".join(pages[-1].extract_text().split())
    assert "户主59" in last and "合计：60户" in last


def test_without_a_chinese_font_the_signoff_page_offers_no_pdf(
    route, kunshan_clerk, client_for, monkeypatch
):
    reason = "no installed font can show Chinese (Debian package fonts-noto-cjk)"
    monkeypatch.setattr("reports.paper_views.pdf_unavailable_reason", lambda: reason)
    monkeypatch.setattr("reports.pdf.pdf_unavailable_reason", lambda: reason)
    client = client_for(kunshan_clerk)
    url = signoff_url(route["activity"])

    page = client.get(url).content.decode()
    refused = client.get(url, {"format": "pdf"}, follow=True)

    assert 'id="signoff-pdf"' not in page and "fonts-noto-cjk" in page
    assert refused["Content-Type"].startswith("text/html")


# --- 困难职工档案表 ----------------------------------------------------------------------------


@pytest.fixture
def person(route, kunshan_head):
    case = route["cases"][0]
    case.causes.set(Cause.objects.filter(name__in=["因病", "单亲"]))
    case.monthly_income_per_capita = Decimal("420.00")
    case.save()
    HouseholdMemberFactory(case=case, name="陈小一", id_number=CaseFactory.build().id_number)
    case_services.review_record(
        case=case,
        reviewed_on=datetime.date.today(),
        outcome=ReviewOutcome.CONTINUE,
        notes="仍然困难",
        acting_user=kunshan_head,
    )
    return case


def file_url(case):
    return reverse("admin:reports_case_file", args=[case.pk])


def test_the_case_file_holds_identity_household_history_reviews_and_aid(
    person, kunshan_clerk, client_for
):
    page = client_for(kunshan_clerk).get(file_url(person)).content.decode()

    assert person.id_number in page  # a clerk may see full numbers
    assert person.members.get().id_number in page
    for text in ("陈一", "张浦镇1号", "因病", "单亲", "420.00", "陈小一", "仍然困难", "棉被×2"):
        assert text in page
    assert "1,300.00" in page  # 1,000 cash + goods 300 in 2007
    assert "在档" in page  # the status history


def test_the_case_file_is_masked_for_a_role_without_full_ids(person, city_auditor, client_for):
    page = client_for(city_auditor).get(file_url(person)).content.decode()
    data = case_file(person, city_auditor)

    assert person.id_number not in page
    assert person.masked_id_number in page
    assert person.members.get().id_number not in page
    assert data.birth_date is None and not data.full_ids
    assert person.birth_date.strftime("%Y-%m-%d") not in page


def test_the_case_file_of_another_district_is_not_found(person, wuzhong_clerk, client_for):
    client = client_for(wuzhong_clerk)

    assert client.get(file_url(person)).status_code == 404
    assert (
        client.get(reverse("admin:reports_case_file", args=[person.pk + 1000])).status_code == 404
    )


def test_printing_the_case_file_is_recorded_in_the_access_log(
    person, kunshan_clerk, client_for, monkeypatch
):
    recorded = []
    monkeypatch.setattr(
        "reports.paper_views.record_access",
        lambda request, action, objects, **details: recorded.append((action, objects, details)),
    )

    client_for(kunshan_clerk).get(file_url(person))

    assert recorded == [("print", [person], {"paper": "case_file", "full_ids": True})]
