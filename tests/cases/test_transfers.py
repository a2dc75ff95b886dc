"""档案转接 (FILING.md "Moving a file between units"): start, accept, refuse, withdraw and
the city union's direct move, through the services and the admin; what each side sees
in each state, at every door (case list, case page, autocomplete, history, export, the
transfers' list and page)."""

import io

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases.idnumbers import mask_id_number
from cases.models import Case, CaseTransfer, TransferState
from cases.resources import CaseResource
from cases.transfers import (
    case_move,
    transfer_accept,
    transfer_cancel,
    transfer_refuse,
    transfer_start,
)
from sheets import read_sheet
from tests.cases.factories import CaseFactory
from tests.scope_helpers import assert_looks_missing
from tests.sheets.helpers import errors_of, import_sheet

pytestmark = pytest.mark.django_db

CASES = "/admin/cases/case/"
TRANSFERS = "/admin/cases/casetransfer/"
AUTOCOMPLETE = "/admin/autocomplete/"
REASON = "本人工作调动至吴中区木渎镇"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in (response.context or {}).get("messages", [])
    ]


def refusal(call) -> str:
    with pytest.raises((ValidationError, PermissionDenied)) as caught:
        call()
    error = caught.value
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


@pytest.fixture
def started(kunshan_case, units, kunshan_head):
    return transfer_start(
        case=kunshan_case, to_unit=units["木渎镇工会"], reason=REASON, acting_user=kunshan_head
    )


def in_state(state, transfer, wuzhong_head, kunshan_head):
    if state == TransferState.ACCEPTED:
        transfer_accept(transfer=transfer, acting_user=wuzhong_head)
    elif state == TransferState.REFUSED:
        transfer_refuse(transfer=transfer, reason="不属本单位会员", acting_user=wuzhong_head)
    elif state == TransferState.CANCELLED:
        transfer_cancel(transfer=transfer, acting_user=kunshan_head)
    transfer.refresh_from_db()
    return transfer


# --- the services -------------------------------------------------------------------------


def test_a_head_starts_a_transfer_and_the_receiving_head_accepts_it(
    started, kunshan_case, units, kunshan_head, wuzhong_head
):
    assert started.state == TransferState.PENDING
    assert (started.from_unit, started.to_unit) == (units["张浦镇工会"], units["木渎镇工会"])
    assert started.started_by == kunshan_head and started.reason == REASON
    kunshan_case.refresh_from_db()
    assert kunshan_case.unit == units["张浦镇工会"]  # still the sender's while pending

    transfer_accept(transfer=started, acting_user=wuzhong_head)

    started.refresh_from_db()
    kunshan_case.refresh_from_db()
    assert started.state == TransferState.ACCEPTED
    assert started.decided_by == wuzhong_head and started.decided_at is not None
    assert kunshan_case.unit == units["木渎镇工会"]
    latest = kunshan_case.history.first()
    assert latest.unit_id == units["木渎镇工会"].pk and latest.history_user == wuzhong_head
    assert kunshan_case.history.all()[1].unit_id == units["张浦镇工会"].pk
    assert [h.state for h in started.history.order_by("history_id")] == ["pending", "accepted"]


def test_a_refusal_needs_a_reason_and_leaves_the_file_where_it_is(
    started, kunshan_case, units, wuzhong_head
):
    assert (
        refusal(lambda: transfer_refuse(transfer=started, reason=" ", acting_user=wuzhong_head))
        == "请说明拒收原因。"
    )

    transfer_refuse(transfer=started, reason="不属本单位会员", acting_user=wuzhong_head)

    started.refresh_from_db()
    kunshan_case.refresh_from_db()
    assert started.state == TransferState.REFUSED
    assert started.refusal_reason == "不属本单位会员"
    assert kunshan_case.unit == units["张浦镇工会"]
    assert (
        refusal(lambda: transfer_accept(transfer=started, acting_user=wuzhong_head))
        == "这项转接已不在待决定状态（已拒收）。"
    )


def test_who_may_start_and_decide(
    kunshan_case, units, kunshan_clerk, kunshan_head, wuzhong_head, city_auditor
):
    to = units["木渎镇工会"]
    # A clerk prepares, a head starts; another district's head cannot reach the file.
    for user in (kunshan_clerk, wuzhong_head, city_auditor):
        with pytest.raises(PermissionDenied):
            transfer_start(case=kunshan_case, to_unit=to, reason=REASON, acting_user=user)
    transfer = transfer_start(
        case=kunshan_case, to_unit=to, reason=REASON, acting_user=kunshan_head
    )
    # The sender, a clerk of the receiver and the auditor do not decide.
    for user in (kunshan_head, city_auditor):
        with pytest.raises(PermissionDenied):
            transfer_accept(transfer=transfer, acting_user=user)


def test_the_refusals_say_why_in_chinese(kunshan_case, units, kunshan_head, wuzhong_head):
    def start(to_unit, reason=REASON):
        return lambda: transfer_start(
            case=kunshan_case, to_unit=to_unit, reason=reason, acting_user=kunshan_head
        )

    assert refusal(start(None)) == "请选择接收单位。"
    assert refusal(start(units["张浦镇工会"])) == "档案已属于张浦镇工会。"
    assert refusal(start(units["木渎镇工会"], "  ")) == "请说明转接原因。"
    units["胥口镇工会"].is_active = False
    assert refusal(start(units["胥口镇工会"])) == "胥口镇工会已不是在用的单位。"

    start(units["木渎镇工会"])()
    assert refusal(start(units["甪直镇工会"])) == "这份档案已有一项转接在等待木渎镇工会决定。"


def test_whoever_started_a_transfer_never_decides_it(kunshan_case, units, kunshan_head):
    # Within 昆山: the head above both towns starts it, so someone else must decide.
    transfer = transfer_start(
        case=kunshan_case, to_unit=units["陆家镇工会"], reason=REASON, acting_user=kunshan_head
    )
    assert (
        refusal(lambda: transfer_accept(transfer=transfer, acting_user=kunshan_head))
        == "这项转接是你发起的，须由他人决定。"
    )
    # The database says so too.
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTransfer.objects.filter(pk=transfer.pk).update(
            state=TransferState.ACCEPTED, decided_by=kunshan_head
        )


def test_one_pending_transfer_per_case_in_the_database(started, units, kunshan_head):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTransfer.objects.create(
            case=started.case,
            from_unit=started.from_unit,
            to_unit=units["甪直镇工会"],
            reason="再转",
            started_by=kunshan_head,
        )


def test_the_sender_withdraws_a_pending_transfer(started, kunshan_head, wuzhong_head):
    with pytest.raises(PermissionDenied):
        transfer_cancel(transfer=started, acting_user=wuzhong_head)

    transfer_cancel(transfer=started, acting_user=kunshan_head)

    started.refresh_from_db()
    assert started.state == TransferState.CANCELLED and started.decided_by == kunshan_head
    # Withdrawn, the file may be sent again.
    transfer_start(
        case=started.case, to_unit=started.to_unit, reason=REASON, acting_user=kunshan_head
    )


# --- what each side sees, in each state ---------------------------------------------------

OWNER = {
    TransferState.PENDING: "kunshan",
    TransferState.ACCEPTED: "wuzhong",
    TransferState.REFUSED: "kunshan",
    TransferState.CANCELLED: "kunshan",
}


def _exported_names(user) -> list[str]:
    buffer = io.BytesIO()
    CaseResource(user=user).write_export(buffer, "cases.csv")
    sheet = read_sheet(buffer.getvalue(), "cases.csv")
    column = [str(h) for h in sheet.headers].index("姓名")
    return [cells[column] for _number, cells in sheet.rows]


@pytest.mark.parametrize("state", list(OWNER))
@pytest.mark.parametrize(
    "username", ["kunshan_clerk", "kunshan_head", "wuzhong_head", "city_auditor"]
)
def test_every_door_in_every_state(
    state, username, started, client_for, kunshan_head, wuzhong_head, request
):
    transfer = in_state(state, started, wuzhong_head, kunshan_head)
    Case.objects.filter(pk=transfer.case_id).update(phone="13912345678", address="张浦镇某路1号")
    case = Case.objects.get(pk=transfer.case_id)
    user = request.getfixturevalue(username)
    client = client_for(user)
    sees_file = username == "city_auditor" or username.startswith(OWNER[state])

    listed = client.get(CASES).context["cl"].result_list
    assert (case in listed) is sees_file
    query = {"app_label": "cases", "model_name": "activity", "field_name": "cases"}
    offered = client.get(AUTOCOMPLETE, {**query, "term": case.name}).json()["results"]
    assert ([r["id"] for r in offered] == [str(case.pk)]) is sees_file
    assert (case.name in _exported_names(user)) is sees_file
    for page in ("{pk}/change/", "{pk}/history/"):
        if sees_file:
            assert client.get(CASES + page.format(pk=case.pk)).status_code == 200
        else:
            assert_looks_missing(client, CASES + page, case.pk)

    # The transfer itself: both sides and the auditor, in every state.
    assert transfer in client.get(TRANSFERS).context["cl"].result_list
    page = client.get(f"{TRANSFERS}{transfer.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert mask_id_number(case.id_number) in html and case.id_number not in html
    assert case.phone not in html and case.address not in html
    assert REASON in html and "张浦镇工会" in html and "木渎镇工会" in html
    assert client.get(f"{TRANSFERS}{transfer.pk}/history/").status_code == 200
    pending = state == TransferState.PENDING
    assert ("transfer_decision_form" in html) is (pending and username == "wuzhong_head")
    assert ("transfer_withdraw_form" in html) is (pending and username == "kunshan_head")
    assert ("/admin/cases/case/%d/change/" % case.pk in html) is sees_file


def test_another_districts_transfers_are_not_seen(started, client_for, jinchang_clerk):
    client = client_for(jinchang_clerk)
    assert list(client.get(TRANSFERS).context["cl"].result_list) == []
    assert_looks_missing(client, TRANSFERS + "{pk}/change/", started.pk)
    assert_looks_missing(client, TRANSFERS + "{pk}/history/", started.pk)


def test_the_file_moved_once_lists_its_transfers_for_its_new_holder(
    started, client_for, wuzhong_head, kunshan_head
):
    in_state(TransferState.ACCEPTED, started, wuzhong_head, kunshan_head)
    html = client_for(wuzhong_head).get(f"{CASES}{started.case_id}/change/").content.decode()
    assert "本档案的转接" in html and "已接收" in html


# --- the admin pages ----------------------------------------------------------------------


def test_start_from_the_case_page_then_accept_on_the_transfer_page(
    kunshan_case, units, client_for, kunshan_head, wuzhong_head
):
    url = f"{CASES}{kunshan_case.pk}/change/"
    ask = {"CHANGE_FORM-action": "start_transfers", "_selected_action": [kunshan_case.pk]}
    form = client_for(kunshan_head).post(url, ask)
    html = form.content.decode()
    # The whole tree, by name: the only place 昆山 reads 吴中's units.
    assert "木渎镇工会（吴中区总工会）" in html and "金阊区总工会" in html

    done = client_for(kunshan_head).post(
        url,
        {**ask, "apply": "1", "to_unit": units["木渎镇工会"].pk, "reason": REASON},
        follow=True,
    )
    assert "已发起转接 1 份，由接收单位决定接收或拒收。" in messages_of(done)
    transfer = CaseTransfer.objects.get()
    # While pending, the unit is not edited on the case page.
    page = client_for(kunshan_head).get(url).content.decode()
    assert 'name="unit"' not in page

    bad = client_for(wuzhong_head).post(
        f"{TRANSFERS}{transfer.pk}/change/", {"_decide": "1", "decision": "refuse"}
    )
    assert "请说明拒收原因。" in bad.content.decode()
    accepted = client_for(wuzhong_head).post(
        f"{TRANSFERS}{transfer.pk}/change/", {"_decide": "1", "decision": "accept"}, follow=True
    )
    assert f"已接收：{kunshan_case.name}的档案现归木渎镇工会。" in messages_of(accepted)
    kunshan_case.refresh_from_db()
    assert kunshan_case.unit == units["木渎镇工会"]


def test_refuse_and_withdraw_on_the_transfer_page(
    started, client_for, kunshan_head, wuzhong_head, kunshan_case, units
):
    url = f"{TRANSFERS}{started.pk}/change/"
    # The sender's head does not get the decision, whatever it posts.
    client_for(kunshan_head).post(url, {"_decide": "1", "decision": "accept"})
    started.refresh_from_db()
    assert started.state == TransferState.PENDING

    refused = client_for(wuzhong_head).post(
        url, {"_decide": "1", "decision": "refuse", "refusal_reason": "不属本单位"}, follow=True
    )
    assert "已拒收：档案仍归张浦镇工会。" in messages_of(refused)

    again = transfer_start(
        case=kunshan_case, to_unit=units["木渎镇工会"], reason=REASON, acting_user=kunshan_head
    )
    withdrawn = client_for(kunshan_head).post(
        f"{TRANSFERS}{again.pk}/change/", {"_withdraw": "1"}, follow=True
    )
    assert "已撤回转接：档案仍归本单位。" in messages_of(withdrawn)
    again.refresh_from_db()
    assert again.state == TransferState.CANCELLED


def test_the_receiving_side_filter_lists_what_awaits_the_unit(
    started, client_for, wuzhong_head, kunshan_head
):
    incoming = client_for(wuzhong_head).get(TRANSFERS, {"side": "in", "state__exact": "pending"})
    assert list(incoming.context["cl"].result_list) == [started]
    assert (
        list(client_for(wuzhong_head).get(TRANSFERS, {"side": "out"}).context["cl"].result_list)
        == []
    )
    outgoing = client_for(kunshan_head).get(TRANSFERS, {"side": "out"})
    assert list(outgoing.context["cl"].result_list) == [started]


def test_heads_and_clerks_are_offered_what_their_role_allows(
    client_for, kunshan_clerk, kunshan_head, city_admin, city_auditor
):
    def offered(user):
        form = client_for(user).get(CASES).context["action_form"]
        return {name for name, _label in form.fields["action"].choices}

    assert "start_transfers" in offered(kunshan_head) and "move_cases" not in offered(kunshan_head)
    assert not {"start_transfers", "move_cases"} & offered(kunshan_clerk)
    assert not {"start_transfers", "move_cases"} & offered(city_auditor)
    assert "move_cases" in offered(city_admin)


# --- the city union moves files itself ----------------------------------------------------


def test_city_admin_moves_a_merged_units_files_in_bulk(
    units, client_for, city_admin, kunshan_head
):
    from unions.models import UnionUnit, UnitLevel

    gusu = UnionUnit.objects.create(
        name="姑苏区总工会", code="GS", level=UnitLevel.DISTRICT, parent=units["苏州市总工会"]
    )
    files = [CaseFactory(unit=units["金阊区总工会"], verified=True) for _ in range(3)]
    # One of them already on its way elsewhere: it stays, and the message says why.
    waiting = transfer_start(
        case=files[2],
        to_unit=units["木渎镇工会"],
        reason=REASON,
        acting_user=units["金阊区总工会"].memberships.get(role="approver").user,
    )
    # As a browser posts it: the list's button ("index") passed on, the form's own button.
    data = {"action": "move_cases", "index": "0", "_selected_action": [c.pk for c in files]}
    form = client_for(city_admin).post(CASES, data)
    assert "直接转移档案" in form.content.decode()

    done = client_for(city_admin).post(
        CASES,
        {
            **data,
            "apply": "1",
            "_apply": "转移档案",
            "to_unit": gusu.pk,
            "reason": "金阊区并入姑苏区",
        },
        follow=True,
    )

    said = messages_of(done)
    assert "已将 2 份档案转至姑苏区总工会。" in said
    assert f"{files[2]}：这份档案已有一项转接在等待木渎镇工会决定。" in said
    moved = CaseTransfer.objects.filter(direct=True).order_by("case_id")
    assert [t.case_id for t in moved] == [files[0].pk, files[1].pk]
    for transfer in moved:
        assert transfer.state == TransferState.ACCEPTED
        assert transfer.started_by == transfer.decided_by == city_admin
        assert transfer.from_unit == units["金阊区总工会"] and transfer.to_unit == gusu
        assert Case.objects.get(pk=transfer.case_id).unit == gusu
        assert Case.history.filter(id=transfer.case_id).first().history_user == city_admin
    waiting.refresh_from_db()
    assert waiting.state == TransferState.PENDING
    assert Case.objects.get(pk=files[2].pk).unit == units["金阊区总工会"]


def test_only_the_city_administrator_moves_files_directly(kunshan_case, units, kunshan_head):
    with pytest.raises(PermissionDenied):
        case_move(
            case=kunshan_case, to_unit=units["木渎镇工会"], reason=REASON, acting_user=kunshan_head
        )


def test_the_new_holders_history_page_shows_the_move_without_the_old_units_name(
    started, client_for, wuzhong_head, kunshan_head
):
    in_state(TransferState.ACCEPTED, started, wuzhong_head, kunshan_head)
    html = client_for(wuzhong_head).get(f"{CASES}{started.case_id}/history/").content.decode()
    assert "其他单位的记录" in html and "木渎镇工会" in html
    auditor_view = client_for(kunshan_head)
    assert auditor_view.get(f"{CASES}{started.case_id}/history/").status_code == 302


def test_the_case_sheet_moves_no_file_with_a_pending_transfer(started, kunshan_head):
    def row(unit: str, phone: str) -> dict:
        return {
            "姓名": started.case.name,
            "身份证号": started.case.id_number,
            "所属工会": unit,
            "困难类别": "困难职工",
            "联系电话": phone,
        }

    headers = ["姓名", "身份证号", "所属工会", "困难类别", "联系电话"]
    moved = import_sheet(CaseResource, kunshan_head, [row("陆家镇工会", "13800000001")], headers)

    assert errors_of(moved) == [
        (
            2,
            "所属工会",
            "这份档案有一项转接在等待木渎镇工会决定：决定或撤回之前，档案的单位不能改。",
        )
    ]
    started.case.refresh_from_db()
    assert started.case.unit.name == "张浦镇工会"
    # The file stays the sender's to keep: a row that leaves its unit alone is taken.
    kept = import_sheet(CaseResource, kunshan_head, [row("张浦镇工会", "13800000002")], headers)
    assert errors_of(kept) == []
    started.case.refresh_from_db()
    assert started.case.phone == "13800000002"


def test_the_demo_has_one_transfer_pending_from_kunshan_to_wuzhong(db):
    from django.core.management import call_command

    call_command("loaddemo", "--password", "pw", stdout=io.StringIO())
    call_command("loaddemo", "--password", "pw", stdout=io.StringIO())

    transfer = CaseTransfer.objects.get()
    assert transfer.state == TransferState.PENDING
    assert transfer.from_unit.district().name == "昆山市总工会"
    assert transfer.to_unit.district().name == "吴中区总工会"
    assert transfer.started_by.username == "kunshan_head"
    assert transfer.case.unit == transfer.from_unit


def test_the_receiving_heads_pages_are_in_chinese(started, client_for, wuzhong_head, kunshan_head):
    from tests.pagewalk import data_words, english_words

    known = data_words()
    pages = {
        "list": client_for(wuzhong_head).get(TRANSFERS),
        "decision": client_for(wuzhong_head).get(f"{TRANSFERS}{started.pk}/change/"),
        "history": client_for(wuzhong_head).get(f"{TRANSFERS}{started.pk}/history/"),
        "form": client_for(kunshan_head).post(
            CASES,
            {"action": "start_transfers", "index": "0", "_selected_action": [started.case_id]},
        ),
    }
    assert {name: english_words(r.content.decode(), known) for name, r in pages.items()} == {
        name: [] for name in pages
    }
