"""``node(id:)`` of a sentinel client, enrollment or case note answers every role exactly as the
client's own field does: the same masked record, the same refusal, nothing forbidden."""

from __future__ import annotations

from typing import Any

from schema.relay import to_global_id
from tests.factories import Api
from tests.security.sentinels import ROLES, SCENARIOS, build_sentinels, leaks, sees
from tests.security.test_client_data_leaks import CLIENT

BY_FIELD = f"query($id: ID!) {{ client(id: $id) {{ {CLIENT} }} }}"
BY_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Client {{ {CLIENT} }} }} }}"
ROWS = "query($id: ID!) { node(id: $id) { __typename nodeId } }"


def _errors(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (e["extensions"]["code"], e["message"], e["extensions"].get("field"))
        for e in body.get("errors", [])
    ]


async def test_node_reads_every_sentinel_as_client_does_for_every_role(api: Api) -> None:
    sentinels = await build_sentinels(api)
    for role in ROLES:
        token = await sentinels.token(api, role)
        forbidden = sentinels.forbidden(role)
        for scenario in SCENARIOS:
            client_id = sentinels.clients[scenario.code]
            # when the role reads the sentinel in full through client(id:) and through node(id:)
            own = await api.gql(BY_FIELD, {"id": client_id}, token)
            node = await api.gql(BY_NODE, {"id": to_global_id("Client", client_id)}, token)
            # then the answers are the same record, masked alike, or the same refusal
            assert _errors(node) == _errors(own), (role, scenario.what)
            expected = (own.get("data") or {}).get("client")
            assert (node.get("data") or {}).get("node") == expected, (role, scenario.what)
            assert not leaks(node, forbidden), (role, scenario.what)
            assert bool(expected) == bool(sees(role, scenario)), (role, scenario.what)
            # and its enrollment and case note are found exactly when the record lists them
            listed = (
                {e["id"] for e in expected["enrollmentsConnection"]["nodes"]}
                | {n["id"] for n in expected["caseNotesConnection"]["nodes"]}
                if expected
                else set()
            )
            for type_name, row in (("Enrollment", "enrollment"), ("CaseNote", "case note")):
                key = sentinels.ids[f"{scenario.code} {row}"]
                found = await api.gql(ROWS, {"id": to_global_id(type_name, key)}, token)
                assert not leaks(found, forbidden), (role, scenario.what, type_name)
                codes = {e[0] for e in _errors(found)}
                if key in listed:
                    assert found["data"]["node"]["__typename"] == type_name
                    assert not codes
                else:
                    assert codes == ({e[0] for e in _errors(own)} or {"NOT_FOUND"}), (
                        role,
                        scenario.what,
                        type_name,
                        codes,
                    )
