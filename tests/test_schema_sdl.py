"""schema.graphql, which front ends generate code from, is the schema the code builds."""

from __future__ import annotations

from pathlib import Path

from schema import build_schema

SDL = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_the_committed_sdl_is_the_schema_the_code_builds() -> None:
    built = build_schema().as_str() + "\n"
    committed = SDL.read_text()
    assert committed == built, (
        "schema.graphql is out of date with the code: run "
        "`hearth schema export --out schema.graphql` and commit the result."
    )
