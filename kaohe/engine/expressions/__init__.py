"""The expression language of the rule engine (DHIS2-compatible where DHIS2 has the feature).

An expression such as ``if(#{BIRTHS} > 0, #{POLICY_BIRTHS} / #{BIRTHS} * 100, 0)`` is parsed
(:func:`parse`), checked against the codes a scheme defines and compiled
(:func:`compile_expression`) into one Polars expression evaluated for all units at once, and
into a NumPy twin (:meth:`CompiledExpression.evaluate`, :mod:`.kernels`) that gives the same
values without Polars' planning cost. Nothing is ever ``eval``-ed, and nothing here imports
Django.

Operands: ``#{ELEMENT}``, ``N{INDICATOR}``, ``C{CONSTANT}``, ``T{ITEM}`` (the unit's target),
``R{DATASET.METRIC}`` (``REPORTING_RATE``, ``REPORTING_RATE_ON_TIME``, ``ACTUAL_REPORTS``,
``ACTUAL_REPORTS_ON_TIME``, ``EXPECTED_REPORTS``), ``S{ELEMENT.MEASURE}`` (the element
cross-checked against other sources: ``REPORTED``, ``FOUND``, ``CHECKED``, ``CORRECTED``,
``UNDER_REPORTED``, ``OVER_REPORTED``, ``ACCURACY``); ``#{}`` and ``N{}`` take
``.periodOffset(n)``. Literals: numbers, ``true``, ``false``. Functions: ``if``, ``greatest``,
``least``, ``isNull``, ``isNotNull``, ``firstNonNull``, ``abs``, ``round``.
Operators, tightest first: ``^`` (right-associative); unary ``- + !`` (``not``);
``* / %``; ``+ -``; ``< > <= >=``; ``== !=``; ``&&`` (``and``); ``||`` (``or``).
``/* comments */`` may appear anywhere whitespace may. See :mod:`.compiler` for the handling
of missing values, division by zero and three-valued logic.
"""

from .compiler import column_name, compile_expression, reporting_rate_column, source_column
from .errors import ExpressionError
from .model import CompileContext, CompiledExpression, ExprType
from .nodes import (
    Binary,
    Boolean,
    Call,
    ConstantRef,
    ElementRef,
    IndicatorRef,
    Node,
    Number,
    ReportingRateRef,
    SourceRef,
    TargetRef,
    Unary,
)
from .parser import REPORTING_RATE_METRICS, SOURCE_MEASURES, parse
from .references import References, collect_references, referenced_codes

__all__ = [
    "REPORTING_RATE_METRICS",
    "Binary",
    "Boolean",
    "Call",
    "CompileContext",
    "CompiledExpression",
    "ConstantRef",
    "ElementRef",
    "ExprType",
    "ExpressionError",
    "IndicatorRef",
    "Node",
    "Number",
    "References",
    "ReportingRateRef",
    "SOURCE_MEASURES",
    "SourceRef",
    "TargetRef",
    "Unary",
    "collect_references",
    "column_name",
    "compile_expression",
    "parse",
    "referenced_codes",
    "reporting_rate_column",
    "source_column",
]
