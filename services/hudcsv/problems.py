"""What is wrong with an import's input: each problem with its file, row and column."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_PROBLEMS", "Problem"]

MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input. ``row`` counts the header as row 1 (as a spreadsheet does)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = (
            self.file
            + (f" row {self.row}" if self.row else "")
            + (f" column {self.column}" if self.column else "")
        )
        return f"{where}: {self.message}"


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.total = 0

    def add(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, row, column, message))
