"""The pairing lists cost the same number of queries for 3 rows as for 30."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pairings.services import agreement_payment_record
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory

D = datetime.date


def make_agreements(units, bank, clerk, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        agreement = AgreementFactory(
            number=f"KS-Q-{n:03d}", unit=units["昆山市总工会"], sponsor=bank
        )
        for beneficiary in (
            BeneficiaryFactory(agreement=agreement),
            BeneficiaryFactory(agreement=agreement),
        ):
            agreement_payment_record(
                beneficiary=beneficiary, paid_on=D(2007, 3, 1), amount="100", acting_user=clerk
            )


def queries_for(client, url: str, rows: int) -> int:
    client.get(url)  # warm the session, content types and permission caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/pairings/agreement/",
        "/admin/pairings/agreement/?behind=yes",
        "/admin/pairings/agreementpayment/",
    ],
)
def test_list_query_count_does_not_grow_with_the_rows(units, bank, kunshan_clerk, client_for, url):
    client = client_for(kunshan_clerk)
    per_agreement = 2 if "agreementpayment" in url else 1
    make_agreements(units, bank, kunshan_clerk, 3)
    few = queries_for(client, url, 3 * per_agreement)

    make_agreements(units, bank, kunshan_clerk, 27, start=3)
    many = queries_for(client, url, 30 * per_agreement)

    assert few == many
    assert many <= 15


def test_the_sponsor_list_query_count_does_not_grow_with_the_rows(
    units, kunshan_clerk, client_for
):
    from tests.pairings.factories import SponsorFactory

    client = client_for(kunshan_clerk)
    for n in range(3):
        SponsorFactory(name=f"结对单位甲{n}", unit=units["昆山市总工会"])
    few = queries_for(client, "/admin/pairings/sponsor/", 3)
    for n in range(27):
        SponsorFactory(name=f"结对单位乙{n}", unit=units["昆山市总工会"])
    many = queries_for(client, "/admin/pairings/sponsor/", 30)

    assert few == many
