"""The value types of the compiler's interface: expression types, context and result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

import polars as pl

from .references import References


class ExprType(str, Enum):
    """The type of an expression: every node is a number or a condition."""

    NUMBER = "number"
    BOOLEAN = "boolean"

    @property
    def label_zh(self) -> str:
        """How messages name the type in Chinese."""
        return "数值" if self is ExprType.NUMBER else "条件（真/假）"

    @property
    def label_en(self) -> str:
        """How messages name the type in English."""
        return "a number" if self is ExprType.NUMBER else "a condition (true/false)"


@dataclass(frozen=True)
class CompileContext:
    """The codes an expression may mention, and the values of the constants.

    ``constants`` is copied into a read-only mapping, so a context cannot change behind a
    compiled expression's back; it takes no part in hashing (mappings are not hashable).
    """

    elements: frozenset[str] = frozenset()
    indicators: frozenset[str] = frozenset()
    constants: Mapping[str, float] = field(default_factory=dict, hash=False)
    items: frozenset[str] = frozenset()
    datasets: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable of codes (a set, a list, dict keys) from callers; store frozen
        # copies so that the context is immutable and hashable as the dataclass promises.
        for name in ("elements", "indicators", "items", "datasets"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        object.__setattr__(self, "constants", MappingProxyType(dict(self.constants)))


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression and its Polars form.

    ``expr`` reads the columns named by the convention in :mod:`kaohe.engine.spec` and gives
    Float64 for a NUMBER expression, Boolean for a BOOLEAN one; it carries no alias, so give
    it one (``expr.alias("n:CODE")``) before putting it in a frame. ``constant_value`` is set
    when the whole expression folded to a constant (``expr`` is then a literal).
    """

    source: str
    type: ExprType
    references: References
    expr: pl.Expr = field(compare=False)  # Expr.__eq__ builds an expression, not a bool
    constant_value: float | bool | None = None
