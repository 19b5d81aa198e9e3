"""Fixtures shared by the Excel template tests."""

from __future__ import annotations

import pytest

from kaohe.elements.models import DataSet, DataSetElement

from .fixtures import Township, build_township


@pytest.fixture
def town() -> Township:
    town = build_township()
    town.contraceptive_rate.aggregation = "average"
    town.contraceptive_rate.save()
    town.average_population.aggregation = "average"
    town.average_population.save()
    town.has_plan.aggregation = "last"
    town.has_plan.save()
    return town


@pytest.fixture
def dataset(town: Township) -> DataSet:
    """A monthly village data set: BIRTHS, MIGRANTS, CONTRA_RATE, AVG_POP, HAS_PLAN (rows 5–9)."""
    dataset = DataSet.objects.create(
        code="FP_MONTHLY", name="计划生育月报", period_type="Monthly", unit_kinds=["village"]
    )
    for order, element in enumerate(
        [
            town.births,
            town.migrants,
            town.contraceptive_rate,
            town.average_population,
            town.has_plan,
        ]
    ):
        DataSetElement.objects.create(dataset=dataset, element=element, sort_order=order)
    return dataset
