"""The access log of personal data (issue 13 part 5, PRIVACY.md "Access log"): each
action recorded in the request that showed the data, append-only, read in scope."""

import io
import random
from decimal import Decimal

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accesslog.models import AccessRecord, AccessTarget, Action
from accesslog.services import id_digest, mask_text, record_access
from cases.idnumbers import random_id_number
from cases.models import Case, HouseholdMember
from sheets import sheet_resource
from tests.cases.factories import CaseFactory, HouseholdMemberFactory
from tests.funds.factories import pay_cash

pytestmark = pytest.mark.django_db

LOG = "/admin/accesslog/accessrecord/"
CSV = "1"


@pytest.fixture
def rng():
    return random.Random(13)


@pytest.fixture
def kunshan(units, rng):
    case = CaseFactory(unit=units["张浦镇工会"], id_number=random_id_number(rng, "320583"))
    HouseholdMemberFactory(case=case, name="孩子", id_number=random_id_number(rng, "320583"))
    return case


@pytest.fixture
def wuzhong(units, rng):
    return CaseFactory(unit=units["木渎镇工会"], id_number=random_id_number(rng, "320506"))


def change_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def targets_of(record):
    return {
        (t.content_type.model_class(), t.object_id)
        for t in record.targets.select_related("content_type")
        if t.content_type_id
    }


def only_record(**filters):
    records = list(AccessRecord.objects.filter(**filters))
    assert len(records) == 1, records
    return records[0]


# --- what is recorded ---------------------------------------------------------------------


def test_opening_a_case_page_with_full_ids_records_the_case_and_its_household(
    client_for, kunshan_clerk, kunshan
):
    response = client_for(kunshan_clerk).get(change_url(kunshan), REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    record = only_record(action=Action.VIEW)
    member = kunshan.members.get()
    assert record.user == kunshan_clerk
    assert record.client_ip == "10.1.2.3"
    assert record.request_id == response["X-Request-ID"]
    assert record.path == change_url(kunshan)
    assert targets_of(record) == {(Case, kunshan.pk), (HouseholdMember, member.pk)}
    assert set(record.targets.values_list("unit__name", flat=True)) == {"张浦镇工会"}
    assert record.count == 2


def test_a_masked_page_is_not_a_full_data_access(client_for, city_auditor, kunshan):
    assert client_for(city_auditor).get(change_url(kunshan)).status_code == 200

    assert not AccessRecord.objects.filter(action=Action.VIEW).exists()


def test_an_out_of_scope_or_missing_page_records_nothing(client_for, kunshan_clerk, wuzhong):
    client = client_for(kunshan_clerk)

    client.get(change_url(wuzhong), follow=True)
    client.get(reverse("admin:cases_case_history", args=[wuzhong.pk]), follow=True)

    assert not AccessRecord.objects.exists()


def test_history_page_and_past_version_are_recorded_for_every_role(
    client_for, city_auditor, kunshan
):
    client = client_for(city_auditor)
    version = kunshan.history.earliest()

    history = client.get(reverse("admin:cases_case_history", args=[kunshan.pk]))
    past = client.get(
        reverse("admin:cases_case_simple_history", args=[kunshan.pk, version.history_id])
    )

    assert history.status_code == past.status_code == 200
    assert targets_of(only_record(action=Action.HISTORY)) == {(Case, kunshan.pk)}
    record = only_record(action=Action.PAST_VERSION)
    assert targets_of(record) == {(Case, kunshan.pk)}
    assert record.details == {"version": str(version.history_id)}


def test_an_id_search_is_recorded_with_a_digest_and_never_the_number(
    client_for, kunshan_clerk, kunshan
):
    client_for(kunshan_clerk).get("/admin/cases/case/", {"q": kunshan.id_number}, follow=True)

    record = only_record(action=Action.SEARCH_ID)
    assert targets_of(record) == {(Case, kunshan.pk)}
    assert record.targets.filter(id_digest=id_digest(kunshan.id_number)).exists()
    stored = [str(v) for v in AccessRecord.objects.values_list("details", "path")]
    stored += [str(v) for v in AccessTarget.objects.values_list("id_digest", flat=True)]
    assert not any(kunshan.id_number in text for text in stored)


def test_an_admin_export_records_persons_count_filters_and_file_name(
    client_for, kunshan_clerk, kunshan, units
):
    other = CaseFactory(unit=units["陆家镇工会"], verified=True)

    response = client_for(kunshan_clerk).post(
        reverse("admin:cases_case_export") + "?status__exact=pending", {"format": CSV}
    )

    assert response.status_code == 200
    record = only_record(action=Action.EXPORT)
    assert targets_of(record) == {(Case, kunshan.pk)}
    assert (Case, other.pk) not in targets_of(record)
    assert record.count == 1
    assert record.details["rows"] == 1
    assert record.details["filters"] == {"status__exact": "pending"}
    day = timezone.localdate().strftime("%Y%m%d")
    assert record.details["file_name"] == f"{sheet_resource('cases').sheet_title}-{day}.csv"
    assert record.user == kunshan_clerk


def test_a_disbursement_export_names_the_persons_paid(
    client_for, kunshan_clerk, kunshan_case, kunshan_fund
):
    pay_cash(
        case=kunshan_case, fund=kunshan_fund, amount=Decimal("100"), acting_user=kunshan_clerk
    )

    client_for(kunshan_clerk).post(reverse("admin:funds_disbursement_export"), {"format": CSV})

    assert targets_of(only_record(action=Action.EXPORT)) == {(Case, kunshan_case.pk)}


def test_a_cli_export_is_recorded_with_its_options(kunshan_clerk, kunshan, tmp_path):
    call_command(
        "exportsheet",
        "cases",
        "--as",
        "kunshan_clerk",
        "-o",
        str(tmp_path / "out.csv"),
        "--unit",
        "张浦镇工会",
        stdout=io.StringIO(),
    )

    record = only_record(action=Action.EXPORT)
    assert record.user == kunshan_clerk
    assert record.client_ip is None
    assert record.details["file_name"] == "out.csv"
    assert record.details["filters"] == {"unit": "张浦镇工会"}
    assert targets_of(record) == {(Case, kunshan.pk)}


def test_record_access_is_one_call_for_prints(rf, kunshan_clerk, kunshan, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/admin/cases/case/1/print/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user = kunshan_clerk

    record_access(request, Action.PRINT, kunshan, pages=2, note="身份证 " + kunshan.id_number)

    record = only_record(action=Action.PRINT)
    assert record.client_ip == "203.0.113.9"
    assert record.details["pages"] == 2
    # An ID number in the details is starred.
    assert kunshan.id_number not in record.details["note"]
    assert record.details["note"].endswith(kunshan.id_number[-4:])


# --- append-only --------------------------------------------------------------------------


def test_records_are_never_changed_or_deleted(kunshan_clerk, kunshan):
    record = record_access(None, Action.PRINT, kunshan, user=kunshan_clerk)
    target = record.targets.get()

    for attempt in (
        record.save,
        record.delete,
        target.save,
        target.delete,
        lambda: AccessRecord.objects.update(count=0),
        lambda: AccessRecord.objects.filter(pk=record.pk).delete(),
        lambda: AccessTarget.objects.update(object_id=1),
        lambda: AccessTarget.objects.all().delete(),
    ):
        with pytest.raises(TypeError, match="never changed or deleted"):
            attempt()
    assert AccessRecord.objects.get().count == 1


# --- who reads the log ----------------------------------------------------------------------


@pytest.fixture
def both_opened(client_for, kunshan_clerk, wuzhong_clerk, kunshan, wuzhong):
    client_for(kunshan_clerk).get(change_url(kunshan))
    client_for(wuzhong_clerk).get(change_url(wuzhong))
    return (
        only_record(action=Action.VIEW, user=kunshan_clerk),
        only_record(action=Action.VIEW, user=wuzhong_clerk),
    )


def listed(client, params=None):
    response = client.get(LOG, params or {}, follow=True)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_a_kunshan_head_never_sees_accesses_to_wuzhong_records(
    client_for, kunshan_head, both_opened
):
    kunshan_view, wuzhong_view = both_opened
    client = client_for(kunshan_head)

    assert listed(client) == {kunshan_view}
    page = client.get(reverse("admin:accesslog_accessrecord_change", args=[wuzhong_view.pk]))
    missing = client.get(reverse("admin:accesslog_accessrecord_change", args=[987654]))
    assert page.status_code == missing.status_code == 302
    assert (
        client.get(
            reverse("admin:accesslog_accessrecord_change", args=[kunshan_view.pk])
        ).status_code
        == 200
    )


def test_the_city_auditor_sees_every_access(client_for, city_auditor, both_opened):
    # Their own page views (masked) are not recorded; both clerks' are.
    assert listed(client_for(city_auditor)) == set(both_opened)


def test_clerks_do_not_read_the_log(client_for, kunshan_clerk, both_opened):
    assert client_for(kunshan_clerk).get(LOG).status_code == 403


def test_the_log_is_read_only_for_everyone(client_for, city_auditor, both_opened):
    client = client_for(city_auditor)
    record = both_opened[0]

    assert client.get(LOG + "add/").status_code == 403
    assert (
        client.post(
            reverse("admin:accesslog_accessrecord_delete", args=[record.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_filters_by_action_user_and_date(client_for, city_auditor, kunshan_clerk, both_opened):
    client = client_for(city_auditor)
    kunshan_view, _ = both_opened
    day = kunshan_view.at.astimezone().date()

    assert listed(client, {"user__id__exact": kunshan_clerk.pk}) == {kunshan_view}
    assert listed(client, {"action__exact": "view"}) == set(both_opened)
    assert listed(client, {"action__exact": "export"}) == set()
    assert listed(client, {"at__year": day.year}) == set(both_opened)
    assert listed(client, {"at__year": day.year - 1}) == set()


def test_an_id_number_finds_every_access_to_that_person(
    client_for, city_auditor, kunshan_clerk, kunshan, wuzhong, both_opened
):
    clerk = client_for(kunshan_clerk)
    clerk.get(reverse("admin:cases_case_history", args=[kunshan.pk]))
    clerk.get("/admin/cases/case/", {"q": kunshan.id_number}, follow=True)
    clerk.post(reverse("admin:cases_case_export"), {"format": CSV})
    member = kunshan.members.get()
    kunshan_view, wuzhong_view = both_opened

    found = listed(client_for(city_auditor), {"q": kunshan.id_number})
    by_member = listed(client_for(city_auditor), {"q": member.id_number})

    expected = set(
        AccessRecord.objects.filter(
            action__in=[Action.VIEW, Action.HISTORY, Action.SEARCH_ID, Action.EXPORT],
            user=kunshan_clerk,
        )
    )
    # Searching the log by a number is itself an access to that person, and in the log.
    first, second = AccessRecord.objects.filter(
        user=city_auditor, action=Action.SEARCH_ID
    ).order_by("at", "pk")
    assert len(expected) == 4 and kunshan_view in expected
    assert found == expected | {first}
    assert wuzhong_view not in found
    # The household member's number finds the accesses to their household's file.
    assert by_member == expected | {second}


def test_the_log_exports_to_xlsx(client_for, city_auditor, both_opened):
    response = client_for(city_auditor).get(
        reverse("admin:accesslog_accessrecord_export"), {"action__exact": "view"}
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "用户", "操作", "记录数")
    assert sorted(r[1] for r in rows[1:]) == ["kunshan_clerk", "wuzhong_clerk"]
    assert {r[2] for r in rows[1:]} == {"打开个人页面"}


def test_a_head_exports_only_their_scope(client_for, kunshan_head, both_opened):
    response = client_for(kunshan_head).get(reverse("admin:accesslog_accessrecord_export"))

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["kunshan_clerk"]


# --- the admin's change log -----------------------------------------------------------------


def test_the_change_log_is_readable_in_scope(
    client_for, city_auditor, kunshan_head, kunshan_clerk, wuzhong_clerk, kunshan, wuzhong
):
    content_type = ContentType.objects.get_for_model(Case)
    entries = {}
    for user, case in ((kunshan_clerk, kunshan), (wuzhong_clerk, wuzhong)):
        entries[case.pk] = LogEntry.objects.create(
            user=user,
            content_type=content_type,
            object_id=str(case.pk),
            object_repr=str(case),
            action_flag=CHANGE,
            change_message="改了电话",
        )
    url = "/admin/admin/logentry/"

    auditor = client_for(city_auditor).get(url)
    head = client_for(kunshan_head).get(url)

    assert auditor.status_code == head.status_code == 200
    assert set(auditor.context["cl"].result_list) == set(entries.values())
    assert set(head.context["cl"].result_list) == {entries[kunshan.pk]}
    hidden = client_for(kunshan_head).get(f"{url}{entries[wuzhong.pk].pk}/change/")
    assert hidden.status_code == 302
    assert client_for(kunshan_clerk).get(url).status_code == 403
    assert client_for(city_auditor).get(url + "add/").status_code == 403


def test_anonymous_users_reach_neither_log(db):
    for url in (LOG, "/admin/admin/logentry/"):
        assert Client().get(url).status_code == 302


def test_an_export_of_an_id_search_records_the_search_starred(client_for, kunshan_clerk, kunshan):
    client = client_for(kunshan_clerk)
    query = client.get("/admin/cases/case/", {"q": kunshan.id_number})["Location"].split("?")[1]

    client.post(reverse("admin:cases_case_export") + "?" + query, {"format": CSV})

    record = only_record(action=Action.EXPORT)
    assert record.details["filters"] == {"q": mask_text(kunshan.id_number)}
    assert targets_of(record) == {(Case, kunshan.pk)}
