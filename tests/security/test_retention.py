"""Retention (issue 13 part 8, PRIVACY.md "Retention"): cases exited more than N years
ago lose every personal field, in their history rows too, while every report adds up to
the same figures; a dry run lists and changes nothing; every run is in the access log."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accesslog.models import AccessRecord, Action
from cases.idnumbers import random_id_number
from cases.models import AnnualReview, Campaign, Case, CaseStatus, HouseholdMember, Referral
from cases.retention import ANONYMISED, cases_anonymise, retention_cutoff
from reports.dashboard import dashboard_for
from reports.selectors import campaign_paragraphs
from tests.cases.factories import CaseFactory, HouseholdMemberFactory
from unions.models import User

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date(2012, 6, 30)
RECENTLY = datetime.date(2024, 3, 1)


@pytest.fixture
def register(db):
    """The demo register; two thirds of its paid cases exited long ago, with contact
    details, a household member, a review and a referral each, all in their history."""
    call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)
    rng = random.Random(8)
    paid = list(Case.objects.filter(disbursements__isnull=False).distinct().order_by("pk"))
    # A few exited long ago (with every kind of personal record), the rest stay on file.
    due, kept = paid[:4], paid[4:]
    assert due and kept
    head = User.objects.get(username="kunshan_head")
    for n, case in enumerate(due):
        case.phone = f"1391234{n:04d}"
        case.address = f"某某路{n}号{case.name}家"
        case.employer = f"私人作坊{n}号"
        case.notes = f"{case.name}患有尿毒症"
        case.status, case.exited_on, case.exit_reason = CaseStatus.EXITED, LONG_AGO, "再就业"
        case._history_user = head
        case.save()
        member = HouseholdMemberFactory(
            case=case, name=f"{case.name}之子", id_number=random_id_number(rng), school="震川中学"
        )
        member.name = f"{case.name}之女"  # a second history row under another name
        member.save()
        AnnualReview.objects.create(
            case=case,
            year=2011,
            reviewed_on=datetime.date(2011, 5, 1),
            reviewer=head,
            outcome="continue",
            notes=f"{case.name}仍在治疗",
        )
        Referral.objects.create(case=case, reason=f"{case.name}病重", submitted_by=head)
    recent = CaseFactory(unit=due[0].unit, exited=True, name="近期脱困者")
    recent.exited_on = RECENTLY
    recent.save()
    return due, kept, recent


def personal_words(cases):
    """Every personal value of ``cases`` as stored anywhere (rows and history rows)."""
    words = set()
    for case in cases:
        for row in Case.history.filter(id=case.pk):
            words |= {row.name, row.id_number, row.phone, row.address, row.employer, row.notes}
        for row in HouseholdMember.history.filter(case_id=case.pk):
            words |= {row.name, row.id_number}
        words |= set(AnnualReview.history.filter(case_id=case.pk).values_list("notes", flat=True))
        words |= set(Referral.history.filter(case_id=case.pk).values_list("reason", flat=True))
    return {w for w in words if w and len(w) >= 3}


def every_text_cell():
    """Every text cell of every table in the database, read directly."""
    cells = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                cells += [(table, v) for v in row if isinstance(v, str)]
    return cells


def reports(auditor):
    out = {}
    for args in ([], ["--by", "unit,category"], ["--from", "2007-01-01", "--to", "2030-12-31"]):
        stdout = io.StringIO()
        call_command("reliefreport", "--as", auditor.username, *args, stdout=stdout)
        out[" ".join(args)] = stdout.getvalue()
    out["bulletin"] = [campaign_paragraphs(c, auditor) for c in Campaign.objects.order_by("pk")]
    out["dashboard"] = [(c["title"], c["count"]) for c in dashboard_for(auditor)]
    return out


def test_anonymising_keeps_every_report_total_and_leaves_no_personal_field(register, city_auditor):
    due, kept, recent = register
    words = personal_words(due)
    # Values shared with a case that stays on file are not theirs alone.
    words -= personal_words([*kept, recent])
    before = reports(city_auditor)
    client = Client()
    client.force_login(city_auditor)
    summary_before = client.get("/admin/reports/summary/?by=unit").context["table"]

    run = cases_anonymise(years=10)

    assert sorted(run.case_ids) == sorted(c.pk for c in due)
    assert reports(city_auditor) == before
    assert client.get("/admin/reports/summary/?by=unit").context["table"] == summary_before
    leaks = [
        (table, cell, [w for w in words if w in cell])
        for table, cell in every_text_cell()
        if any(w in cell for w in words)
    ]
    assert leaks == []
    case = Case.objects.get(pk=due[0].pk)
    assert case.name == ANONYMISED and case.id_number.startswith(ANONYMISED)
    assert case.disbursements.exists()
    assert Case.objects.get(pk=recent.pk).name == "近期脱困者"
    assert all(c.name != ANONYMISED for c in Case.objects.filter(pk__in=[k.pk for k in kept]))


def test_duplicate_id_candidates_forget_the_anonymised_and_keep_the_others(register):
    from cases import shared_ids
    from cases.models import SharedIdNumber

    due, kept, _recent = register
    # The member of a file anonymised now, also on file in a household kept: the number
    # is theirs, so it goes. Another number shared by two households kept stays a candidate.
    gone = HouseholdMember.objects.filter(case=due[0]).first().id_number
    HouseholdMemberFactory(case=kept[0], name="同号者", id_number=gone)
    both = random_id_number(random.Random(99))
    HouseholdMemberFactory(case=kept[0], name="两户同号甲", id_number=both)
    HouseholdMemberFactory(case=kept[1], name="两户同号乙", id_number=both)
    shared_ids.check_now()  # as the clerks' commits would (PostgreSQL checks at commit)
    assert {gone, both} <= set(SharedIdNumber.objects.values_list("id_number", flat=True))

    cases_anonymise(years=10)
    shared_ids.check_now()  # as its commit would

    candidates = set(SharedIdNumber.objects.values_list("id_number", flat=True))
    assert gone not in candidates
    assert both in candidates


def test_a_dry_run_lists_what_it_would_touch_and_changes_nothing(register, city_admin):
    due, _kept, _recent = register
    before = every_text_cell()
    out = io.StringIO()

    call_command("anonymise_exited", "--dry-run", "--as", "city_admin", stdout=out)

    printed = out.getvalue()
    assert "试运行，未作任何修改" in printed
    for case in due:
        assert f"#{case.pk} " in printed
        assert case.name not in printed
    assert f"{len(due)}" in printed
    changed = [cell for cell in every_text_cell() if cell not in before]
    assert {table for table, _cell in changed} <= {
        "accesslog_accessrecord",
        "accesslog_accesstarget",
    }
    record = AccessRecord.objects.get(action=Action.ANONYMISE_DRY_RUN)
    assert record.user == city_admin and record.count == len(due)


def test_every_run_is_in_the_access_log(register):
    due, _kept, _recent = register

    call_command("anonymise_exited", stdout=io.StringIO())
    call_command("anonymise_exited", stdout=io.StringIO())  # nothing left: still a run

    first, second = AccessRecord.objects.filter(action=Action.ANONYMISE).order_by("pk")
    assert first.count == len(due) and first.user is None
    assert first.details["years"] == 10 and first.details["rows"]["cases"] == len(due)
    assert second.count == 0


def test_the_period_is_configurable(register, settings):
    due, _kept, recent = register
    settings.RETENTION_YEARS = 1

    call_command("anonymise_exited", stdout=io.StringIO())

    assert Case.objects.get(pk=recent.pk).name == ANONYMISED
    assert retention_cutoff(10, datetime.date(2026, 12, 3)) == datetime.date(2016, 12, 2)
    assert retention_cutoff(10, datetime.date(2028, 2, 29)) == datetime.date(2018, 2, 27)


def test_a_removed_case_is_anonymised_in_its_history(register):
    gone = CaseFactory(unit=register[0][0].unit, name="早已删除者")
    number, pk = gone.id_number, gone.pk
    gone.delete()
    Case.history.filter(id=pk).update(
        history_date=datetime.datetime(2011, 1, 1, tzinfo=datetime.UTC)
    )

    run = cases_anonymise(years=10)

    assert pk in run.removed_ids
    rows = Case.history.filter(id=pk)
    assert {r.name for r in rows} == {ANONYMISED}
    assert not any(number in cell or "早已删除者" in cell for _t, cell in every_text_cell())


def test_the_city_administrator_anonymises_from_the_case_list(register, client_for, city_admin):
    due, kept, _recent = register
    client = client_for(city_admin)
    selected = [due[0].pk, kept[0].pk]
    action = {"action": "anonymise_cases", "_selected_action": selected}

    page = client.post("/admin/cases/case/", action)
    done = client.post(
        "/admin/cases/case/", {**action, "apply": "1", "confirm": "on"}, follow=True
    )

    assert page.status_code == 200 and "匿名化超过保存期限的档案" in page.content.decode()
    assert Case.objects.get(pk=due[0].pk).name == ANONYMISED
    assert Case.objects.get(pk=kept[0].pk).name != ANONYMISED
    messages = [str(m) for m in done.context["messages"]]
    assert "已匿名化档案：1个。尚未超过保存期限（脱困不满10年或未脱困）：1个。" in messages
    assert AccessRecord.objects.get(action=Action.ANONYMISE).user == city_admin


def test_other_roles_have_no_such_action(register, client_for, kunshan_head, city_auditor):
    due, _kept, _recent = register
    for user in (kunshan_head, city_auditor):
        response = client_for(user).post(
            "/admin/cases/case/", {"action": "anonymise_cases", "_selected_action": [due[0].pk]}
        )
        assert Case.objects.get(pk=due[0].pk).name != ANONYMISED
        assert response.status_code in (200, 302)
