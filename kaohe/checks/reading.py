"""What other sources found, read for an assessment (:class:`kaohe.engine.corrections.CrossCheckInputs`).

The figures come from :func:`kaohe.checks.selectors.source_sums` (one query: every source value of
the cross-checked elements in periods lying wholly inside the assessed period, aggregated per
source and unit the way the element aggregates), with each source's kind and the names the
explanations use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kaohe.elements.models import DataElement
from kaohe.engine.corrections import EMPTY, CrossCheckInputs
from kaohe.engine.periods import Period
from kaohe.orgunits.models import OrgUnit

from .models import Source
from .selectors import source_kinds, source_sums


def cross_check_inputs(
    element_codes: Iterable[str], units: Sequence[OrgUnit], period: Period
) -> CrossCheckInputs:
    """The sources' figures of ``element_codes`` over ``period`` for ``units`` (in order)."""
    codes = sorted(set(element_codes))
    if not codes:
        return EMPTY
    values = {
        code: found for code, found in source_sums(codes, list(units), period).items() if found
    }
    kinds = {
        source: kind
        for by_source in source_kinds(codes).values()
        for source, kind in by_source.items()
    }
    sources = Source.objects.filter(code__in=kinds).only("code", "name", "name_en")
    elements = DataElement.objects.filter(code__in=codes).only("code", "name", "name_en")
    return CrossCheckInputs(
        values=values,
        kinds=kinds,
        labels={s.code: (s.name, s.name_en or s.name) for s in sources},
        element_labels={e.code: (e.name, e.name_en or e.name) for e in elements},
    )
