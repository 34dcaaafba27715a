"""Small-cell suppression (services/reports/suppression.py): the rule on hand-made tables, a
recovery attempt that works against primary-only suppression and fails against ours, and a
property test that no hidden figure can be recovered from what is published.

"Cannot be recovered" (docs/aggregate-reports.md): for every hidden figure, the interval of
values it can take given every published cell and total and non-negativity — computed here
independently of the implementation, by a linear program (HiGHS), exact because the table's
constraint matrix is a network matrix — holds more than one value; and for every hidden figure
from 1 to 10 it reaches 11, so nobody can tell it is a small count, let alone which.
"""

from __future__ import annotations

from collections.abc import Sequence

import highspy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.reports.suppression import (
    THRESHOLD,
    OneWay,
    TwoWay,
    intervals_two_way,
    suppress_one_way,
    suppress_two_way,
)

Entry = tuple[int, int]
UNBOUNDED = 10**9


def extended(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [[*row, sum(row)] for row in counts]
    totals = [sum(col) for col in zip(*counts, strict=True)]
    return [*rows, [*totals, sum(totals)]]


def hidden_of(counts: Sequence[Sequence[int]], result: TwoWay) -> set[Entry]:
    r, c = len(counts), len(counts[0])
    hidden = {(i, j) for i in range(r) for j in range(c) if result.cells[i][j]}
    hidden |= {(i, c) for i in range(r) if result.rows[i]}
    hidden |= {(r, j) for j in range(c) if result.columns[j]}
    return hidden | ({(r, c)} if result.total else set())


def attacker_intervals(
    counts: Sequence[Sequence[int]], hidden: set[Entry]
) -> dict[Entry, tuple[float, float]]:
    """What an attacker can work out: each hidden figure's min and max over every non-negative
    table that agrees with the published figures (a linear program per bound)."""
    table = extended(counts)
    r, c = len(counts), len(counts[0])
    out: dict[Entry, tuple[float, float]] = {}
    for target in sorted(hidden):
        bounds = []
        for sense in ("min", "max"):
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            var = {e: h.addVariable(lb=0) for e in sorted(hidden)}

            def term(i: int, j: int, var: dict[Entry, object] = var) -> object:
                return var.get((i, j), table[i][j])

            # every row: its cells sum to its total; every column too; and the totals' totals
            lines = [[(i, j) for j in range(c + 1)] for i in range(r + 1)]
            lines += [[(i, j) for i in range(r + 1)] for j in range(c + 1)]
            for line in lines:
                if not any(e in var for e in line):
                    continue  # all published: nothing to learn from it
                *parts, margin = line
                h.addConstr(sum(term(*e) for e in parts) - term(*margin) == 0)  # type: ignore[operator]
            (h.minimize if sense == "min" else h.maximize)(var[target])
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                bounds.append(float(UNBOUNDED))
            else:
                assert status == highspy.HighsModelStatus.kOptimal, status
                bounds.append(h.val(var[target]))
        out[target] = (bounds[0], bounds[1])
    return out


def assert_unrecoverable(counts: Sequence[Sequence[int]], result: TwoWay) -> None:
    table = extended(counts)
    hidden = hidden_of(counts, result)
    # every figure from 1 to 10 is hidden
    for i, row in enumerate(table):
        for j, value in enumerate(row):
            if 0 < value < THRESHOLD:
                assert (i, j) in hidden, (i, j, value)
    for entry, (lo, hi) in attacker_intervals(counts, hidden).items():
        value = table[entry[0]][entry[1]]
        assert lo <= value + 1e-6
        assert hi >= value - 1e-6
        assert hi - lo >= 1 - 1e-6, f"{entry}={value} is pinned to [{lo}, {hi}]"
        if 0 < value < THRESHOLD:
            assert hi >= THRESHOLD - 1e-6, f"{entry}={value} is known to be under 11: [{lo}, {hi}]"


# -- one-way tables ---------------------------------------------------------------------------


def test_one_way_hides_small_counts_and_shows_zero() -> None:
    result = suppress_one_way([40, 0, 5, 30, 12])
    # 5 is hidden; alone it would be the total minus the rest, so the next smallest (12) too
    assert result == OneWay(cells=(False, False, True, False, True), total=False)


def test_one_way_keeps_hiding_until_the_hidden_sum_reaches_11() -> None:
    # 3 and 4 hidden: their sum (7) would be the total minus the published counts
    result = suppress_one_way([3, 4, 50, 60])
    assert result.cells == (True, True, True, False)
    assert not result.total


def test_one_way_with_a_small_total_hides_it() -> None:
    result = suppress_one_way([0, 4, 3])
    assert result == OneWay(cells=(False, True, True), total=True)


def test_one_way_with_nothing_small_hides_nothing() -> None:
    assert suppress_one_way([0, 11, 25]) == OneWay((False, False, False), False)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        suppress_one_way([1, -1])
    with pytest.raises(ValueError, match="non-negative"):
        suppress_two_way([[1, -1]])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=8))
def test_one_way_nothing_can_be_recovered(counts: list[int]) -> None:
    result = suppress_one_way(counts)
    # a one-way table is the 1 x C table whose column totals are its cells: same audit
    hidden_cells = [i for i, h in enumerate(result.cells) if h]
    total = sum(counts)
    if result.total:
        return  # nothing bounds the hidden counts from above
    residue = total - sum(c for c, h in zip(counts, result.cells, strict=True) if not h)
    for i, c in enumerate(counts):
        if 0 < c < THRESHOLD:
            assert result.cells[i]
    if hidden_cells:
        # each hidden count lies anywhere in [0, residue]: two or more of them, residue >= 11
        assert len(hidden_cells) >= 2
        assert residue >= THRESHOLD


# -- two-way tables: the recovery attempt -----------------------------------------------------

# Clients by project (rows) and household type (columns). Primary suppression alone hides 4
# and 7; each is then the only hidden cell of its row, so row total minus published cells
# gives it back: 30 - 14 - 12 = 4.
RECOVERY = [
    [14, 4, 12],
    [20, 25, 7],
    [31, 40, 22],
]


def test_primary_suppression_alone_is_recovered_by_subtraction() -> None:
    table = extended(RECOVERY)
    primary = {(i, j) for i in range(3) for j in range(3) if 0 < RECOVERY[i][j] < THRESHOLD}
    assert primary == {(0, 1), (1, 2)}
    # the attacker subtracts the published cells from the published row total
    recovered = table[0][3] - table[0][0] - table[0][2]
    assert recovered == 4
    intervals = attacker_intervals(RECOVERY, primary)
    assert intervals[(0, 1)] == pytest.approx((4, 4))
    assert intervals[(1, 2)] == pytest.approx((7, 7))


def test_complementary_suppression_defeats_the_recovery_attempt() -> None:
    result = suppress_two_way(RECOVERY)
    hidden = hidden_of(RECOVERY, result)
    assert {(0, 1), (1, 2)} <= hidden
    assert len(hidden) > 2
    # the subtraction no longer works: row 0 has a second hidden cell
    assert sum(result.cells[0]) >= 2
    assert_unrecoverable(RECOVERY, result)
    # and the implementation's own audit agrees with the attacker's linear programs
    ours = intervals_two_way(RECOVERY, result)
    theirs = attacker_intervals(RECOVERY, hidden)
    for entry, (lo, hi) in theirs.items():
        assert ours[entry][0] == pytest.approx(lo)
        assert ours[entry][1] == pytest.approx(min(hi, ours[entry][1]))


def test_two_hidden_cells_per_line_are_not_enough_when_a_cell_bridges_two_cycles() -> None:
    # Each of the two 2x2 blocks of small cells protects itself; (1, 2) = 30 joins them. Had
    # (1, 2) been hidden as a complement with every line holding two hidden cells, it would be
    # exactly (rows 0-1's hidden sum) - (columns 0-1's hidden sum): the audit is what catches
    # such bridges, the "two per line" rule does not.
    counts = [
        [3, 4, 50, 60],
        [5, 6, 30, 70],
        [80, 90, 2, 8],
        [70, 60, 9, 1],
    ]
    result = suppress_two_way(counts)
    assert_unrecoverable(counts, result)


def test_a_small_grand_total_hides_it_and_the_table_stays_safe() -> None:
    counts = [[1, 0], [2, 3]]
    result = suppress_two_way(counts)
    assert result.total
    assert_unrecoverable(counts, result)


def test_zeros_are_shown() -> None:
    counts = [[0, 20], [30, 0]]
    assert suppress_two_way(counts) == TwoWay(
        cells=((False, False), (False, False)),
        rows=(False, False),
        columns=(False, False),
        total=False,
    )


def test_a_small_row_total_is_hidden() -> None:
    counts = [[0, 0, 3], [40, 50, 60], [30, 20, 25]]
    result = suppress_two_way(counts)
    assert result.rows[0]
    assert_unrecoverable(counts, result)


# -- two-way tables: the property -------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 4))
    # mostly small counts, so that small cells are common; some zeros and some large ones
    value = st.one_of(st.integers(0, 12), st.integers(0, 60), st.just(0))
    return [[draw(value) for _ in range(cols)] for _ in range(rows)]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_hidden_figure_can_be_recovered(counts: list[list[int]]) -> None:
    assert_unrecoverable(counts, suppress_two_way(counts))


def _with_one_way_margins(counts: list[list[int]]) -> TwoWay:
    rows = suppress_one_way([sum(row) for row in counts]).cells
    columns = suppress_one_way([sum(col) for col in zip(*counts, strict=True)]).cells
    return suppress_two_way(counts, margins=(rows, columns))


def test_a_cross_tab_keeps_the_one_way_tables_margins() -> None:
    # The one-way table of the rows publishes 40 and 45 and hides 3 and 12 (3, then the next
    # smallest); the cross-tab, published beside it, must show and hide the same: had it hidden
    # 45 as a complement, the one-way table would give it back; had it shown 12, the one-way
    # table's 3 would be the total minus the rest.
    counts = [[20, 20, 0], [2, 0, 1], [30, 10, 5], [4, 4, 4]]
    result = _with_one_way_margins(counts)
    assert result.rows == suppress_one_way([sum(r) for r in counts]).cells
    assert result.rows == (False, True, False, True)
    assert result.columns == suppress_one_way([sum(c) for c in zip(*counts, strict=True)]).cells
    assert_unrecoverable(counts, result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_with_the_one_way_margins_no_hidden_figure_can_be_recovered(
    counts: list[list[int]],
) -> None:
    result = _with_one_way_margins(counts)
    # the margins are exactly the one-way tables' (the cells give the complements)
    assert result.rows == suppress_one_way([sum(r) for r in counts]).cells
    assert result.columns == suppress_one_way([sum(c) for c in zip(*counts, strict=True)]).cells
    assert_unrecoverable(counts, result)
