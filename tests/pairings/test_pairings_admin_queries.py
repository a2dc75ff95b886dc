"""The pairing lists cost the same number of queries for 5 rows as for 50."""

import datetime

import pytest

from pairings.services import agreement_payment_record
from tests.pairings.factories import AgreementFactory, BeneficiaryFactory
from tests.query_counts import assert_constant_queries

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
    made = []

    def make(count):
        make_agreements(units, bank, kunshan_clerk, count, start=len(made))
        made.extend(range(count))

    measured = assert_constant_queries(client, url, make)

    assert measured.few.context["cl"].result_count == 5 * per_agreement
    assert measured.many.context["cl"].result_count == 50 * per_agreement
    assert measured.queries <= 15


def test_the_sponsor_list_query_count_does_not_grow_with_the_rows(
    units, kunshan_clerk, client_for
):
    from tests.pairings.factories import SponsorFactory

    made = []

    def make(count):
        for _ in range(count):
            SponsorFactory(name=f"结对单位{len(made)}", unit=units["昆山市总工会"])
            made.append(None)

    measured = assert_constant_queries(client_for(kunshan_clerk), "/admin/pairings/sponsor/", make)

    assert measured.few.context["cl"].result_count == 5
    assert measured.many.context["cl"].result_count == 50
