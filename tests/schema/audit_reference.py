"""The read audit stated a second way, for the tests only: a middleware on every field of
graphql-core's stock executor, reporting to the request's read buffer as Hearth's executor
does. ``test_audit_paths`` proves both paths write the same audit rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import SchemaExtension

from schema.audit import ReadBuffer

__all__ = ["MiddlewareAudit"]


class MiddlewareAudit(SchemaExtension):
    """Reports every resolved field: roots with their arguments; for client data, the object
    and each field with the value its resolver returned."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        buffer: ReadBuffer | None = getattr(info.context, "audit", None)
        if buffer is None:
            return _next(root, info, *args, **kwargs)
        if info.path.prev is None:
            buffer.root(str(info.path.key), info.field_name, kwargs)
        result = _next(root, info, *args, **kwargs)
        if not buffer.observes(root):
            return result
        if info.is_awaitable(result):
            return self._reported(buffer, root, info.field_name, result)
        buffer.read(root, ((info.field_name, result),))
        return result

    @staticmethod
    async def _reported(buffer: ReadBuffer, root: Any, field_name: str, pending: Any) -> Any:
        value = await pending
        buffer.read(root, ((field_name, value),))
        return value
