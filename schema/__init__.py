"""The GraphQL surface: root types merged from one module per domain, plus hardening."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition
from strawberry.utils.str_converters import to_camel_case

from compat.graphql import core_schema
from schema.access import AccessMutation, AccessQuery
from schema.access_reports import AccessReportMutation, AccessReportQuery
from schema.aggregates import AggregateQuery
from schema.audit import HearthExecutionContext, audit_reads
from schema.auth import AuthMutation, AuthQuery
from schema.certification import CertificationMutation, CertificationQuery
from schema.clients import ClientMutation, ClientQuery
from schema.compiled import CompiledReads
from schema.compliance import ComplianceMutation, ComplianceQuery
from schema.context import Authentication
from schema.coordinated_entry import CoordinatedEntryQuery
from schema.data_quality import DataQualityQuery
from schema.data_releases import DataReleaseMutation, DataReleaseQuery
from schema.dsb import DsbMutation, DsbQuery
from schema.enrollment_records import EnrollmentRecordMutation
from schema.errors import ErrorCodes, FieldSuggestions
from schema.governance import GovernanceMutation, GovernanceQuery
from schema.governance_log import GovernanceLogQuery
from schema.governance_rules import GovernanceRulesMutation, GovernanceRulesQuery
from schema.grievances import GrievanceMutation, GrievanceQuery
from schema.households import HouseholdQuery
from schema.hud_csv import HudCsvMutation
from schema.incidents import IncidentMutation, IncidentQuery
from schema.limits import LimitedValidation, Limits
from schema.node import CLIENT_DATA_NODES, NodeQuery, detach_type_checks
from schema.outside_access import OutsideAccessMutation, OutsideAccessQuery
from schema.project_data import ProjectDataMutation
from schema.quality_review import QualityReviewMutation, QualityReviewQuery
from schema.retention import RetentionMutation, RetentionQuery
from schema.scalars import SCALAR_OVERRIDES
from schema.service_accounts import ServiceAccountMutation, ServiceAccountQuery
from schema.training import TrainingMutation, TrainingQuery
from schema.users import UserMutation, UserQuery

__all__ = ["Limits", "build_schema"]

Query = merge_types(
    "Query",
    (
        AuthQuery,
        NodeQuery,
        GovernanceQuery,
        UserQuery,
        AccessQuery,
        TrainingQuery,
        ClientQuery,
        HouseholdQuery,
        CoordinatedEntryQuery,
        ServiceAccountQuery,
        AccessReportQuery,
        ComplianceQuery,
        GovernanceLogQuery,
        # the Data Strategy Board (102, 103, 111, 113)
        DsbQuery,
        # outside access requests (attachment)
        OutsideAccessQuery,
        # incidents (106, 108, 202) and grievances (114)
        IncidentQuery,
        GrievanceQuery,
        # governance rules (105, 401)
        GovernanceRulesQuery,
        # certification and security contacts (105, 108, 201, 210)
        CertificationQuery,
        # releasing data: data requests and DSAs (405)
        DataReleaseQuery,
        # the 7-year retention run (303)
        RetentionQuery,
        # aggregate reports with small-cell suppression (109, 405)
        AggregateQuery,
        # the HUD data quality report (301, 302)
        DataQualityQuery,
        # the quarterly data quality review (302)
        QualityReviewQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AuthMutation,
        GovernanceMutation,
        UserMutation,
        AccessMutation,
        TrainingMutation,
        ClientMutation,
        EnrollmentRecordMutation,
        ProjectDataMutation,
        ServiceAccountMutation,
        AccessReportMutation,
        ComplianceMutation,
        HudCsvMutation,
        # the Data Strategy Board (102, 103, 111, 113)
        DsbMutation,
        # outside access requests (attachment)
        OutsideAccessMutation,
        # incidents (106, 108, 202) and grievances (114)
        IncidentMutation,
        GrievanceMutation,
        # governance rules (105, 401)
        GovernanceRulesMutation,
        # certification and security contacts (105, 108, 201, 210)
        CertificationMutation,
        # releasing data: data requests and DSAs (405)
        DataReleaseMutation,
        # the 7-year retention run (303)
        RetentionMutation,
        # the quarterly data quality review (302)
        QualityReviewMutation,
    ),
)


# merge_types takes no description; the root types have one like every other type.
get_object_definition(Query, strict=True).description = (
    "What can be read. Every field is nullable: a refused field (FORBIDDEN, NOT_FOUND, ...) "
    "is null with its error in `errors`, and the other fields of the document still answer."
)
get_object_definition(Mutation, strict=True).description = (
    "What can be changed. Every mutation takes one `input` (none for logout) and is nullable: "
    "a refused mutation is null with its error in `errors`."
)


def _graphql_names(*types: Any) -> list[str]:
    return [
        f.graphql_name or to_camel_case(f.python_name)
        for t in types
        for f in t.__strawberry_definition__.fields
    ]


# Root fields whose refusal (FORBIDDEN, NOT_FOUND) is audited as DENIED.
_CLIENT_OPERATIONS = _graphql_names(
    ClientQuery,
    HouseholdQuery,
    CoordinatedEntryQuery,
    ClientMutation,
    EnrollmentRecordMutation,
    HudCsvMutation,
)


class _ParserCache(ParserCache):
    """strawberry's ParserCache, except that a document that does not parse is left unparsed.

    The stock extension raises the syntax error from its ``on_parse`` hook, where strawberry
    catches it outside the operation, so ``ErrorCodes`` never saw it and the error went out
    without ``extensions.code``. Left unparsed, strawberry parses it again (under the same
    token limit) and reports the error in the ordinary way.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


class HearthSchema(strawberry.Schema):
    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        # ErrorCodes logs what is unexpected; expected domain errors are not server faults.
        return None


def _resolves(extension: Any) -> bool:
    """Whether an extension (a class) has a ``resolve`` hook: it sees every field resolved."""
    return getattr(extension, "resolve", SchemaExtension.resolve) is not SchemaExtension.resolve


def build_schema(
    limits: Limits | None = None,
    *,
    execution_context_class: type[Any] | None = HearthExecutionContext,
    extra_extensions: Sequence[Any] = (),
    field_suggestions: bool = False,
    compiled: bool | None = None,
) -> strawberry.Schema:
    """The schema, executed by Hearth's executor (``schema.audit.HearthExecutionContext``), which
    also reports what a request read to the read audit. The tests run the same schema on
    graphql-core's stock executor (``execution_context_class=None``) with a reference audit in
    ``extra_extensions``, and compare. ``field_suggestions`` keeps "Did you mean ...?" in
    refused documents (development only: elsewhere it maps the schema for a prober).
    ``compiled`` answers a client's record by its compiled plan (``schema.compiled``, decision
    208); by default only on Hearth's executor, and with no extra extension that resolves (a
    reference audit in ``extra_extensions`` must see every field)."""
    limits = limits or Limits()
    # Factories: strawberry builds fresh extensions per request; the parser and validation
    # caches live at module level, so they are shared all the same. The document limits
    # (schema.limits) run before graphql-core's validation, in the same cache.
    extensions: list[Any] = [
        FieldSuggestions if field_suggestions else ErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: _ParserCache(maxsize=limits.parser_cache_size),
        lambda: LimitedValidation(limits),
        Authentication,
        audit_reads(_CLIENT_OPERATIONS, CLIENT_DATA_NODES),
        *extra_extensions,
    ]
    if compiled is None:
        compiled = execution_context_class is HearthExecutionContext and not any(
            _resolves(extension) for extension in extra_extensions
        )
    if compiled:
        extensions.append(CompiledReads)  # last: inside the audit and the authentication
    if not limits.introspection:
        extensions.append(DisableIntrospection)
    schema = HearthSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=not field_suggestions),
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=execution_context_class,
    )
    detach_type_checks(core_schema(schema))
    return schema
