"""Allocating the birth cap among villages: hand-computed cases and the invariants."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kaohe.engine.allocation import (
    AllocationError,
    AllocationMethod,
    adjusted_quotas,
    allocate,
    allocate_by_method,
    allocate_equal_rate,
    cap_from_rate,
    check_adjusted,
)

UNITS3 = ("V01", "V02", "V03")


@pytest.mark.parametrize(
    ("cap", "weights", "expected"),
    [
        # 10 × 1000/6000 = 1.667, 3.333, 5.000 → floors 1/3/5, one left, largest remainder V01.
        (10, (1000, 2000, 3000), (2, 3, 5)),
        # 7 × 1/3 each = 2.333: one left, all remainders equal, equal weights → first unit.
        (7, (500, 500, 500), (3, 2, 2)),
        # 6 × (1, 1, 2)/4 = 1.5, 1.5, 3.0: one left, V01 and V02 tie on remainder and weight,
        # so the first listed gets it.
        (6, (1, 1, 2), (2, 1, 3)),
        # 6 × (2, 3, 5)/10 = 1.2, 1.8, 3.0 → 1/1/3, one left to V02 (0.8).
        (6, (2, 3, 5), (1, 2, 3)),
        # Tie on remainder broken by the larger weight: 3 × (1, 2, 3)/6 = 0.5, 1, 1.5;
        # floors 0/1/1, one left, V01 and V03 both have 0.5, V03 is heavier.
        (3, (1, 2, 3), (0, 1, 2)),
        # A zero cap gives nothing.
        (0, (1000, 2000, 3000), (0, 0, 0)),
    ],
)
def test_largest_remainder_matches_hand_computed_quotas(
    cap: int, weights: tuple[float, ...], expected: tuple[int, ...]
) -> None:
    allocation = allocate(cap, weights, UNITS3)

    assert tuple(allocation.quotas().values()) == expected
    assert allocation.total == cap
    assert allocation.unallocated == 0


def test_exact_shares_are_reported() -> None:
    allocation = allocate(10, (1000, 2000, 3000), UNITS3)

    assert [round(s.exact, 4) for s in allocation.shares] == [1.6667, 3.3333, 5.0]


@pytest.mark.parametrize("missing", [None, float("nan"), 0.0])
def test_a_unit_without_weight_gets_nothing_and_is_named(missing: float | None) -> None:
    allocation = allocate(10, (1000, missing, 4000), UNITS3)

    assert allocation.quotas() == {"V01": 2, "V02": 0, "V03": 8}
    assert len(allocation.notes) == 1
    assert "V02" in allocation.notes[0]
    assert allocation.shares[1].weight == (0.0 if missing == 0.0 else None)


def test_it_refuses_a_cap_with_nobody_to_give_it_to() -> None:
    with pytest.raises(AllocationError, match="no unit has a weight"):
        allocate(5, (None, 0.0), ("V01", "V02"))


@pytest.mark.parametrize(
    ("cap", "weights", "units", "message"),
    [
        (-1, (1.0,), ("V01",), "negative"),
        (1, (-1.0, 2.0), ("V01", "V02"), "negative weight: V01"),
        (1, (1.0,), ("V01", "V02"), "1 weights for 2 units"),
        (1, (1.0, 1.0), ("V01", "V01"), "twice"),
    ],
)
def test_it_refuses_bad_inputs(
    cap: int, weights: tuple[float, ...], units: tuple[str, ...], message: str
) -> None:
    with pytest.raises(AllocationError, match=message):
        allocate(cap, weights, units)


@pytest.mark.parametrize(
    ("rate", "population", "expected"),
    [
        (11.5, 2030, 23),  # 23.345 → 23: a cap never exceeds the rate
        (12, 2500, 30),  # exactly 30.0
        (Decimal("11.5"), 20000, 230),
        (0.7, 1000, 0),  # 0.7 births → 0
        (10.1, 1000, 10),  # 10.1 is not 10.0999… here
    ],
)
def test_cap_from_rate_rounds_down(rate: float, population: float, expected: int) -> None:
    assert cap_from_rate(rate, population) == expected


def test_cap_from_rate_refuses_a_negative_rate() -> None:
    with pytest.raises(AllocationError, match="negative"):
        cap_from_rate(-1, 1000)


def test_equal_rate_rounds_each_unit_down_and_keeps_the_remainder() -> None:
    # 12 ‰ of 1250, 1750, 2100 = 15.0, 21.0, 25.2 → 15/21/25; cap floor(12 × 5100 / 1000) = 61.
    allocation = allocate_equal_rate(12, (1250, 1750, 2100), UNITS3)

    assert allocation.quotas() == {"V01": 15, "V02": 21, "V03": 25}
    assert allocation.cap == 61
    assert allocation.total == 61
    assert allocation.notes == ()


def test_equal_rate_leaves_births_unallocated_where_population_would_not() -> None:
    # 10 ‰ of 1150, 1150, 1150 = 11.5 each → 11/11/11; cap floor(34.5) = 34, 1 left.
    equal = allocate_by_method(
        AllocationMethod.EQUAL_RATE,
        units=UNITS3,
        populations=(1150, 1150, 1150),
        mwra=(200, 200, 200),
        rate_per_mille=10,
    )
    by_population = allocate_by_method(
        AllocationMethod.POPULATION,
        units=UNITS3,
        populations=(1150, 1150, 1150),
        mwra=(200, 200, 200),
        rate_per_mille=10,
    )

    assert equal.quotas() == {"V01": 11, "V02": 11, "V03": 11}
    assert (equal.cap, equal.unallocated) == (34, 1)
    assert "1 births of the cap are left unallocated" in equal.notes[-1]
    assert by_population.quotas() == {"V01": 12, "V02": 11, "V03": 11}
    assert by_population.unallocated == 0


def test_equal_rate_from_a_cap_floors_each_population_share() -> None:
    # cap 10 over 1000/2000/3000: 1.667, 3.333, 5 → 1/3/5, one left with the township.
    allocation = allocate_by_method(
        AllocationMethod.EQUAL_RATE,
        units=UNITS3,
        populations=(1000, 2000, 3000),
        mwra=(1, 1, 1),
        cap_births=10,
    )

    assert allocation.quotas() == {"V01": 1, "V02": 3, "V03": 5}
    assert allocation.unallocated == 1


def test_mwra_method_weighs_by_married_women() -> None:
    # A rate of 10 ‰ over 6000 people is a cap of 60, split 100:200:300 by women → 10/20/30.
    allocation = allocate_by_method(
        AllocationMethod.MWRA,
        units=UNITS3,
        populations=(3000, 2000, 1000),
        mwra=(100, 200, 300),
        rate_per_mille=10,
    )

    assert allocation.quotas() == {"V01": 10, "V02": 20, "V03": 30}


def test_by_method_needs_exactly_one_of_cap_and_rate() -> None:
    with pytest.raises(AllocationError, match="either a cap"):
        allocate_by_method(
            AllocationMethod.POPULATION, units=UNITS3, populations=(1, 1, 1), mwra=(1, 1, 1)
        )
    with pytest.raises(AllocationError, match="either a cap"):
        allocate_by_method(
            AllocationMethod.POPULATION,
            units=UNITS3,
            populations=(1, 1, 1),
            mwra=(1, 1, 1),
            cap_births=3,
            rate_per_mille=10,
        )


@pytest.mark.parametrize(
    ("quotas", "cap", "expected"),
    [
        ({"V01": 3, "V02": 4}, 7, []),
        ({"V01": 3, "V02": 3}, 7, []),  # under the cap is allowed
        ({"V01": 4, "V02": 4}, 7, ["the quotas sum to 8, over the cap of 7"]),
        ({"V01": -1, "V02": 4}, 7, ["V01: the quota -1 is negative"]),
    ],
)
def test_check_adjusted_names_each_problem(
    quotas: dict[str, int], cap: int, expected: list[str]
) -> None:
    problems = check_adjusted(quotas, cap)

    assert len(problems) == len(expected)
    for problem, english in zip(problems, expected, strict=True):
        assert english in problem
        assert " / " in problem  # Chinese first, then English


def test_adjusting_replaces_quotas_and_refuses_unknown_units() -> None:
    allocation = allocate(10, (1000, 2000, 3000), UNITS3)

    assert adjusted_quotas(allocation, {"V01": 1, "V03": 6}) == {"V01": 1, "V02": 3, "V03": 6}
    with pytest.raises(AllocationError, match="V09"):
        adjusted_quotas(allocation, {"V09": 1})


@given(
    cap=st.integers(min_value=0, max_value=500),
    weights=st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=5000, allow_nan=False)),
        min_size=1,
        max_size=12,
    ).filter(lambda ws: any(w for w in ws)),
)
def test_quotas_sum_to_the_cap_and_stay_within_one_of_the_exact_share(
    cap: int, weights: list[float | None]
) -> None:
    units = [f"V{i:02d}" for i in range(len(weights))]

    allocation = allocate(cap, weights, units)

    assert allocation.total == cap
    total = sum((Fraction(w) for w in weights if w), Fraction(0))
    for share, weight in zip(allocation.shares, weights, strict=True):
        exact = cap * Fraction(weight) / total if weight else Fraction(0)
        assert abs(share.quota - exact) < 1
        assert share.quota >= 0


@given(
    rate=st.decimals(min_value=0, max_value=40, places=1),
    populations=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=12),
)
def test_equal_rate_never_exceeds_the_cap_nor_any_unit_its_rate(
    rate: Decimal, populations: list[int]
) -> None:
    units = [f"V{i:02d}" for i in range(len(populations))]

    allocation = allocate_equal_rate(rate, populations, units)

    assert allocation.total <= allocation.cap
    assert allocation.cap == cap_from_rate(rate, sum(populations))
    for share, population in zip(allocation.shares, populations, strict=True):
        assert share.quota == math.floor(rate * population / 1000)
