"""The example operations of clients/codegen are valid against the checked-in schema, and cover
what a front end does: queries, mutations, a connection walk and a node lookup."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    FieldNode,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    build_schema,
    parse,
    validate,
    visit,
)

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = sorted((ROOT / "clients" / "codegen" / "operations").glob("*.graphql"))
SCHEMA = build_schema((ROOT / "schema.graphql").read_text())


def _fields(document: object) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            names.add(node.name.value)

    visit(document, Collect())  # type: ignore[arg-type]
    return names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_each_operation_file_is_valid_against_the_schema(path: Path) -> None:
    document = parse(path.read_text())
    assert validate(SCHEMA, document) == []


def test_the_examples_cover_queries_mutations_a_connection_walk_and_node() -> None:
    documents = [parse(path.read_text()) for path in OPERATIONS]
    kinds = {
        definition.operation
        for document in documents
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }
    assert kinds == {OperationType.QUERY, OperationType.MUTATION}
    fields = set().union(*(_fields(document) for document in documents))
    assert {"node", "pageInfo", "endCursor", "hasNextPage", "nodeId"} <= fields
    assert {"caseNotesConnection", "enrollmentsConnection"} <= fields
    # every custom scalar is read somewhere: Date, DateTime, Decimal, JSON
    assert {"dob", "createdAt", "totalMonthlyIncome", "clientRecordExport"} <= fields
