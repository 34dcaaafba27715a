"""Logging: one configuration for Hearth's loggers and uvicorn's, JSON lines or a console format,
and one access line per request with what an operator needs and nothing about clients.

The standard library's ``logging`` with python-json-logger's formatter (decision 125): every
logger of the process (``hearth.*``, ``uvicorn.*``, the libraries' through the root logger) goes
to standard error through the same handler, as JSON objects (``HEARTH_LOG_FORMAT=json``) or
readable lines (``console``). :func:`logging_config` is a ``dictConfig`` dictionary that
``hearth serve`` hands to uvicorn (``log_config``), which applies it in every worker.

The access line (logger ``hearth.access``, written by :class:`AccessLog`) carries the request id,
method, path, status, duration, and for GraphQL the operation's name and type, the principal's
id and kind, and the errors' codes (:class:`OperationFacts` notes them). Never a name, an e-mail,
a variable or a client's data: the operation name is the client's own label for its document, a
word the front end chose, and the principal is its id.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from pythonjsonlogger.core import RESERVED_ATTRS
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from api.settings import Settings

__all__ = [
    "ACCESS_LOGGER",
    "AccessLog",
    "OneLineTracebacks",
    "OperationFacts",
    "configure_logging",
    "logging_config",
    "note_errors",
]

ACCESS_LOGGER = "hearth.access"
access_log = logging.getLogger(ACCESS_LOGGER)

# The fields of the access line, in order (console format: the message shows the main ones).
_FIELDS = (
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "operation_type",
    "operation_name",
    "principal_id",
    "principal_kind",
    "error_codes",
)
# An operation name is the client's label for its document; anything else is dropped.
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


class OneLineTracebacks(logging.Filter):
    """A record whose message is a traceback (uvicorn logs the app's start-up failure as the
    text Starlette formatted) keeps only its last line: the exception and its message, the
    reason start-up failed, on one line (decision 128)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Traceback (most recent call last):"):
            last = [line for line in message.strip().splitlines() if line.strip()][-1]
            record.msg, record.args = "start-up failed: %s", (last.strip(),)
        return True


def log_format(settings: Settings) -> str:
    """``json`` or ``console``: the configured one, else console only in development."""
    if settings.log_format is not None:
        return settings.log_format
    return "console" if settings.env == "development" else "json"


def logging_config(settings: Settings) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of a Hearth process (uvicorn's ``log_config``)."""
    json_format = log_format(settings) == "json"
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            # uvicorn's copy of its message with terminal colours
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
        }
        if json_format
        else {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}
    )
    level = settings.log_level.upper()
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "hearth",
        "filters": ["one_line"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"one_line": {"()": OneLineTracebacks}},
        "formatters": {"hearth": formatter},
        "handlers": {"default": handler},
        "loggers": {
            "hearth": {"level": level, "handlers": ["default"], "propagate": False},
            "uvicorn": {"level": level, "handlers": ["default"], "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": level},
        },
        "root": {"level": "WARNING", "handlers": ["default"]},
    }


def configure_logging(settings: Settings) -> None:
    """Apply :func:`logging_config` to this process."""
    import logging.config

    logging.config.dictConfig(logging_config(settings))


def _facts(scope: Scope) -> dict[str, Any]:
    return scope.setdefault("state", {}).setdefault("access", {})  # type: ignore[no-any-return]  # the ASGI state is untyped


class OperationFacts(SchemaExtension):
    """Note the operation's name and type and the principal's id for the access line."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        request = getattr(context, "request", None)
        if request is None:
            return
        facts = _facts(request.scope)
        name = self.execution_context.operation_name
        if name and _OPERATION_NAME.fullmatch(name):
            facts["operation_name"] = name
        try:
            facts["operation_type"] = self.execution_context.operation_type.value
        except Exception:  # noqa: S110 (a document that did not parse has no operation type)
            pass
        principal = getattr(context, "principal", None)
        if principal is not None:
            facts["principal_id"] = str(principal.user_id)
            facts["principal_kind"] = principal.kind


def note_errors(scope: Scope, errors: list[GraphQLError] | None) -> None:
    """Note the codes of a GraphQL response's errors (already coded) for the access line."""
    if errors:
        codes = [(e.extensions or {}).get("code") or "INTERNAL" for e in errors]
        _facts(scope)["error_codes"] = list(dict.fromkeys(codes))


class AccessLog:
    """Write one ``hearth.access`` line per HTTP request, once it is answered (or failed).

    Inside :class:`api.middleware.RequestId` (the id is known) and outside ``Guard`` (its 503
    and 500 answers are seen). ``observe`` is called with the line's fields as well (metrics).
    """

    def __init__(self, app: ASGIApp, observe: Any = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client sees when nothing was sent: the server drops it

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        finally:
            self._write(scope, status, time.perf_counter() - started)

    def _write(self, scope: Scope, status: int, seconds: float) -> None:
        state = scope.get("state") or {}
        fields: dict[str, Any] = {
            "request_id": state.get("request_id"),
            "method": scope.get("method"),
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            **state.get("access", {}),
        }
        if self.observe is not None:
            self.observe(fields, seconds)
        if not access_log.isEnabledFor(logging.INFO):
            return
        line = [fields["method"], fields["path"], str(status), f"{fields['duration_ms']}ms"]
        if "operation_name" in fields or "operation_type" in fields:
            line.append(
                f"{fields.get('operation_type', '?')} {fields.get('operation_name', '(anonymous)')}"
            )
        if "error_codes" in fields:
            line.append(",".join(fields["error_codes"]))
        access_log.info(
            " ".join(line), extra={k: fields[k] for k in _FIELDS if fields.get(k) is not None}
        )
