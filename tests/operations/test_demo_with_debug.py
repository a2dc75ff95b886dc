"""`make run` loads the demo with DEBUG on, where Django's debug cursor renders every
statement with its parameters: the demo's raw SQL must survive that."""

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from funds.models import DisbursementDay


def test_the_demo_loads_under_the_debug_cursor(db):
    with CaptureQueriesContext(connection) as queries:  # the cursor DEBUG=1 uses
        call_command("loaddemo", "--password", "pw-for-tests", verbosity=0)

    assert DisbursementDay.objects.exists()
    assert any("disbursementday" in query["sql"].lower() for query in queries)
