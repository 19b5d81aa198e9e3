"""Type checking, constant folding and compilation of a syntax tree to one Polars expression.

One pass over the tree does all three: each node's children are compiled first, then the
node's type rule is checked (so errors come out roughly in source order), then the node is
either folded to an exact decimal constant or built as a Polars expression together with
its NumPy twin, a kernel (:mod:`.kernels`), from the same folded constants and the same
dirty bookkeeping, so that both backends evaluate the same tree.

Run-time semantics (one row per unit, vectorised):

* Missing values are null. Null propagates through arithmetic, comparisons and functions;
  ``&&``, ``||`` and ``!`` follow Kleene's three-valued logic (Polars' ``&``/``|`` do).
* ``x / 0``, ``x % 0``, ``0 ^ -1``, ``(-8) ^ 0.5`` and overflow give null, never inf or NaN.
* ``%`` is the truncated remainder of Java and DHIS2: it has the dividend's sign.
* ``x / c`` and ``x % c`` by a constant use its reciprocal, as Polars does for a scalar
  divisor; the compiler writes that out so that a one-row frame, where Polars would divide,
  gives each unit the value it gets among others.
* ``if(null, a, b)`` is null. ``greatest`` and ``least`` are null when any argument is null
  (a missing figure must not silently lose to a present one); ``firstNonNull`` coalesces.

In a constant expression the same mistakes (``1 / (2 - 2)``, ``C{X} / 0``) are compile errors
instead, as is dividing anything by a constant zero (``#{A} / 0``): the result would be null
for every unit, which is never what the author meant.

Keeping inf and NaN out without a Python UDF: a value that may hold them is *dirty*. Only
``+ - *`` (overflow), ``/``, ``%``, ``^`` and ``round`` make dirty values; ``+ - *``, unary
minus, ``abs``, ``round`` and ``if`` pass them on unchanged (inf and NaN cannot turn finite
through them), and every other consumer, and the final result, first maps them to null.
So ``#{A} / #{B} * 100`` is cleaned once, at the end, not after every operator.

Polars expressions are trees: using a compiled sub-expression twice (``if``'s condition is
tested for true and for false) copies it, and nested copies grow exponentially. Whenever an
operation needs a non-trivial operand more than once, the operand is bound once as a field
of a struct (see :func:`_let`); columns and literals are simply repeated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import polars as pl

from kaohe.engine.rounding import round_half_up_expr

from . import folding, kernels
from .errors import ExpressionError, suggestion
from .functions import MAX_ROUND_DIGITS
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
    start,
)
from .parser import parse
from .references import collect_references

NUMBER = ExprType.NUMBER
BOOLEAN = ExprType.BOOLEAN

_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^"})
_ORDERING = frozenset({"<", ">", "<=", ">="})
_EQUALITY = frozenset({"==", "!="})
_LOGICAL = frozenset({"&&", "||"})

_NON_FINITE = [math.inf, -math.inf, math.nan]

# The NumPy twins of the arithmetic that Polars and NumPy compute alike.
_RING_UFUNCS: dict[str, np.ufunc] = {"+": np.add, "-": np.subtract, "*": np.multiply}

# a op b is b mirrored-op a.
_MIRRORED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}

_COLUMN_KINDS = ("e", "n", "t")


def column_name(kind: str, code: str, offset: int = 0) -> str:
    """The frame column holding an operand: ``e:CODE``, ``n:CODE@-1``, ``t:ITEM``.

    ``kind`` is ``"e"`` (data element), ``"n"`` (indicator) or ``"t"`` (target); ``offset``
    is a period offset, allowed for elements and indicators only.
    """
    if kind not in _COLUMN_KINDS:
        raise ValueError(f"column kind must be one of {_COLUMN_KINDS}, not {kind!r}")
    if offset == 0:
        return f"{kind}:{code}"
    if kind == "t":
        raise ValueError("a target column has no period offset")
    return f"{kind}:{code}@{offset}"


def source_column(element: str, measure: str) -> str:
    """The frame column of ``S{ELEMENT.MEASURE}``: ``s:ELEMENT:MEASURE``."""
    return f"s:{element}:{measure}"


def reporting_rate_column(dataset: str, metric: str) -> str:
    """The frame column of ``R{DATASET.METRIC}``: ``r:DATASET:METRIC``."""
    return f"r:{dataset}:{metric}"


def compile_expression(
    text: str, context: CompileContext, expected: ExprType | None = None
) -> CompiledExpression:
    """Parse, check and compile ``text``; raise :class:`ExpressionError` on any mistake.

    ``expected``, when given, is the type the caller needs: a veto condition must be
    BOOLEAN, an indicator's numerator NUMBER.
    """
    tree = parse(text)
    compiler = _Compiler(text, context)
    try:
        value = compiler.compile(tree)
    except RecursionError:
        raise ExpressionError(
            text, 1, 1, "表达式嵌套过深", "the expression is nested too deeply", "too_deep"
        ) from None
    if expected is not None and value.type is not expected:
        raise compiler.error(
            tree,
            f"应为{'条件表达式（真/假）' if expected is BOOLEAN else '数值表达式'}，"
            f"但这是{'数值表达式' if value.type is NUMBER else '条件表达式（真/假）'}",
            f"expected {expected.label_en}, but this expression "
            f"{'gives a number' if value.type is NUMBER else 'is a condition (true/false)'}",
            "expected_type",
        )
    constant: float | bool | None = None
    if isinstance(value.constant, bool):
        constant = value.constant
    elif value.constant is not None:
        constant = folding.to_float(value.constant)
    return CompiledExpression(
        source=text,
        type=value.type,
        references=collect_references(tree),
        expr=value.clean(),
        kernel=_result_kernel(value),
        constant_value=constant,
    )


# --- compiled values ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Value:
    """A compiled node: its type and either an exact constant or a Polars expression.

    A node that is not constant also has ``kernel``, its NumPy twin, which holds inf where
    the expression holds inf and NaN where it holds NaN or null.
    """

    type: ExprType
    constant: Decimal | bool | None = None
    expr: pl.Expr | None = None
    dirty: bool = False  # may hold inf or NaN that must become null before use
    simple: bool = False  # a column or literal: cheap to repeat inside an expression
    kernel: kernels.Kernel | None = None

    def polars(self) -> pl.Expr:
        """The value as a Polars expression (dirty values left as they are)."""
        if self.constant is not None:
            return _literal(self.constant)
        if self.expr is None:
            raise AssertionError("a compiled value has a constant or an expression")
        return self.expr

    def clean(self) -> pl.Expr:
        """The value as a Polars expression in which inf and NaN have become null."""
        expr = self.polars()
        return expr.replace(_NON_FINITE, None) if self.dirty else expr

    def numpy(self) -> kernels.Kernel:
        """The value as a NumPy kernel (dirty values left as they are)."""
        if isinstance(self.constant, bool):
            return kernels.ConditionConstant(self.constant)
        if self.constant is not None:
            return kernels.constant(folding.to_float(self.constant))
        if self.kernel is None:
            raise AssertionError("a compiled value has a constant or a kernel")
        return self.kernel

    def numpy_clean(self) -> kernels.Kernel:
        """The value as a NumPy kernel in which inf has become NaN (null)."""
        kernel = self.numpy()
        return kernels.Clean(kernels.as_number(kernel)) if self.dirty else kernel

    def numbers(self, *, clean: bool = False) -> kernels.NumberKernel:
        """The NUMBER value's kernel; ``clean`` as :meth:`numpy_clean`."""
        return kernels.as_number(self.numpy_clean() if clean else self.numpy())

    def condition(self) -> kernels.ConditionKernel:
        """The BOOLEAN value's kernel."""
        return kernels.as_condition(self.numpy())

    @property
    def clean_is_simple(self) -> bool:
        """Whether :meth:`clean` gives an expression that is cheap to repeat."""
        return self.constant is not None or (self.simple and not self.dirty)


def _literal(value: Decimal | bool) -> pl.Expr:
    if isinstance(value, bool):
        return pl.lit(value, dtype=pl.Boolean)
    return pl.lit(folding.to_float(value), dtype=pl.Float64)


def _let(
    exprs: Sequence[pl.Expr],
    simple: Sequence[bool],
    body: Callable[[list[pl.Expr]], pl.Expr],
) -> pl.Expr:
    """``body(exprs)``, evaluating each of ``exprs`` once however often ``body`` uses it.

    Non-trivial operands are bound as fields of a struct and ``body`` sees ``pl.field``
    references to them; all operands go into the struct so that ``body`` never mixes
    ``pl.col`` (the frame) with ``pl.field`` (the struct).
    """
    if all(simple):
        return body(list(exprs))
    names = [f"_{index}" for index in range(len(exprs))]
    bound = pl.struct([expr.alias(name) for expr, name in zip(exprs, names, strict=True)])
    result = body([pl.field(name) for name in names]).alias("_result")
    return bound.struct.with_fields(result).struct.field("_result")


def _number(expr: pl.Expr, kernel: kernels.NumberKernel, *, dirty: bool = False) -> _Value:
    return _Value(NUMBER, expr=expr, kernel=kernel, dirty=dirty)


def _boolean(expr: pl.Expr, kernel: kernels.ConditionKernel) -> _Value:
    return _Value(BOOLEAN, expr=expr, kernel=kernel)


def _result_kernel(value: _Value) -> kernels.NumberKernel:
    """The kernel of a whole expression: numbers, clean, never an input column itself."""
    if isinstance(value.constant, bool):
        return kernels.constant(1.0 if value.constant else 0.0)
    if value.type is BOOLEAN:
        return kernels.ConditionAsNumber(value.condition())
    kernel = value.numbers(clean=True)
    if value.constant is None and not kernels.owns(kernel):
        return kernels.Copy(kernel)
    return kernel


def _truncated_remainder(fields: list[pl.Expr]) -> pl.Expr:
    dividend, divisor = fields
    # |x| mod |y| is the same for floored and truncated division; the sign is the
    # dividend's. A zero divisor gives NaN, cleaned to null later.
    return dividend.sign() * (dividend.abs() % divisor.abs())


def _truncated_remainder_by_scalar(dividend: pl.Expr, modulus: float) -> pl.Expr:
    """``dividend % modulus`` exactly as Polars' ``%`` computes it for a scalar divisor.

    Polars' float ``%`` is floored, ``x - m * floor(x * (1 / m))`` for a scalar ``m``, but
    in a one-row frame it divides instead; writing the steps out keeps every frame alike.
    ``dividend`` is a column or literal, so repeating it costs nothing.
    """
    magnitude = dividend.abs()
    reciprocal = pl.lit(1.0 / modulus, dtype=pl.Float64)
    quotient = (magnitude * reciprocal).floor()
    return dividend.sign() * (magnitude - pl.lit(modulus, dtype=pl.Float64) * quotient)


# --- the compiler ------------------------------------------------------------------------


_OPERAND_KINDS: dict[str, tuple[str, str, str]] = {
    # kind → (Chinese name, English name, how to write it)
    "element": ("数据元素", "data element", "#{{{}}}"),
    "indicator": ("指标", "indicator", "N{{{}}}"),
    "constant": ("常量", "constant", "C{{{}}}"),
    "item": ("考核项目", "scoring item", "T{{{}}}"),
    "dataset": ("数据集", "data set", "R{{{}.REPORTING_RATE}}"),
}


class _Compiler:
    def __init__(self, text: str, context: CompileContext) -> None:
        self.text = text
        self.context = context

    def error(
        self, at: Node | tuple[int, int], message_zh: str, message_en: str, code: str
    ) -> ExpressionError:
        line, column = (at.line, at.column) if isinstance(at, Node) else at
        return ExpressionError(self.text, line, column, message_zh, message_en, code)

    def compile(self, node: Node) -> _Value:
        if isinstance(node, Number):
            return _Value(NUMBER, constant=node.value)
        if isinstance(node, Boolean):
            return _Value(BOOLEAN, constant=node.value)
        if isinstance(node, ElementRef):
            return self.element(node)
        if isinstance(node, IndicatorRef):
            self.known(node, node.code, "indicator")
            return self.column(column_name("n", node.code, node.offset))
        if isinstance(node, ConstantRef):
            return self.constant(node)
        if isinstance(node, TargetRef):
            self.known(node, node.item, "item")
            return self.column(column_name("t", node.item))
        if isinstance(node, ReportingRateRef):
            self.known(node, node.dataset, "dataset")
            return self.column(reporting_rate_column(node.dataset, node.metric))
        if isinstance(node, SourceRef):
            self.known(node, node.element, "element")
            return self.column(source_column(node.element, node.measure))
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise AssertionError(f"unexpected node {node!r}")

    # --- operands ------------------------------------------------------------------------

    def column(self, name: str) -> _Value:
        # Cast so that integer columns (counts) join float arithmetic; a no-op on Float64.
        return _Value(
            NUMBER,
            expr=pl.col(name).cast(pl.Float64),
            kernel=kernels.Column(name),
            simple=True,
        )

    def element(self, node: ElementRef) -> _Value:
        if node.disaggregation is not None:
            raise self.error(
                (node.line, node.column + len("#{") + len(node.code) + 1),
                f"不支持按类别选项组合分解（#{{{node.code}.{node.disaggregation}}}）："
                f"请为该分类单独设置数据元素，或使用合计 #{{{node.code}}}",
                f"not supported: disaggregation by category option combo "
                f"(#{{{node.code}.{node.disaggregation}}}); use a separate data element or "
                f"the total #{{{node.code}}}",
                "disaggregation",
            )
        self.known(node, node.code, "element")
        return self.column(column_name("e", node.code, node.offset))

    def constant(self, node: ConstantRef) -> _Value:
        self.known(node, node.code, "constant")
        value = self.context.constants[node.code]
        exact: Decimal | None = None
        if isinstance(value, Decimal):
            exact = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            exact = folding.from_float(value) if math.isfinite(value) else None
        if exact is None or not exact.is_finite() or abs(exact) > folding.FLOAT_MAX:
            raise self.error(
                node,
                f'常量 "{node.code}" 的值 {value!r} 不是有限的数',
                f'the constant "{node.code}" has the value {value!r}, not a finite number',
                "constant_invalid",
            )
        return _Value(NUMBER, constant=exact)

    def known(self, node: Node, code: str, kind: str) -> None:
        """Raise an "unknown code" error unless ``code`` is a known ``kind`` code."""
        known = self.codes(kind)
        if code in known:
            return
        name_zh, name_en, _ = _OPERAND_KINDS[kind]
        hint_zh, hint_en = suggestion(code, known)
        if not hint_en:
            # The commonest slip after a typo: the right code behind the wrong brace.
            for other, (other_zh, other_en, spelling) in _OPERAND_KINDS.items():
                if other != kind and code in self.codes(other):
                    written = spelling.format(code)
                    hint_zh = f'（"{code}" 是{other_zh}代码，应写作 {written}）'
                    hint_en = f' ("{code}" is {_article(other_en)} code: write {written})'
                    break
        raise self.error(
            node,
            f'未知的{name_zh}代码 "{code}"{hint_zh}',
            f'unknown {name_en} code "{code}"{hint_en}',
            f"unknown_{kind}",
        )

    def codes(self, kind: str) -> frozenset[str] | set[str]:
        if kind == "element":
            return self.context.elements
        if kind == "indicator":
            return self.context.indicators
        if kind == "constant":
            return set(self.context.constants)
        if kind == "item":
            return self.context.items
        return self.context.datasets

    # --- operators -----------------------------------------------------------------------

    def unary(self, node: Unary) -> _Value:
        operand = self.compile(node.operand)
        wanted = BOOLEAN if node.op == "!" else NUMBER
        if operand.type is not wanted:
            raise self.error(
                node,
                f'"{node.symbol}" 须作用于{wanted.label_zh}，但其操作数是{operand.type.label_zh}',
                f'"{node.symbol}" needs {wanted.label_en}, but its operand is '
                f"{operand.type.label_en}",
                "type",
            )
        if node.op == "+":
            return operand
        if node.op == "!":
            if isinstance(operand.constant, bool):
                return _Value(BOOLEAN, constant=not operand.constant)
            return _boolean(operand.polars().not_(), kernels.Not(operand.condition()))
        if isinstance(operand.constant, Decimal):
            return _Value(NUMBER, constant=operand.constant.copy_negate())
        return _number(
            -operand.polars(), kernels.Unary(np.negative, operand.numbers()), dirty=operand.dirty
        )

    def binary(self, node: Binary) -> _Value:
        left = self.compile(node.left)
        right = self.compile(node.right)
        if node.op in _ARITHMETIC:
            self.require_sides(node, left, right, NUMBER)
            return self.arithmetic(node, left, right)
        if node.op in _ORDERING:
            self.require_sides(node, left, right, NUMBER)
            return self.comparison(node, left, right)
        if node.op in _EQUALITY:
            if left.type is not right.type:
                raise self.error(
                    node,
                    f'"{node.symbol}" 两边的类型须相同，但左边是{left.type.label_zh}，'
                    f"右边是{right.type.label_zh}",
                    f'"{node.symbol}" compares values of the same type, but its left side is '
                    f"{left.type.label_en} and its right side {right.type.label_en}",
                    "type",
                )
            return self.comparison(node, left, right)
        if node.op in _LOGICAL:
            self.require_sides(node, left, right, BOOLEAN)
            return self.logical(node, left, right)
        raise AssertionError(f"unexpected operator {node.op!r}")

    def require_sides(self, node: Binary, left: _Value, right: _Value, wanted: ExprType) -> None:
        for side_zh, side_en, value, operand in (
            ("左边", "left", left, node.left),
            ("右边", "right", right, node.right),
        ):
            if value.type is wanted:
                continue
            hint_zh, hint_en = "", ""
            if node.op in _ORDERING and isinstance(operand, Binary) and operand.op in _ORDERING:
                hint_zh = "（比较不能连写：请写成 a < b && b < c）"
                hint_en = " (comparisons do not chain: write a < b && b < c)"
            elif wanted is BOOLEAN:
                hint_zh = "（请与某个值比较，如 #{X} > 0）"
                hint_en = " (compare it with something, as in #{X} > 0)"
            raise self.error(
                node,
                f'"{node.symbol}" 两边须为{wanted.label_zh}，但{side_zh}是{value.type.label_zh}'
                f"{hint_zh}",
                f'"{node.symbol}" needs {wanted.label_en} on each side, but its {side_en} side '
                f"is {value.type.label_en}{hint_en}",
                "type",
            )

    def arithmetic(self, node: Binary, left: _Value, right: _Value) -> _Value:
        if isinstance(left.constant, Decimal) and isinstance(right.constant, Decimal):
            return _Value(NUMBER, constant=self.fold(node, left.constant, right.constant))
        if node.op in ("/", "%") and right.constant == 0:
            # Not a constant expression, but null for every unit: always a mistake.
            raise self.error(
                node,
                f'"{node.symbol}" 的除数恒为零',
                f'division by zero: the divisor of "{node.symbol}" is always 0',
                "constant_division_by_zero",
            )
        kernel: kernels.NumberKernel
        if node.op in _RING_UFUNCS:
            kernel = kernels.Binary(_RING_UFUNCS[node.op], left.numbers(), right.numbers())
            if node.op == "+":
                return _number(left.polars() + right.polars(), kernel, dirty=True)
            if node.op == "-":
                return _number(left.polars() - right.polars(), kernel, dirty=True)
            return _number(left.polars() * right.polars(), kernel, dirty=True)
        # / % ^ can turn an inf or NaN operand into a finite result (1 / inf is 0, NaN ^ 0
        # is 1), so their operands are cleaned first.
        if node.op == "/":
            kernel = kernels.divide(left.numbers(clean=True), right.numbers(clean=True))
            if isinstance(right.constant, Decimal):
                # Polars divides a column by a scalar by multiplying with its reciprocal,
                # except in a one-row frame, where it divides; say which, so that a unit's
                # value never depends on how many units the frame holds.
                reciprocal = 1.0 / folding.to_float(right.constant)
                expr = left.clean() * pl.lit(reciprocal, dtype=pl.Float64)
                return _number(expr, kernel, dirty=True)
            return _number(left.clean() / right.clean(), kernel, dirty=True)
        if node.op == "^":
            kernel = kernels.power(left.numbers(clean=True), right.numbers(clean=True))
            return _number(left.clean().pow(right.clean()), kernel, dirty=True)
        simple = [left.clean_is_simple, right.clean_is_simple]
        # _let binds a constant divisor as a struct field, a column, unless both sides are
        # simple; Polars' % then divides instead of multiplying by the reciprocal.
        scalar = right.constant if isinstance(right.constant, Decimal) and all(simple) else None
        if scalar is not None:
            # Polars' % by a scalar, spelled out for the reason given for "/" above.
            modulus = abs(folding.to_float(scalar))
            remainder = _truncated_remainder_by_scalar(left.clean(), modulus)
        else:
            remainder = _let([left.clean(), right.clean()], simple, _truncated_remainder)
        kernel = kernels.remainder(
            left.numbers(clean=True), right.numbers(clean=True), scalar_divisor=scalar is not None
        )
        return _number(remainder, kernel, dirty=True)

    def fold(self, node: Binary, left: Decimal, right: Decimal) -> Decimal:
        try:
            return folding.arithmetic(node.op, left, right, node.symbol)
        except folding.FoldError as exc:
            raise self.error(
                node,
                f"常量表达式中{exc.message_zh}",
                f"{exc.message_en} in a constant expression",
                exc.code,
            ) from None

    def comparison(self, node: Binary, left: _Value, right: _Value) -> _Value:
        if left.constant is not None and right.constant is not None:
            return _Value(BOOLEAN, constant=folding.compare(node.op, left.constant, right.constant))
        kernel = kernels.compare(node.op, left.numpy_clean(), right.numpy_clean())
        a, b, op = left.clean(), right.clean(), node.op
        if left.constant is not None:
            # Polars (2.1) fails on "literal < column" when the column is stored as one
            # repeated value, as an all-null column from a left join is: it gives one row,
            # or raises in with_columns. "column > literal" is the same test and works.
            a, b, op = b, a, _MIRRORED[op]
        if op == "<":
            return _boolean(a < b, kernel)
        if op == ">":
            return _boolean(a > b, kernel)
        if op == "<=":
            return _boolean(a <= b, kernel)
        if op == ">=":
            return _boolean(a >= b, kernel)
        if op == "==":
            return _boolean(a == b, kernel)
        return _boolean(a != b, kernel)

    def logical(self, node: Binary, left: _Value, right: _Value) -> _Value:
        # Kleene logic lets one known side decide: false && x is false even when x is null.
        decisive = node.op == "||"  # true decides ||, false decides &&
        for known, other in ((left, right), (right, left)):
            if isinstance(known.constant, bool):
                if known.constant is decisive:
                    return _Value(BOOLEAN, constant=decisive)
                return other  # true && x is x, false || x is x
        if node.op == "&&":
            return _boolean(
                left.polars() & right.polars(), kernels.And(left.condition(), right.condition())
            )
        return _boolean(
            left.polars() | right.polars(), kernels.Or(left.condition(), right.condition())
        )

    # --- functions -----------------------------------------------------------------------

    def call(self, node: Call) -> _Value:
        args = [self.compile(arg) for arg in node.args]
        if node.name == "if":
            return self.if_(node, args)
        if node.name in ("greatest", "least"):
            return self.extreme(node, args)
        if node.name in ("isNull", "isNotNull"):
            (arg,) = args
            is_null = node.name == "isNull"
            if arg.constant is not None:  # constants are never missing
                return _Value(BOOLEAN, constant=not is_null)
            return _boolean(
                arg.clean().is_null() if is_null else arg.clean().is_not_null(),
                kernels.is_null(arg.numpy(), dirty=arg.dirty, negate=not is_null),
            )
        if node.name == "firstNonNull":
            return self.first_non_null(node, args)
        if node.name == "abs":
            (arg,) = args
            self.require_argument(node, 0, arg, NUMBER)
            if isinstance(arg.constant, Decimal):
                return _Value(NUMBER, constant=arg.constant.copy_abs())
            return _number(
                arg.polars().abs(), kernels.Unary(np.absolute, arg.numbers()), dirty=arg.dirty
            )
        if node.name == "round":
            return self.round(node, args)
        raise AssertionError(f"unexpected function {node.name!r}")  # the parser checks names

    def require_argument(self, node: Call, index: int, value: _Value, wanted: ExprType) -> None:
        if value.type is wanted:
            return
        hint_zh, hint_en = "", ""
        if wanted is BOOLEAN:
            hint_zh = "（请与某个值比较，如 #{X} > 0）"
            hint_en = " (compare it with something, as in #{X} > 0)"
        raise self.error(
            start(node.args[index]),
            f"{node.name} 的第 {index + 1} 个参数须为{wanted.label_zh}，"
            f"但它是{value.type.label_zh}{hint_zh}",
            f"argument {index + 1} of {node.name} must be {wanted.label_en}, but it is "
            f"{value.type.label_en}{hint_en}",
            "type",
        )

    def if_(self, node: Call, args: list[_Value]) -> _Value:
        condition, then, otherwise = args
        self.require_argument(node, 0, condition, BOOLEAN)
        if then.type is not otherwise.type:
            raise self.error(
                start(node.args[2]),
                f"if 的两个结果类型须相同，但第 2 个参数是{then.type.label_zh}，"
                f"第 3 个参数是{otherwise.type.label_zh}",
                f"the two results of if must have the same type, but argument 2 is "
                f"{then.type.label_en} and argument 3 {otherwise.type.label_en}",
                "type",
            )
        if isinstance(condition.constant, bool):
            return then if condition.constant else otherwise

        def choose(fields: list[pl.Expr]) -> pl.Expr:
            test, when_true, when_false = fields
            # Two tests, not .otherwise(): a null condition must give null, not the else.
            return pl.when(test).then(when_true).when(test.not_()).then(when_false)

        expr = _let(
            [condition.polars(), then.polars(), otherwise.polars()],
            [condition.clean_is_simple, then.clean_is_simple, otherwise.clean_is_simple],
            choose,
        )
        kernel = kernels.choose(condition.condition(), then.numpy(), otherwise.numpy())
        return _Value(then.type, expr=expr, kernel=kernel, dirty=then.dirty or otherwise.dirty)

    def extreme(self, node: Call, args: list[_Value]) -> _Value:
        for index, arg in enumerate(args):
            self.require_argument(node, index, arg, NUMBER)
        pick = max if node.name == "greatest" else min
        constants = [arg.constant for arg in args if isinstance(arg.constant, Decimal)]
        variables = [arg for arg in args if arg.constant is None]
        if not variables:
            return _Value(NUMBER, constant=pick(constants))
        if len(args) == 1:
            return args[0]
        horizontal = pl.max_horizontal if node.name == "greatest" else pl.min_horizontal
        extra = [_literal(pick(constants))] if constants else []

        def extreme_or_null(fields: list[pl.Expr]) -> pl.Expr:
            # max_horizontal skips nulls; DHIS2-style "null if any input is null" instead,
            # so that a missing figure never silently loses to a present one. Constants
            # are never null and need no test.
            present = pl.all_horizontal([field.is_not_null() for field in fields])
            return pl.when(present).then(horizontal([*fields, *extra]))

        expr = _let(
            [arg.clean() for arg in variables],
            [arg.clean_is_simple for arg in variables],
            extreme_or_null,
        )
        operands = [arg.numbers(clean=True) for arg in variables]
        if constants:
            operands.append(kernels.constant(folding.to_float(pick(constants))))
        ufunc = np.maximum if node.name == "greatest" else np.minimum
        return _number(expr, kernels.extreme(ufunc, operands))

    def first_non_null(self, node: Call, args: list[_Value]) -> _Value:
        wanted = args[0].type
        for index, arg in enumerate(args):
            if arg.type is not wanted:
                raise self.error(
                    start(node.args[index]),
                    f"firstNonNull 的参数类型须相同，但第 1 个参数是{wanted.label_zh}，"
                    f"第 {index + 1} 个参数是{arg.type.label_zh}",
                    f"the arguments of firstNonNull must have the same type, but argument 1 "
                    f"is {wanted.label_en} and argument {index + 1} {arg.type.label_en}",
                    "type",
                )
        # A constant is never null, so nothing after the first one can be reached.
        reachable: list[_Value] = []
        for arg in args:
            reachable.append(arg)
            if arg.constant is not None:
                break
        if len(reachable) == 1:
            return reachable[0]
        return _Value(
            wanted,
            expr=pl.coalesce([arg.clean() for arg in reachable]),
            kernel=kernels.first_non_null([arg.numpy_clean() for arg in reachable]),
        )

    def round(self, node: Call, args: list[_Value]) -> _Value:
        value = args[0]
        self.require_argument(node, 0, value, NUMBER)
        digits = 0
        if len(args) == 2:
            count = args[1]
            self.require_argument(node, 1, count, NUMBER)
            if (
                not isinstance(count.constant, Decimal)
                or count.constant != count.constant.to_integral_value()
                or not 0 <= count.constant <= MAX_ROUND_DIGITS
            ):
                raise self.error(
                    start(node.args[1]),
                    f"round 的小数位数须为 0 到 {MAX_ROUND_DIGITS} 之间的整数常数",
                    f"the digits of round must be a whole-number constant from 0 to "
                    f"{MAX_ROUND_DIGITS}",
                    "round_digits",
                )
            digits = int(count.constant)
        if isinstance(value.constant, Decimal):
            return _Value(NUMBER, constant=folding.rounded(value.constant, digits))
        expr = _let(
            [value.polars()],
            [value.simple],
            # round_half_up_expr ends by dividing by 10^digits, which Polars does with the
            # reciprocal (7521 / 100 → 75.21000000000001); Polars' own round then snaps the
            # result to the double nearest the decimal, so round(x, 2) == 75.21 holds.
            lambda fields: round_half_up_expr(fields[0], digits).round(digits),
        )
        # Scaling by 10^digits can overflow a huge value; otherwise rounding keeps
        # finite values finite and inf and NaN as they were.
        kernel = kernels.Round(value.numbers(), digits)
        return _number(expr, kernel, dirty=value.dirty or digits > 0)


def _article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
