"""Persisted queries: Apollo's automatic persisted queries (APQ), or an allow-list.

The protocol is Apollo's (its ``createPersistedQueryLink``): a request carries
``extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}``, over POST, or over GET
for a query (``?extensions=...&variables=...&operationName=...``) without its text. A hash
Hearth knows runs its document; an unknown one answers ``PERSISTED_QUERY_NOT_FOUND`` (message
``PersistedQueryNotFound``), and the link sends the hash again with the document, over POST,
which Hearth checks against the hash (``PERSISTED_QUERY_HASH_MISMATCH`` when it is not the
document's SHA-256), runs and remembers.

``HEARTH_PERSISTED_QUERIES`` chooses the mode:

* ``apq`` (the default): the above, beside ordinary requests. Documents are remembered per
  process in an LRU cache bounded in bytes (``HEARTH_PERSISTED_QUERY_CACHE_BYTES``), and only
  once they have parsed and validated; another worker that does not know a hash answers
  ``PERSISTED_QUERY_NOT_FOUND`` and the link sends the document to it.
* ``allowlist``: only the documents of ``HEARTH_PERSISTED_QUERY_MANIFEST`` run, sent by hash
  or in full (a full document is looked up by its hash); anything else is refused with
  ``PERSISTED_QUERY_NOT_ALLOWED``, before it is parsed. Nothing is learnt from requests.
* ``off``: a persisted query answers ``PERSISTED_QUERY_NOT_SUPPORTED`` (message
  ``PersistedQueryNotSupported``), which makes Apollo's link stop sending hashes.

The manifest is Apollo's persisted query manifest (``@apollo/generate-persisted-query-manifest``:
``{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "body",
...}]}``) or a JSON object of hash to document (graphql-codegen's ``persisted-documents.json``
with ``hashAlgorithm: 'sha256'``); every id must be the SHA-256 of its document.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from cachetools import LRUCache
from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from schema.context import Context

__all__ = [
    "HASH_MISMATCH",
    "INVALID",
    "NOT_ALLOWED",
    "NOT_FOUND",
    "NOT_SUPPORTED",
    "PersistedQueries",
    "PersistedQueryError",
    "PersistedQueryView",
    "load_manifest",
    "sha256_hex",
]

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED"
INVALID = "PERSISTED_QUERY_INVALID"
_HASH = re.compile(r"[0-9a-f]{64}")
Mode = Literal["off", "apq", "allowlist"]


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


class PersistedQueryError(Exception):
    """A persisted query refused before parsing; answered as a request error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def result(self) -> ExecutionResult:
        return ExecutionResult(
            data=None, errors=[GraphQLError(self.message, extensions={"code": self.code})]
        )


def load_manifest(path: Path) -> dict[str, str]:
    """hash -> document from an Apollo manifest or a JSON object (see the module docstring)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"persisted query manifest {path}: cannot read it ({error})") from error
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        operations = data.get("operations")
        if not isinstance(operations, list) or not all(
            isinstance(op, dict)
            and isinstance(op.get("id"), str)
            and isinstance(op.get("body"), str)
            for op in operations
        ):
            raise ValueError(f"persisted query manifest {path}: operations need an id and a body")
        documents = {op["id"]: op["body"] for op in operations}
    elif isinstance(data, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        documents = dict(data)
    else:
        raise ValueError(
            f"persisted query manifest {path}: neither an Apollo persisted query manifest nor"
            " a JSON object of sha256 hash -> document"
        )
    for key, document in documents.items():
        if key.lower() != sha256_hex(document):
            raise ValueError(
                f"persisted query manifest {path}: {key[:16]}... is not the sha256 of its document"
            )
    return {key.lower(): document for key, document in documents.items()}


class PersistedQueries:
    """Which document a request runs, by the mode's rules (see the module docstring)."""

    def __init__(
        self, mode: Mode, *, manifest: Mapping[str, str] | None = None, cache_bytes: int = 0
    ) -> None:
        self.mode = mode
        self.allowed = dict(manifest or {})
        self.cache: LRUCache[str, str] = LRUCache(maxsize=max(cache_bytes, 1), getsizeof=len)

    def resolve(self, query: str | None, extension: object) -> tuple[str | None, str | None]:
        """The document to run and, for a persisted query, its hash."""
        if extension is None:
            if self.mode == "allowlist" and query is not None:
                # A full document runs if it is one of the list's: the same text, byte for byte.
                if self.allowed.get(sha256_hex(query)) != query:
                    raise PersistedQueryError(
                        NOT_ALLOWED, "This server runs only its listed operations; this is not one."
                    )
            return query, None
        if self.mode == "off":
            raise PersistedQueryError(NOT_SUPPORTED, "PersistedQueryNotSupported")
        digest = self._hash(extension)
        if query is not None:
            if sha256_hex(query) != digest:
                raise PersistedQueryError(
                    HASH_MISMATCH,
                    "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query sent.",
                )
            if self.mode == "allowlist" and digest not in self.allowed:
                raise PersistedQueryError(
                    NOT_ALLOWED, "This server runs only its listed operations; this is not one."
                )
            return query, digest
        if self.mode == "allowlist":
            if digest not in self.allowed:
                raise PersistedQueryError(
                    NOT_ALLOWED, "This server runs only its listed operations; this is not one."
                )
            return self.allowed[digest], digest
        known = self.cache.get(digest)
        if known is None:
            raise PersistedQueryError(NOT_FOUND, "PersistedQueryNotFound")
        return known, digest

    def remember(self, digest: str, query: str) -> None:
        """Keep a document that parsed and validated (apq mode; too large ones are not kept)."""
        if self.mode == "apq" and len(query) <= self.cache.maxsize:
            self.cache[digest] = query

    @staticmethod
    def _hash(extension: object) -> str:
        if not isinstance(extension, dict) or extension.get("version") != 1:
            raise PersistedQueryError(
                INVALID, "extensions.persistedQuery must be {version: 1, sha256Hash}."
            )
        digest = extension.get("sha256Hash")
        if not isinstance(digest, str) or not _HASH.fullmatch(digest.lower()):
            raise PersistedQueryError(
                INVALID, "extensions.persistedQuery.sha256Hash must be 64 hexadecimal digits."
            )
        return digest.lower()


def _request_error(result: ExecutionResult) -> bool:
    """Whether the document was refused before execution (it did not parse or validate)."""
    return result.data is None and any(error.path is None for error in result.errors or ())


class PersistedQueryView(GraphQL[Context, None]):
    """A view that runs persisted queries: ``persisted_queries`` must be set on the instance."""

    persisted_queries: PersistedQueries

    async def execute_single(  # type: ignore[override]  # strawberry's keywords, passed through
        self, **kwargs: Any
    ) -> ExecutionResult:
        data = kwargs["request_data"]
        extensions = data.extensions if isinstance(data.extensions, dict) else {}
        extension = extensions.get("persistedQuery")
        over_get = kwargs["request_adapter"].method == "GET"
        if over_get and (extension is None or data.query is not None):
            # A document in a URL: refused as ever (strawberry's refusal of a GET query).
            result: ExecutionResult = await super().execute_single(**kwargs)
            return result
        try:
            data.query, digest = self.persisted_queries.resolve(data.query, extension)
        except PersistedQueryError as error:
            return error.result()
        if over_get:
            result = await self._query_by_hash(data, kwargs)
        else:
            result = await super().execute_single(**kwargs)
        if digest is not None and data.query is not None and not _request_error(result):
            self.persisted_queries.remember(digest, data.query)
        return result

    async def _query_by_hash(self, data: GraphQLRequestData, kwargs: dict[str, Any]) -> Any:
        """A persisted query sent over GET: a query, never a mutation (as strawberry runs a
        GET request when queries over GET are allowed)."""
        try:
            return await self.schema.execute(
                data.query,
                root_value=kwargs["root_value"],
                variable_values=data.variables,
                context_value=kwargs["context"],
                operation_name=data.operation_name,
                allowed_operation_types={OperationType.QUERY},
                operation_extensions=data.extensions,
            )
        except InvalidOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason("GET")) from error
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
