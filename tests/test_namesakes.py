"""Two people of one name in one district are told apart in every choice and finding
(issue 14 part 4): the autocomplete, the drop-downs and the audit name the ID's tail."""

import json

from django.contrib import admin
from django.urls import reverse

from funds.models import Disbursement
from tests.cases.factories import CaseFactory


def _namesakes(units):
    unit = units["昆山市总工会"]
    return [CaseFactory(name="黄荣生", unit=unit), CaseFactory(name="黄荣生", unit=unit)]


def test_the_case_autocomplete_tells_namesakes_apart(client_for, kunshan_clerk, units):
    first, second = _namesakes(units)
    response = client_for(kunshan_clerk).get(
        reverse("admin:autocomplete"),
        {
            "term": "黄荣生",
            "app_label": "funds",
            "model_name": "disbursement",
            "field_name": "case",
        },
    )
    texts = [item["text"] for item in json.loads(response.content)["results"]]

    assert len(texts) == 2 and len(set(texts)) == 2
    assert f"黄荣生（身份证尾号 {first.id_number[-4:]} · 昆山市总工会）" in texts
    assert all(second.id_number not in text for text in texts)  # the tail only


def test_a_drop_down_of_cases_tells_namesakes_apart(kunshan_clerk, units, rf):
    first, _second = _namesakes(units)
    request = rf.get("/")
    request.user = kunshan_clerk
    model_admin = admin.site._registry[Disbursement]
    field = model_admin.formfield_for_foreignkey(Disbursement._meta.get_field("case"), request)

    assert field.label_from_instance(first) == (
        f"黄荣生（身份证尾号 {first.id_number[-4:]} · 昆山市总工会）"
    )


def test_audit_findings_tell_namesakes_apart(client_for, city_auditor, units):
    first, second = _namesakes(units)  # neither reviewed this year
    html = client_for(city_auditor).get(reverse("admin:reports_audit"), {"rule": "reviews"})
    text = html.content.decode()

    assert f"黄荣生（身份证尾号 {first.id_number[-4:]}）" in text
    assert f"黄荣生（身份证尾号 {second.id_number[-4:]}）" in text
