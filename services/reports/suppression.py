"""Small-cell suppression of a count table, the way HUD's tools do it, proven by an exact audit.

Pure functions over integers (no database, no I/O): :func:`suppress_one_way` for a list of
counts and its total, :func:`suppress_two_way` for a cross-tab with its row totals, column
totals and grand total. ``docs/aggregate-reports.md`` states the rule and what "cannot be
recovered" means; in short:

- **Primary suppression**: every published figure (cell or total) from 1 to 10 is hidden
  (:data:`THRESHOLD` is 11); 0 is shown.
- **Complementary (secondary) suppression**: more figures are hidden until the audit passes.
- **The audit** works out, for each hidden figure, the exact interval ``[lo, hi]`` of values it
  can take given every published cell and total and that counts are non-negative (what a
  linear program would find: the table's constraint matrix is a network matrix, so these
  bounds are integers and are reached by integer tables). The table is safe when every hidden
  figure's interval is wider than one value, and every hidden figure from 1 to 10 has
  ``hi >= 11``: nobody can tell its value, nor even that it is under 11. A sum of hidden cells
  that the published figures pin down (a row's hidden cells: its total minus its published
  cells) is then never from 1 to 10 either: a primary cell in it would have ``hi`` at most that
  sum, and a sum of secondary cells (each 0 or 11 and over) is 0 or 11 and over.

The audit's interval is a max-flow computation. Write the table with its margins as an
``(R+1) x (C+1)`` table ``z`` whose last row and column hold the totals negated (and the grand
total as is): every row and every column of ``z`` then sums to 0. Changing the hidden figures
while keeping the published ones is adding a circulation on the bipartite graph (rows, columns;
an edge per hidden figure); how far one edge can move up (or down) with every other figure
staying non-negative is a maximum flow between its two ends in the residual network. The
searches stop as soon as the needed protection is reached, so a table with thousands of hidden
cells is audited in a few milliseconds per cell. Protection only grows when more figures are
hidden, so each hidden figure needs to be audited safe once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "THRESHOLD",
    "OneWay",
    "TwoWay",
    "intervals_two_way",
    "suppress_one_way",
    "suppress_two_way",
]

# Counts from 1 to THRESHOLD - 1 are hidden.
THRESHOLD = 11
_INF = 1 << 62

Entry = tuple[int, int]


def _small(value: int) -> bool:
    return 0 < value < THRESHOLD


@dataclass(frozen=True, slots=True)
class OneWay:
    """Which figures of a one-way table are hidden."""

    cells: tuple[bool, ...]
    total: bool


@dataclass(frozen=True, slots=True)
class TwoWay:
    """Which figures of a two-way table are hidden: cells[row][column], the row totals, the
    column totals and the grand total."""

    cells: tuple[tuple[bool, ...], ...]
    rows: tuple[bool, ...]
    columns: tuple[bool, ...]
    total: bool


def _check(counts: Sequence[int]) -> None:
    if any(c < 0 for c in counts):
        raise ValueError("counts are non-negative")


def suppress_one_way(counts: Sequence[int]) -> OneWay:
    """Hide the counts from 1 to 10, then the next smallest counts until the hidden ones'
    sum (the total minus the published counts) is at least 11 and no single hidden count is
    the total minus the others; a total from 1 to 10 is hidden (and then so is every count
    but zeros, all being under 11)."""
    _check(counts)
    total = sum(counts)
    hidden = [_small(c) for c in counts]
    if _small(total):
        return OneWay(tuple(hidden), True)

    def safe() -> bool:
        n = sum(hidden)
        if n == 0:
            return True
        residue = sum(c for c, h in zip(counts, hidden, strict=True) if h)
        # With two or more hidden, each lies anywhere in [0, residue]; with one, it is exact.
        return n >= 2 and residue >= THRESHOLD

    while not safe():
        shown = [i for i, (c, h) in enumerate(zip(counts, hidden, strict=True)) if not h and c]
        if not shown:
            return OneWay(tuple(hidden), True)
        hidden[min(shown, key=lambda i: (counts[i], i))] = True
    return OneWay(tuple(hidden), False)


class _Extended:
    """The table with its margins: ``value[i][j]`` for ``i <= R``, ``j <= C``; row ``R`` holds
    the column totals, column ``C`` the row totals, ``(R, C)`` the grand total."""

    def __init__(self, counts: Sequence[Sequence[int]]) -> None:
        self.r = len(counts)
        self.c = len(counts[0]) if counts else 0
        if any(len(row) != self.c for row in counts):
            raise ValueError("every row has the same number of cells")
        for row in counts:
            _check(row)
        rows = [[*row, sum(row)] for row in counts]
        totals = [sum(counts[i][j] for i in range(self.r)) for j in range(self.c)]
        rows.append([*totals, sum(totals)])
        self.value = rows

    def sign(self, entry: Entry) -> int:
        i, j = entry
        return -1 if (i == self.r) != (j == self.c) else 1

    def entries(self) -> list[Entry]:
        return [(i, j) for i in range(self.r + 1) for j in range(self.c + 1)]


Arcs = dict[int, dict[int, int]]


def _node(table: _Extended, f: Entry) -> tuple[int, int]:
    """The row node and the column node of an entry (rows 0..R, then columns)."""
    return f[0], table.r + 1 + f[1]


def _add_arcs(table: _Extended, arcs: Arcs, f: Entry) -> None:
    """A hidden entry's two arcs: column -> row lowers z_f (as far as it may fall), row ->
    column raises it (as far as it may rise)."""
    x = table.value[f[0]][f[1]]
    rise, fall = (_INF, x) if table.sign(f) > 0 else (x, _INF)
    row_node, col_node = _node(table, f)
    arcs.setdefault(col_node, {})[row_node] = fall
    arcs.setdefault(row_node, {})[col_node] = rise


def _max_flow(arcs: Arcs, source: int, sink: int, need: int) -> int:
    """Augment from ``source`` to ``sink`` along shortest paths until ``need`` is reached (or no
    path is left), never along the arcs joining the two (the entry's own); returns the flow
    found, at most ``need``. The flow lives in an overlay: ``arcs`` is left as it was."""
    delta: dict[tuple[int, int], int] = {}
    skip = {(source, sink), (sink, source)}

    def capacity(u: int, v: int) -> int:
        return arcs[u][v] + delta.get((u, v), 0)

    flow = 0
    while flow < need:
        parent: dict[int, int] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v in arcs.get(u, ()):
                if v not in parent and (u, v) not in skip and capacity(u, v) > 0:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            break
        push = need - flow
        v = sink
        while v != source:
            u = parent[v]
            push = min(push, capacity(u, v))
            v = u
        v = sink
        while v != source:
            u = parent[v]
            delta[(u, v)] = delta.get((u, v), 0) - push
            delta[(v, u)] = delta.get((v, u), 0) + push
            v = u
        flow += push
    return flow


def _moves(
    table: _Extended, arcs: Arcs, entry: Entry, need_up: int, need_down: int
) -> tuple[int, int]:
    """How far (capped at the needs) ``entry``'s own value can go up and down, the published
    figures fixed and every hidden one (those with arcs) non-negative."""
    r_node, c_node = _node(table, entry)
    sign = table.sign(entry)
    # Raising z_e by t takes a flow of t from e's column to e's row; lowering, the reverse.
    # x = sign * z: for a margin (sign -1) raising x is lowering z.
    z_up_need, z_down_need = (need_up, need_down) if sign > 0 else (need_down, need_up)
    z_up = _max_flow(arcs, c_node, r_node, z_up_need) if z_up_need else 0
    z_down = _max_flow(arcs, r_node, c_node, z_down_need) if z_down_need else 0
    return (z_up, z_down) if sign > 0 else (z_down, z_up)


def _safe(table: _Extended, arcs: Arcs, entry: Entry) -> bool:
    value = table.value[entry[0]][entry[1]]
    if _small(value):
        up, _ = _moves(table, arcs, entry, THRESHOLD - value, 0)
        return up >= THRESHOLD - value
    up, _ = _moves(table, arcs, entry, 1, 0)
    if up:
        return True
    _, down = _moves(table, arcs, entry, 0, 1 if value else 0)
    return down > 0


def _complement(
    table: _Extended, hidden: set[Entry], entry: Entry, *, margins: bool = True
) -> Entry:
    """The published figure to hide next for ``entry``, the first of: the smallest non-zero
    cell of its row or column whose other line already has a hidden figure (closing a cycle);
    the smallest non-zero cell of its row or column; a total of its lines (unless ``margins``
    is false); a zero cell of its lines that closes a cycle; a cell anywhere that does (non-zero
    first); any cell; any figure."""
    i, j = entry
    line = [(i, b) for b in range(table.c + 1)] + [(a, j) for a in range(table.r + 1)]
    shown = [f for f in line if f not in hidden]

    def key(f: Entry) -> tuple[int, int, int]:
        return (table.value[f[0]][f[1]], f[0], f[1])

    def is_cell(f: Entry) -> bool:
        return f[0] < table.r and f[1] < table.c

    def closes(f: Entry) -> bool:
        """Whether ``f``'s other line (not the one it shares with ``entry``) already has a
        hidden figure: hiding ``f`` can then close a cycle through ``entry``."""
        a, b = f
        if a == i:
            other = [(x, b) for x in range(table.r + 1)]
        elif b == j:
            other = [(a, y) for y in range(table.c + 1)]
        else:
            other = [(a, y) for y in range(table.c + 1)] + [(x, b) for x in range(table.r + 1)]
        return any(g in hidden and g != f for g in other)

    def pinned(f: Entry) -> bool:
        """A cell in a line whose published total is 0: it is 0 for anyone, hidden or not."""
        row, col = (f[0], table.c), (table.r, f[1])
        return any(m not in hidden and table.value[m[0]][m[1]] == 0 for m in (row, col))

    def anywhere() -> list[Entry]:
        return [f for f in table.entries() if f not in hidden and is_cell(f) and not pinned(f)]

    # Built one at a time: the first usually answers, and the later ones scan the whole table.
    pools: tuple[Callable[[], list[Entry]], ...] = (
        lambda: [f for f in shown if is_cell(f) and table.value[f[0]][f[1]] and closes(f)],
        lambda: [f for f in shown if is_cell(f) and table.value[f[0]][f[1]]],
        lambda: [f for f in shown if not is_cell(f)] if margins else [],
        lambda: [f for f in shown if is_cell(f) and not pinned(f) and closes(f)],
        lambda: [f for f in anywhere() if table.value[f[0]][f[1]] and closes(f)],
        lambda: [f for f in anywhere() if closes(f)],
        anywhere,
        lambda: [f for f in table.entries() if f not in hidden],
    )
    for pool in pools:
        found = pool()
        if found:
            return min(found, key=key)
    raise AssertionError("everything is hidden yet unsafe")  # pragma: no cover


def suppress_two_way(
    counts: Sequence[Sequence[int]],
    *,
    margins: tuple[Sequence[bool], Sequence[bool]] | None = None,
) -> TwoWay:
    """Hide the cells and totals from 1 to 10, then complementary figures until the audit
    passes for every hidden figure (see the module's docstring).

    ``margins``: the row totals and the column totals to hide, as the one-way tables of the
    same counts hide them (:func:`suppress_one_way` of the row sums and of the column sums).
    Those tables are published too, so a margin one of them shows must be shown here and one
    it hides must stay hidden: complements are then taken among the cells only. A margin is
    hidden beyond them only as a last resort, when no cell is left to hide (the property tests
    have found no such table: every published margin is 0 or 11 and over, and a figure can
    always be protected by the cells of its lines)."""
    table = _Extended(counts)
    hidden = {f for f in table.entries() if _small(table.value[f[0]][f[1]])}
    if margins is not None:
        rows_hidden, columns_hidden = margins
        hidden |= {(i, table.c) for i, h in enumerate(rows_hidden) if h}
        hidden |= {(table.r, j) for j, h in enumerate(columns_hidden) if h}
    # Small figures first (they need the most protection), then each figure hidden as a
    # complement: protection only grows with more hidden, so one pass is a fixed point.
    queue = deque(sorted(hidden, key=lambda f: (table.value[f[0]][f[1]], f)))
    arcs: Arcs = {}
    for f in hidden:
        _add_arcs(table, arcs, f)
    checked: set[Entry] = set()
    while queue:
        entry = queue.popleft()
        if entry in checked:
            continue
        while not _safe(table, arcs, entry):
            extra = _complement(table, hidden, entry, margins=margins is None)
            hidden.add(extra)
            _add_arcs(table, arcs, extra)
            queue.append(extra)
        checked.add(entry)
    r, c = table.r, table.c
    return TwoWay(
        cells=tuple(tuple((i, j) in hidden for j in range(c)) for i in range(r)),
        rows=tuple((i, c) in hidden for i in range(r)),
        columns=tuple((r, j) in hidden for j in range(c)),
        total=(r, c) in hidden,
    )


def intervals_two_way(
    counts: Sequence[Sequence[int]], result: TwoWay, *, cap: int = 1000
) -> dict[Entry, tuple[int, int]]:
    """The audit's interval ``(lo, hi)`` of each hidden figure of the extended table (row
    ``R`` the column totals, column ``C`` the row totals); ``hi`` is capped at value + cap."""
    table = _Extended(counts)
    r, c = table.r, table.c
    hidden = {(i, j) for i in range(r) for j in range(c) if result.cells[i][j]}
    hidden |= {(i, c) for i in range(r) if result.rows[i]}
    hidden |= {(r, j) for j in range(c) if result.columns[j]}
    if result.total:
        hidden.add((r, c))
    arcs: Arcs = {}
    for f in hidden:
        _add_arcs(table, arcs, f)
    out = {}
    for entry in hidden:
        value = table.value[entry[0]][entry[1]]
        up, down = _moves(table, arcs, entry, cap, value)
        out[entry] = (value - down, value + up)
    return out
