"""Committed query-count baselines: the busy entry pages read a fixed number of times whatever
the number of elements (no query per row or per cell)."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client

from kaohe.audit.services import Actor
from kaohe.datavalues.services import do_import_values
from kaohe.elements.models import DataElement

from .conftest import Place, add_elements, grid_url

pytestmark = pytest.mark.django_db

# session, user, the user's roles, data set, unit, elements, values, the locks (data sets
# with their elements, submissions), and the validation rules of the data set (none here; with
# rules the count is still fixed: tests/validation/test_entry_warnings.py). Change only on
# purpose, with the reason in the commit.
YEAR_GRID_QUERIES = 11


def grow(place: Place, elements: int) -> None:
    """Give the data set ``elements`` more elements, each with a value in every month."""
    extra = [
        DataElement(code=f"EXTRA_{i:03d}", name=f"附加指标{i}", value_type="integer")
        for i in range(elements)
    ]
    DataElement.objects.bulk_create(extra)
    add_elements(place.dataset, list(DataElement.objects.filter(code__startswith="EXTRA_")))
    lines = ["dataelement,period,orgunit,catoptcombo,attroptcombo,value"]
    lines += [f"EXTRA_{i:03d},2026{m:02d},V01,,,{m}" for i in range(elements) for m in range(1, 13)]
    data = io.BytesIO("\n".join(lines).encode())
    summary = do_import_values(data, actor=Actor.cli("pytest"), fmt="csv")
    assert summary.ok, summary.problems


@pytest.mark.parametrize("elements", [1, 40])
def test_the_year_grid_reads_the_same_number_of_times_for_any_number_of_elements(
    place: Place,
    clerk: Client,
    elements: int,
    django_assert_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    grow(place, elements)

    with django_assert_num_queries(YEAR_GRID_QUERIES):
        response = clerk.get(grid_url("2026"))

    assert response.status_code == 200
    assert response.content.decode().count('name="v:EXTRA_') == 12 * elements
