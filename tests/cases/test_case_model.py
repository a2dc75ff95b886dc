"""The Case model: canonical ID numbers, city-wide uniqueness, invariants and row scope."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from cases.models import Case, CaseStatus, Category, Gender, HouseholdMember, Relation
from tests.cases.factories import CaseFactory, HouseholdMemberFactory
from unions.models import User

pytestmark = pytest.mark.django_db

# 320583 (Kunshan) 1980-01-01, sequence 018 (even: female), check character X.
CANONICAL_ID = "32058319800101018X"
MESSY_ID = "３２０５ ８３１９８０\u3000０１０１ 018x "
# Legacy 15-digit number: 320583 75-06-15 001 (odd: male) -> 18 digits with check X.
LEGACY_ID = "320583750615001"
LEGACY_ID_CONVERTED = "32058319750615001X"
# A Wuzhong ID number with a valid check digit, and the same number with a wrong one.
WUZHONG_ID = "320506196503020247"
BAD_CHECKSUM_ID = "320506196503020248"


def new_case(units, id_number: str, unit_name: str = "张浦镇工会", **fields) -> Case:
    """An unsaved case as a clerk would enter it."""
    return Case(
        name=fields.pop("name", "顾小妹"),
        id_number=id_number,
        unit=units[unit_name],
        category=Category.HARDSHIP_WORKER,
        **fields,
    )


# --- ID numbers --------------------------------------------------------------------------


def test_messy_id_input_is_stored_canonical(units):
    case = new_case(units, MESSY_ID)

    case.full_clean()
    case.save()

    case.refresh_from_db()
    assert case.id_number == CANONICAL_ID


def test_gender_and_birth_date_are_derived_from_the_id(units):
    case = new_case(units, MESSY_ID)

    case.full_clean()

    assert case.gender == Gender.FEMALE
    assert case.birth_date == datetime.date(1980, 1, 1)


def test_legacy_15_digit_id_is_converted(units):
    case = new_case(units, LEGACY_ID)

    case.full_clean()
    case.save()

    case.refresh_from_db()
    assert case.id_number == LEGACY_ID_CONVERTED
    assert case.gender == Gender.MALE
    assert case.birth_date == datetime.date(1975, 6, 15)


def test_wrong_check_digit_is_refused_on_id_number(units):
    case = new_case(units, BAD_CHECKSUM_ID)

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            case.full_clean()
        messages = excinfo.value.message_dict

    assert list(messages) == ["id_number"]
    assert "check digit" in messages["id_number"][0]


def test_other_field_errors_are_reported_together_with_the_id_error(units):
    case = new_case(units, BAD_CHECKSUM_ID, name="")

    with pytest.raises(ValidationError) as excinfo:
        case.full_clean()

    assert set(excinfo.value.message_dict) == {"id_number", "name"}
    assert excinfo.value.message_dict["id_number"] == [
        "该身份证号码的校验位（最后一位）不正确，请检查是否录入有误。"
    ]
    assert excinfo.value.message_dict["name"] == ["此字段不能为空。"]


# --- one record per person, city-wide ----------------------------------------------------


def test_person_on_file_elsewhere_is_refused_naming_only_the_unit(units):
    CaseFactory(
        unit=units["吴中区总工会"],
        name="张秀英",
        phone="13912345678",
        address="木渎镇香溪路8号",
        id_number=WUZHONG_ID,
    )
    newcomer = new_case(units, WUZHONG_ID, unit_name="张浦镇工会", name="张秀瑛")

    with translation.override("en"):
        with pytest.raises(ValidationError) as excinfo:
            newcomer.full_clean()
        messages = excinfo.value.message_dict

    assert list(messages) == ["id_number"]
    text = " ".join(messages["id_number"])
    assert "吴中区总工会" in text
    for private in ["张秀英", "13912345678", "香溪路", WUZHONG_ID, WUZHONG_ID[-4:]]:
        assert private not in text


def test_duplicate_message_names_the_unit_in_the_default_language(units):
    CaseFactory(unit=units["吴中区总工会"], id_number=WUZHONG_ID)
    newcomer = new_case(units, WUZHONG_ID, unit_name="昆山市总工会")

    with pytest.raises(ValidationError) as excinfo:
        newcomer.full_clean()

    assert "吴中区总工会" in excinfo.value.message_dict["id_number"][0]
    assert excinfo.value.message_dict["id_number"] == ["此人已在吴中区总工会建档，不能重复建档。"]


def test_legacy_form_of_a_registered_id_is_the_same_person(units):
    CaseFactory(unit=units["木渎镇工会"], id_number=LEGACY_ID_CONVERTED)
    newcomer = new_case(units, LEGACY_ID)

    with pytest.raises(ValidationError) as excinfo:
        newcomer.full_clean()

    assert "木渎镇工会" in excinfo.value.message_dict["id_number"][0]
    assert excinfo.value.message_dict["id_number"] == ["此人已在木渎镇工会建档，不能重复建档。"]


def test_saved_case_does_not_clash_with_itself(units):
    case = CaseFactory(unit=units["张浦镇工会"], id_number=CANONICAL_ID)

    case.full_clean()  # no error


def test_id_number_is_unique_in_the_database(units):
    CaseFactory(unit=units["吴中区总工会"], id_number=WUZHONG_ID)

    # SQLite names the column, PostgreSQL the constraint Django derived from it.
    with (
        pytest.raises(IntegrityError, match=r"cases_case[._]id_number"),
        transaction.atomic(),
    ):
        CaseFactory(unit=units["张浦镇工会"], id_number=WUZHONG_ID)


# --- what a case says about itself -------------------------------------------------------


def test_str_never_contains_the_id_number(units):
    case = CaseFactory(unit=units["张浦镇工会"], name="顾小妹", id_number=CANONICAL_ID)
    member = HouseholdMemberFactory(case=case, name="顾小弟", id_number=LEGACY_ID_CONVERTED)

    texts = [str(case), str(member), str(case.history.first()), str(member.history.first())]

    assert str(case) == "顾小妹（张浦镇工会）"
    for text in texts:
        assert CANONICAL_ID not in text
        assert LEGACY_ID_CONVERTED not in text
        assert "19800101" not in text


# --- long-term aid needs a certificate ---------------------------------------------------


def test_long_term_without_certificate_is_refused_by_clean(units):
    case = new_case(units, CANONICAL_ID, status=CaseStatus.LONG_TERM, certificate_number="")

    with pytest.raises(ValidationError) as excinfo:
        case.full_clean()

    assert "certificate_number" in excinfo.value.message_dict
    assert excinfo.value.message_dict["certificate_number"] == ["长期救助需要填写救助证号。"]


def test_long_term_with_certificate_is_accepted(units):
    case = new_case(
        units, CANONICAL_ID, status=CaseStatus.LONG_TERM, certificate_number="苏救2024-001"
    )

    case.full_clean()  # no error


def test_certificate_on_a_case_not_on_long_term_aid_is_refused(units):
    case = new_case(
        units, CANONICAL_ID, status=CaseStatus.VERIFIED, certificate_number="苏救2024-001"
    )

    with pytest.raises(ValidationError) as excinfo:
        case.full_clean()

    assert "certificate_number" in excinfo.value.message_dict
    assert excinfo.value.message_dict["certificate_number"] == ["只有长期救助的档案才有救助证号。"]


def test_long_term_without_certificate_is_refused_by_the_database(units):
    case = CaseFactory(unit=units["张浦镇工会"], status=CaseStatus.VERIFIED)

    with (
        pytest.raises(IntegrityError, match="case_long_term_has_certificate"),
        transaction.atomic(),
    ):
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.LONG_TERM)

    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


# --- household members -------------------------------------------------------------------


def test_household_member_id_is_validated_when_given(units):
    case = CaseFactory(unit=units["张浦镇工会"])
    member = HouseholdMember(
        case=case, relation=Relation.CHILD, name="顾小弟", id_number=BAD_CHECKSUM_ID
    )

    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()

    assert list(excinfo.value.message_dict) == ["id_number"]
    assert excinfo.value.message_dict["id_number"] == [
        "该身份证号码的校验位（最后一位）不正确，请检查是否录入有误。"
    ]


def test_household_member_id_is_normalised(units):
    case = CaseFactory(unit=units["张浦镇工会"])
    member = HouseholdMember(case=case, relation=Relation.CHILD, name="顾小弟", id_number=MESSY_ID)

    member.full_clean()

    assert member.id_number == CANONICAL_ID


def test_household_member_id_may_be_left_blank(units):
    case = CaseFactory(unit=units["张浦镇工会"])
    member = HouseholdMember(case=case, relation=Relation.SPOUSE, name="顾大哥", id_number="")

    member.full_clean()  # no error

    assert member.id_number == ""


# --- row scope ---------------------------------------------------------------------------


def test_district_clerk_sees_cases_of_own_towns_only(units, kunshan_clerk):
    zhangpu = CaseFactory(unit=units["张浦镇工会"])
    kunshan = CaseFactory(unit=units["昆山市总工会"])
    mudu = CaseFactory(unit=units["木渎镇工会"])

    visible = set(Case.objects.for_user(kunshan_clerk))

    assert zhangpu in visible
    assert kunshan in visible
    assert mudu not in visible


def test_city_auditor_sees_cases_of_every_district(units, city_auditor):
    zhangpu = CaseFactory(unit=units["张浦镇工会"])
    mudu = CaseFactory(unit=units["木渎镇工会"])

    visible = set(Case.objects.for_user(city_auditor))

    assert {zhangpu, mudu} <= visible


def test_household_members_follow_their_case(units, kunshan_clerk):
    zhangpu_child = HouseholdMemberFactory(case=CaseFactory(unit=units["张浦镇工会"]))
    mudu_child = HouseholdMemberFactory(case=CaseFactory(unit=units["木渎镇工会"]))

    visible = set(HouseholdMember.objects.for_user(kunshan_clerk))

    assert zhangpu_child in visible
    assert mudu_child not in visible


def _inactive(user: User) -> User:
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


@pytest.mark.parametrize(
    "make_user",
    [
        lambda clerk: None,
        lambda clerk: AnonymousUser(),
        _inactive,
        lambda clerk: User.objects.create_user("no_membership"),
    ],
    ids=["none", "anonymous", "inactive", "no-membership"],
)
def test_users_without_scope_see_nothing(units, kunshan_clerk, make_user):
    case = CaseFactory(unit=units["张浦镇工会"])
    HouseholdMemberFactory(case=case)
    user = make_user(kunshan_clerk)

    assert not Case.objects.for_user(user).exists()
    assert not HouseholdMember.objects.for_user(user).exists()
