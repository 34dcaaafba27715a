"""Arguments many fields share, declared once with their descriptions."""

from __future__ import annotations

from typing import Annotated

import strawberry

__all__ = ["After", "First"]

First = Annotated[
    int,
    strawberry.argument(
        description="How many items the page holds, at most the largest page (100 by default)."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="The cursor the page starts after: a previous page's `pageInfo.endCursor`; "
        "null for the first page."
    ),
]
