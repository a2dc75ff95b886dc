"""A refusal names its column through the sheet's fields, never a header typed twice."""

import ast
import inspect

import pytest

from cases.resources import CaseResource
from funds.resources import DisbursementResource, LedgerResource
from pairings.resources import AgreementResource, PairedDisbursementResource

SHEETS = [
    CaseResource,
    DisbursementResource,
    LedgerResource,
    PairedDisbursementResource,
    AgreementResource,
]


def calls(resource_class, name: str) -> list[ast.Call]:
    tree = ast.parse(inspect.getsource(resource_class))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    ]


@pytest.mark.parametrize("resource_class", SHEETS, ids=lambda r: r.__name__)
def test_every_column_a_refusal_names_is_a_header_of_its_sheet(resource_class):
    resource = resource_class()
    attributes = {f.attribute: f.column_name for f in resource.sheet_fields()}
    named = [
        call.args[0].value
        for call in calls(resource_class, "column_of")
        if isinstance(call.args[0], ast.Constant)
    ]

    assert named, "this sheet refuses nothing by column?"
    assert sorted(set(named) - set(attributes)) == []
    assert {resource.column_of(a) for a in named} <= set(resource.headers())


@pytest.mark.parametrize("resource_class", SHEETS, ids=lambda r: r.__name__)
def test_no_refusal_names_its_column_by_a_literal(resource_class):
    literal = [
        call.args[0].value
        for call in calls(resource_class, "add_error")
        if call.args and isinstance(call.args[0], ast.Constant)
    ]

    assert literal == []
