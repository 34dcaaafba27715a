"""The custom scalars' documentation: what each looks like on the wire, and its specification.

strawberry's own definitions are kept (their parsing and serialisation, and the clean input
errors that become VALIDATION); only their descriptions and ``@specifiedBy`` are Hearth's, so that
a code generator's user knows what to map each to (docs/codegen.md).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import (
    DateDefinition,
    DateTimeDefinition,
    DecimalDefinition,
)

__all__ = ["SCALAR_OVERRIDES"]

RFC3339 = "https://www.rfc-editor.org/rfc/rfc3339"
ECMA404 = "https://ecma-international.org/publications-and-standards/standards/ecma-404/"

SCALAR_OVERRIDES: dict[object, Any] = {
    datetime.date: dataclasses.replace(
        DateDefinition,
        description="A calendar date, `YYYY-MM-DD` (RFC 3339 `full-date`), e.g. `2026-03-02`. "
        "Connecticut's date where a rule counts days. TypeScript: `string`.",
        specified_by_url=RFC3339,
    ),
    datetime.datetime: dataclasses.replace(
        DateTimeDefinition,
        description="An instant, RFC 3339 `date-time` with its offset, e.g. "
        "`2026-03-02T14:00:00+00:00`. Input: an ISO 8601 date-time with its offset (a field "
        "that needs one refuses a time without it, VALIDATION). TypeScript: `string` "
        "(`new Date(value)` parses it).",
        specified_by_url=RFC3339,
    ),
    decimal.Decimal: dataclasses.replace(
        DecimalDefinition,
        description='An exact decimal number as a string, e.g. `"1250.00"` (money, never a '
        "float). Input: a string (or a number, read as its decimal text); NaN and Infinity are "
        "refused. TypeScript: `string`.",
    ),
    JSON: strawberry.scalar(
        name="JSON",
        description="Any JSON value (ECMA-404): an object, array, string, number, boolean or "
        "null. Each field says the shape it holds. TypeScript: `unknown` until narrowed, or a "
        "type of your own.",
        specified_by_url=ECMA404,
        serialize=lambda value: value,
        parse_value=lambda value: value,
    ),
}
