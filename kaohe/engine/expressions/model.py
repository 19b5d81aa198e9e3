"""The value types of the compiler's interface: expression types, context and result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import polars as pl

from .kernels import NumberKernel
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
    """A checked expression, in its Polars form and in its NumPy form.

    ``expr`` reads the columns named by the convention in :mod:`kaohe.engine.spec` and gives
    Float64 for a NUMBER expression, Boolean for a BOOLEAN one; it carries no alias, so give
    it one (``expr.alias("n:CODE")``) before putting it in a frame. :meth:`evaluate` computes
    the same values with NumPy from arrays of those columns, without Polars' planning cost
    (about 0.2 ms an expression, most of the time at township scale). ``constant_value`` is
    set when the whole expression folded to a constant (``expr`` is then a literal).

    ``kernel`` is the compiled NumPy form that :meth:`evaluate` runs; like ``expr`` it takes
    no part in equality, hashing or ``repr``.
    """

    source: str
    type: ExprType
    references: References
    expr: pl.Expr = field(compare=False)  # Expr.__eq__ builds an expression, not a bool
    kernel: NumberKernel = field(compare=False, repr=False)
    constant_value: float | bool | None = None

    def evaluate(
        self, columns: Mapping[str, npt.NDArray[np.float64]], n: int
    ) -> npt.NDArray[np.float64]:
        """The expression's values for ``n`` units, computed with NumPy.

        ``columns`` maps the column names :attr:`expr` reads (``e:CODE``, ``e:CODE@-1``,
        ``n:CODE``, ``t:ITEM``, ``r:DATASET:METRIC``; see
        :func:`~kaohe.engine.expressions.column_name`) to float64 arrays of length ``n`` in
        which NaN means missing. The result is a new float64 array of length ``n``: a NUMBER
        expression's values with NaN for null, a BOOLEAN one's as 1.0 (true), 0.0 (false) or
        NaN (null). The values are those the Polars form gives, null for null.

        Raises :class:`KeyError` (whose argument is the column name) when a column the
        expression reads is missing, :class:`ValueError` when a column's length is not ``n``.
        """
        with np.errstate(all="ignore"):
            values = self.kernel(columns, n)
        if values.ndim == 0:  # a constant: broadcast it to every unit
            return np.full(n, values, dtype=np.float64)
        return values
