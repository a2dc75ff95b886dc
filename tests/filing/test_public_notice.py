"""公示 and 授权委托书 (FILING.md "Public notice and consent"): the unit's rule, the notice
with its objections blocking verification, the scanned copy stored privately, served in
scope only and logged."""

import datetime
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accesslog.models import AccessRecord, AccessTarget, Action
from cases import services
from cases.models import (
    Case,
    ConsentForm,
    FilingRequirement,
    NoticeObjection,
    ObjectionOutcome,
    PublicNotice,
)
from cases.selectors import requirement_for
from tests.cases.factories import CaseFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def require_notice(unit, *, consent=False, notice=True, days_=7):
    return FilingRequirement.objects.create(
        unit=unit, requires_notice=notice, notice_days=days_, requires_consent=consent
    )


def verify_refusal(case, head):
    with pytest.raises(ValidationError) as error:
        services.case_verify(case=case, acting_user=head)
    return error.value.messages


# --- the unit's rule --------------------------------------------------------------------


def test_units_below_inherit_the_nearest_rule_and_none_means_nothing_required(units):
    assert requirement_for(units["张浦镇工会"]) is None
    kunshan = require_notice(units["昆山市总工会"], days_=5)
    own = require_notice(units["巴城镇工会"], notice=False, consent=True)

    assert requirement_for(units["张浦镇工会"]) == kunshan
    assert requirement_for(units["巴城镇工会"]) == own
    assert requirement_for(units["木渎镇工会"]) is None


def test_a_head_sets_the_rule_of_their_district_not_anothers(units, kunshan_head, kunshan_clerk):
    rule = services.filing_requirement_save(
        requirement=FilingRequirement(unit=units["张浦镇工会"], requires_notice=True),
        acting_user=kunshan_head,
    )
    assert rule.history.count() == 1
    with pytest.raises(PermissionDenied):
        services.filing_requirement_save(
            requirement=FilingRequirement(unit=units["木渎镇工会"], requires_notice=True),
            acting_user=kunshan_head,
        )
    with pytest.raises(PermissionDenied):
        services.filing_requirement_save(
            requirement=FilingRequirement(unit=units["陆家镇工会"], requires_notice=True),
            acting_user=kunshan_clerk,
        )


# --- 公示 -----------------------------------------------------------------------------------


def test_a_unit_requiring_notice_refuses_verification_without_one(
    units, kunshan_head, kunshan_pending_case
):
    require_notice(units["昆山市总工会"])

    assert verify_refusal(kunshan_pending_case, kunshan_head) == [
        "该档案不能审核：昆山市总工会要求公示7天，但尚未公示。"
    ]


def test_a_notice_still_running_blocks_and_its_end_defaults_to_the_units_days(
    units, kunshan_clerk, kunshan_head, kunshan_pending_case
):
    require_notice(units["昆山市总工会"])
    notice = services.public_notice_save(
        notice=PublicNotice(case=kunshan_pending_case, starts_on=days(-3), place="厂区公示栏"),
        acting_user=kunshan_clerk,
    )

    assert notice.ends_on == days(3)  # seven days, both ends counted
    end = f"{days(3):%Y-%m-%d}"
    assert verify_refusal(kunshan_pending_case, kunshan_head) == [
        f"该档案不能审核：公示期至{end}结束，请在公示期满后审核。"
    ]


def test_a_notice_shorter_than_the_unit_requires_is_refused(
    units, kunshan_clerk, kunshan_pending_case
):
    require_notice(units["昆山市总工会"])
    with pytest.raises(ValidationError) as error:
        services.public_notice_save(
            notice=PublicNotice(
                case=kunshan_pending_case, starts_on=days(-10), ends_on=days(-6), place="公示栏"
            ),
            acting_user=kunshan_clerk,
        )
    assert error.value.message_dict == {"ends_on": ["昆山市总工会要求公示不少于7天。"]}


def test_an_open_objection_blocks_verification_and_its_dismissal_lets_it_through(
    units, kunshan_clerk, kunshan_head, kunshan_pending_case
):
    require_notice(units["昆山市总工会"])
    notice = services.public_notice_save(
        notice=PublicNotice(case=kunshan_pending_case, starts_on=days(-10), place="社区公示栏"),
        acting_user=kunshan_clerk,
    )
    objection = services.objection_save(
        objection=NoticeObjection(
            notice=notice, received_on=days(-5), content="其家庭另有一套住房出租"
        ),
        acting_user=kunshan_clerk,
    )

    assert verify_refusal(kunshan_pending_case, kunshan_head) == [
        "该档案不能审核：公示期间收到的异议尚未处理（其家庭另有一套住房出租）。"
    ]

    # A clerk records objections; only an approver decides one.
    objection.outcome = ObjectionOutcome.DISMISSED
    objection.decision = "经核实，该住房已于去年出售。"
    with pytest.raises(PermissionDenied) as denied:
        services.objection_save(objection=objection, acting_user=kunshan_clerk)
    assert str(denied.value) == "只有负责人才能处理异议。"
    objection = services.objection_save(objection=objection, acting_user=kunshan_head)
    assert objection.decided_by == kunshan_head
    assert objection.history.count() == 2

    case = services.case_verify(case=kunshan_pending_case, acting_user=kunshan_head)
    assert case.status == "verified"


def test_an_open_objection_blocks_even_where_no_notice_is_required(
    units, kunshan_clerk, kunshan_head, kunshan_pending_case
):
    notice = services.public_notice_save(
        notice=PublicNotice(case=kunshan_pending_case, starts_on=days(-10), place="公示栏"),
        acting_user=kunshan_clerk,
    )
    NoticeObjection.objects.create(notice=notice, content="收入不实")

    assert verify_refusal(kunshan_pending_case, kunshan_head) == [
        "该档案不能审核：公示期间收到的异议尚未处理（收入不实）。"
    ]


def test_an_upheld_objection_needs_a_new_notice(
    units, kunshan_clerk, kunshan_head, kunshan_pending_case
):
    require_notice(units["昆山市总工会"])
    notice = services.public_notice_save(
        notice=PublicNotice(case=kunshan_pending_case, starts_on=days(-20), place="公示栏"),
        acting_user=kunshan_clerk,
    )
    NoticeObjection.objects.create(
        notice=notice, content="收入不实", outcome=ObjectionOutcome.UPHELD, decision="属实"
    )
    assert verify_refusal(kunshan_pending_case, kunshan_head) == [
        "该档案不能审核：最近一次公示的异议成立：请更正档案后重新公示。"
    ]
    services.public_notice_save(
        notice=PublicNotice(case=kunshan_pending_case, starts_on=days(-8), place="公示栏"),
        acting_user=kunshan_clerk,
    )
    assert services.case_verify(case=kunshan_pending_case, acting_user=kunshan_head).status == (
        "verified"
    )


def test_the_case_page_shows_notices_and_what_blocks(
    units, kunshan_clerk, kunshan_pending_case, client_for
):
    require_notice(units["昆山市总工会"], consent=True)
    notice = PublicNotice.objects.create(
        case=kunshan_pending_case, starts_on=days(-1), ends_on=days(5), place="张浦镇公示栏"
    )
    NoticeObjection.objects.create(notice=notice, content="有异议")

    html = (
        client_for(kunshan_clerk)
        .get(f"/admin/cases/case/{kunshan_pending_case.pk}/change/")
        .content.decode()
    )

    assert "张浦镇公示栏" in html
    assert "1 件，未处理 1 件" in html
    assert "昆山市总工会要求审核前公示7天和提供授权委托书。" in html
    assert "要求提供授权委托书，但尚未上传" in html
    assert f"/admin/cases/consentform/add/?case={kunshan_pending_case.pk}" in html


def test_the_notice_page_records_an_objection_and_a_clerk_cannot_decide_it(
    units, kunshan_clerk, kunshan_pending_case, client_for
):
    notice = PublicNotice.objects.create(
        case=kunshan_pending_case, starts_on=days(-1), ends_on=days(5), place="公示栏"
    )
    client = client_for(kunshan_clerk)
    url = f"/admin/cases/publicnotice/{notice.pk}/change/"
    form = {
        "starts_on": f"{days(-1):%Y-%m-%d}",
        "ends_on": f"{days(5):%Y-%m-%d}",
        "place": "公示栏",
        "notes": "",
        "objections-TOTAL_FORMS": "1",
        "objections-INITIAL_FORMS": "0",
        "objections-0-received_on": f"{TODAY():%Y-%m-%d}",
        "objections-0-raised_by": "",
        "objections-0-content": "收入不实",
        "objections-0-outcome": "dismissed",
        "objections-0-decision": "不属实",
        "objections-0-decided_on": "",
        "objections-0-notice": str(notice.pk),
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "只有负责人才能处理异议。" in response.content.decode()

    response = client.post(url, {**form, "objections-0-outcome": "open"})
    assert response.status_code == 302
    assert list(notice.objections.values_list("content", "outcome")) == [("收入不实", "open")]


# --- 授权委托书 -------------------------------------------------------------------------------


def upload(data=PDF, name="授权委托书.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_consent_required_blocks_until_a_signed_copy_is_on_file(
    units, kunshan_clerk, kunshan_head, kunshan_pending_case, settings
):
    require_notice(units["昆山市总工会"], notice=False, consent=True)
    assert verify_refusal(kunshan_pending_case, kunshan_head) == [
        "该档案不能审核：昆山市总工会要求提供授权委托书，但尚未上传。"
    ]

    consent = services.consent_record(
        case=kunshan_pending_case,
        signed_on=days(-1),
        upload=upload(),
        file_name="授权委托书.pdf",
        acting_user=kunshan_clerk,
    )

    stored = settings.PRIVATE_MEDIA_ROOT / "consent" / consent.scan_name
    assert stored.read_bytes() == PDF
    assert os.stat(stored).st_mode & 0o077 == 0  # owner only
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))
    assert (consent.scan_content_type, consent.scan_size) == ("application/pdf", len(PDF))
    assert services.case_verify(case=kunshan_pending_case, acting_user=kunshan_head).status == (
        "verified"
    )


def test_consent_not_required_where_the_unit_does_not_say_so(
    units, wuzhong_head, wuzhong_pending_case
):
    require_notice(units["昆山市总工会"], notice=False, consent=True)

    assert services.case_verify(case=wuzhong_pending_case, acting_user=wuzhong_head).status == (
        "verified"
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00 an executable", "授权委托书.pdf"),  # named .pdf, is not one
        (PDF, "授权委托书.exe"),  # is a PDF, named otherwise
        (b"<html><script>alert(1)</script>", "scan.png"),
    ],
)
def test_a_scan_that_is_not_pdf_jpeg_or_png_is_refused(
    units, kunshan_clerk, kunshan_pending_case, data, name, settings
):
    with pytest.raises(ValidationError) as error:
        services.consent_record(
            case=kunshan_pending_case,
            signed_on=days(-1),
            upload=upload(data, name),
            file_name=name,
            acting_user=kunshan_clerk,
        )
    assert error.value.message_dict == {
        "scan": [
            "只接受 PDF、JPEG 或 PNG 格式的扫描件，而这个文件的内容不属于其中任何一种"
            "（不论文件名怎么写）。"
        ]
    }
    assert not ConsentForm.objects.exists()
    assert not list(settings.PRIVATE_MEDIA_ROOT.glob("**/*.*"))  # nothing written


def test_a_scan_over_the_size_limit_is_refused_on_the_upload_page(
    units, kunshan_clerk, kunshan_pending_case, client_for, settings
):
    settings.RELIEF_SCAN_MAX_BYTES = 1024
    client = client_for(kunshan_clerk)
    response = client.post(
        "/admin/cases/consentform/add/",
        {
            "case": kunshan_pending_case.pk,
            "signed_on": f"{days(-1):%Y-%m-%d}",
            "scan": upload(PNG + b"\x00" * 2000, "scan.png"),
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "扫描件大小为 2.0\xa0KB，最多只能上传 1.0\xa0KB。请降低扫描分辨率后重试。" in html
    assert not ConsentForm.objects.exists()


def test_the_upload_page_stores_the_scan(units, kunshan_clerk, kunshan_pending_case, client_for):
    response = client_for(kunshan_clerk).post(
        "/admin/cases/consentform/add/",
        {
            "case": kunshan_pending_case.pk,
            "signed_on": f"{days(-1):%Y-%m-%d}",
            "scan": upload(PNG, "委托书.png"),
        },
    )

    assert response.status_code == 302
    consent = ConsentForm.objects.get()
    assert (consent.case, consent.scan_content_type, consent.uploaded_by) == (
        kunshan_pending_case,
        "image/png",
        kunshan_clerk,
    )


def test_download_in_scope_is_logged_and_out_of_scope_is_404(
    units, kunshan_clerk, wuzhong_clerk, city_auditor, client_for
):
    wuzhong = CaseFactory(unit=units["木渎镇工会"], name="木渎委托人")
    consent = services.consent_record(
        case=wuzhong,
        signed_on=days(-1),
        upload=upload(),
        file_name="委托书.pdf",
        acting_user=wuzhong_clerk,
    )
    url = f"/admin/cases/consentform/{consent.pk}/scan/"

    # Out of scope looks exactly like missing.
    assert client_for(kunshan_clerk).get(url).status_code == 404
    assert client_for(kunshan_clerk).get("/admin/cases/consentform/999999/scan/").status_code == (
        404
    )
    assert client_for(kunshan_clerk).get(
        f"/admin/cases/consentform/{consent.pk}/change/"
    ).status_code in (302, 404)
    # The auditor sees that a copy is on file, not the copy (full ID number, signature).
    assert client_for(city_auditor).get(url).status_code == 404
    assert not AccessRecord.objects.filter(action=Action.DOWNLOAD).exists()

    response = client_for(wuzhong_clerk).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    record = AccessRecord.objects.get(action=Action.DOWNLOAD)
    assert record.user == wuzhong_clerk
    assert record.details == {"file_name": "委托书.pdf"}
    targets = set(AccessTarget.objects.filter(record=record).values_list("object_id", "unit"))
    assert targets == {(wuzhong.pk, wuzhong.unit_id), (consent.pk, wuzhong.unit_id)}


def test_the_consent_list_is_scoped(units, kunshan_clerk, wuzhong_clerk, client_for):
    wuzhong = CaseFactory(unit=units["木渎镇工会"], name="木渎委托人")
    services.consent_record(
        case=wuzhong,
        signed_on=days(-1),
        upload=upload(),
        file_name="委托书.pdf",
        acting_user=wuzhong_clerk,
    )
    assert (
        "木渎委托人"
        not in client_for(kunshan_clerk).get("/admin/cases/consentform/").content.decode()
    )
    assert (
        "木渎委托人" in client_for(wuzhong_clerk).get("/admin/cases/consentform/").content.decode()
    )
    assert Case.objects.filter(pk=wuzhong.pk).exists()


# --- the case sheet verifies under the same rules ---------------------------------------


def test_a_sheet_row_cannot_verify_a_file_the_rules_block(units, kunshan_head):
    from tests.sheets.helpers import KUNSHAN_ID, case_row, errors_of, import_rows

    require_notice(units["昆山市总工会"])
    headers = ["姓名", "身份证号", "所属工会", "困难类别", "档案状态"]

    result = import_rows(
        kunshan_head, [case_row(身份证号=KUNSHAN_ID, 档案状态="在档")], headers=headers
    )

    assert [message for _row, _column, message in errors_of(result)] == [
        "该档案不能审核：昆山市总工会要求公示7天，但尚未公示。"
    ]
    assert not Case.objects.exists()
    # Pending is what a new file is: accepted.
    result = import_rows(
        kunshan_head, [case_row(身份证号=KUNSHAN_ID, 档案状态="待审核")], headers=headers
    )
    assert errors_of(result) == []


def test_anonymising_a_file_past_retention_removes_its_scan_and_objections(
    units, kunshan_clerk, settings, django_capture_on_commit_callbacks
):
    from cases.retention import cases_anonymise

    case = CaseFactory(unit=units["张浦镇工会"], exited=True, exited_on=datetime.date(2010, 1, 4))
    consent = services.consent_record(
        case=case,
        signed_on=datetime.date(2009, 5, 1),
        upload=upload(),
        file_name="顾小妹授权委托书.pdf",
        acting_user=kunshan_clerk,
    )
    notice = PublicNotice.objects.create(
        case=case,
        starts_on=datetime.date(2009, 5, 1),
        ends_on=datetime.date(2009, 5, 7),
        place="公示栏",
    )
    objection = NoticeObjection.objects.create(
        notice=notice, raised_by="邻居王某", content="顾小妹家有车", decision="不属实"
    )
    stored = settings.PRIVATE_MEDIA_ROOT / "consent" / consent.scan_name

    with django_capture_on_commit_callbacks(execute=True):
        run = cases_anonymise(years=10)

    assert run.case_ids == [case.pk]
    objection.refresh_from_db()
    consent.refresh_from_db()
    assert (objection.raised_by, objection.content, objection.decision) == ("", "已匿名", "")
    assert consent.scan_file_name == "已匿名"
    assert not stored.exists()
    history = NoticeObjection.history.filter(id=objection.pk)
    assert set(history.values_list("content", flat=True)) == {"已匿名"}
