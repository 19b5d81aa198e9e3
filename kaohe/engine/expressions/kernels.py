"""The NumPy backend: compiled expressions evaluated without Polars' query planner.

Polars spends about 0.2 ms planning each expression, which dominates at township scale (a
few dozen units); NumPy has no planner and is as fast on 100,000 rows. The compiler builds a
*kernel* for every node next to its Polars expression, from the same folded constants and
the same "dirty" bookkeeping (see :mod:`.compiler`), and
:meth:`~.model.CompiledExpression.evaluate` runs the kernel tree. Every kernel calls each of
its children exactly once per evaluation, inside ``np.errstate(all="ignore")``.

Numbers are float64 arrays with one element per unit, NaN for null; a constant is a 0-d
array that NumPy broadcasts. Conditions are a pair of boolean arrays ``(is_true, is_false)``
(a :data:`Condition`), null where neither holds. The pair makes Kleene logic two bitwise
operations, and lets a comparison with a null side come out null by itself: IEEE
comparisons with NaN are false both ways. Only a whole expression's result is converted to
1.0, 0.0 and NaN (:class:`ConditionAsNumber`).

Memory and branches: at 100,000 units a float array is 800 kB, and a fresh one can cost
more in page faults than the arithmetic done in it. The kernels form a tree, so the array a
number kernel returns is seen only by its parent; unless it is an input column or a
constant (see :func:`owns`) it is a new array, which the parent overwrites instead of
allocating another. Input columns and constants are never written to. Selecting with a
boolean mask (``np.where``, ``np.copyto(..., where=)``) costs a mispredicted branch per
element, several times an arithmetic pass, so the kernels select only where the
expression does (``if``, ``firstNonNull``), and mark nulls only when there are any.

The kernels give the Polars backend's results, not merely equivalent ones: where Polars'
float arithmetic differs from the textbook operation, the kernel does what Polars does.

* ``x / c`` with a constant ``c`` is ``x * (1 / c)``: Polars divides by a scalar with its
  reciprocal, so ``#{A} / 10`` is 0.30000000000000004 for A = 3, not 0.3.
* Polars' float ``%`` is floored, ``a - b * floor(a / b)`` (with ``a * (1 / b)`` for a
  scalar ``b``), not C's ``fmod``; see :func:`remainder`.
* ``x ^ c`` with a constant ``c`` is ``x`` for 1, ``sqrt(x)`` for 0.5 and repeated
  multiplication for the whole numbers 2 to 9, as in Polars; otherwise ``np.power``. That
  may differ from Polars' (C library) ``pow`` in the last binary digit: on CPUs with
  AVX-512, NumPy computes ``power`` with its own SIMD code.
* ``round`` follows :func:`kaohe.engine.rounding.round_half_up_expr`; see :class:`Round`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from kaohe.engine.rounding import SNAP_DECIMALS  # the snap both backends share

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Columns: TypeAlias = Mapping[str, FloatArray]
Condition: TypeAlias = tuple[BoolArray, BoolArray]  # (is_true, is_false); null: neither

_NAN = np.float64(np.nan)


class Kernel:
    """A compiled node. Kernels are frozen dataclasses compared by identity (``eq=False``:
    they hold arrays), and pickle as long as the ufuncs they hold do (NumPy's own do)."""

    __slots__ = ()


class NumberKernel(Kernel, ABC):
    """A compiled NUMBER node."""

    __slots__ = ()

    @abstractmethod
    def __call__(self, columns: Columns, n: int) -> FloatArray:
        """The node's values for the ``n`` units whose data ``columns`` holds.

        An array of length ``n``, or a 0-d array for a constant.
        """


class ConditionKernel(Kernel, ABC):
    """A compiled BOOLEAN node."""

    __slots__ = ()

    @abstractmethod
    def __call__(self, columns: Columns, n: int) -> Condition:
        """Where the node is true and where it is false, for the ``n`` units."""


def as_number(kernel: Kernel) -> NumberKernel:
    """``kernel``, which the type checker has made sure is a NUMBER kernel."""
    if not isinstance(kernel, NumberKernel):
        raise AssertionError(f"expected a number kernel, not {kernel!r}")
    return kernel


def as_condition(kernel: Kernel) -> ConditionKernel:
    """``kernel``, which the type checker has made sure is a BOOLEAN kernel."""
    if not isinstance(kernel, ConditionKernel):
        raise AssertionError(f"expected a condition kernel, not {kernel!r}")
    return kernel


def owns(kernel: NumberKernel) -> bool:
    """Whether ``kernel`` returns a new array that its caller may overwrite.

    Every number kernel does except an input column, a constant, and :class:`Clean` of
    either (which returns its operand when there is no inf to clean).
    """
    while isinstance(kernel, Clean):
        kernel = kernel.operand
    return not isinstance(kernel, Column | Constant)


def _settle(kernel: Kernel, **flags: bool) -> None:
    """Set the flags a frozen kernel works out from its children when it is built."""
    for name, value in flags.items():
        object.__setattr__(kernel, name, value)


def _writable(values: FloatArray, owned: bool) -> FloatArray:
    """``values`` if the caller owns them, else a copy it may overwrite."""
    return values if owned else values.copy()


# --- operands ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Constant(NumberKernel):
    """A folded number, as a read-only 0-d array."""

    value: float
    array: FloatArray

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        return self.array


def constant(value: float) -> Constant:
    """The kernel of the number ``value``."""
    array = np.array(value, dtype=np.float64)
    array.flags.writeable = False
    return Constant(float(value), array)


_TRUE = np.array(True)
_FALSE = np.array(False)
_TRUE.flags.writeable = False
_FALSE.flags.writeable = False


@dataclass(frozen=True, slots=True, eq=False)
class ConditionConstant(ConditionKernel):
    """``true`` or ``false`` beside a condition that is not constant."""

    value: bool

    def __call__(self, columns: Columns, n: int) -> Condition:
        return (_TRUE, _FALSE) if self.value else (_FALSE, _TRUE)


@dataclass(frozen=True, slots=True, eq=False)
class Column(NumberKernel):
    """An operand's column: ``e:CODE``, ``n:CODE@-1``, ``t:ITEM``, ``r:DS:METRIC``."""

    name: str

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        try:
            values = columns[self.name]
        except KeyError:
            raise KeyError(self.name) from None
        # A no-op for float64 arrays; lets integer counts join float arithmetic, as the
        # Polars backend's cast does.
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (n,):
            raise ValueError(
                f"column {self.name!r} has shape {values.shape}, but there are {n} units"
            )
        return values


# --- numbers -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Clean(NumberKernel):
    """Its operand with inf and -inf made NaN (null); NaN is null already."""

    operand: NumberKernel
    in_place: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _settle(self, in_place=owns(self.operand))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        values = self.operand(columns, n)
        infinite = np.isinf(values)
        if not np.count_nonzero(infinite):
            return values
        if self.in_place:
            np.copyto(values, _NAN, where=infinite)
            return values
        cleaned: FloatArray = np.where(infinite, _NAN, values)
        return cleaned


@dataclass(frozen=True, slots=True, eq=False)
class Copy(NumberKernel):
    """A copy of its operand, so that a result never shares memory with an input column."""

    operand: NumberKernel

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        return self.operand(columns, n).copy()


@dataclass(frozen=True, slots=True, eq=False)
class Unary(NumberKernel):
    """A NumPy ufunc of one operand: ``negative``, ``absolute``, ``sqrt``."""

    ufunc: np.ufunc
    operand: NumberKernel
    in_place: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _settle(self, in_place=owns(self.operand))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        values = self.operand(columns, n)
        result: FloatArray = self.ufunc(values, out=values if self.in_place else None)
        return result


@dataclass(frozen=True, slots=True, eq=False)
class Binary(NumberKernel):
    """A NumPy ufunc of two operands: ``add``, ``subtract``, ``multiply``, ``true_divide``."""

    ufunc: np.ufunc
    left: NumberKernel
    right: NumberKernel
    into_left: bool = field(init=False, repr=False)
    into_right: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        into_left = owns(self.left)
        _settle(self, into_left=into_left, into_right=not into_left and owns(self.right))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        left = self.left(columns, n)
        right = self.right(columns, n)
        out = left if self.into_left else right if self.into_right else None
        result: FloatArray = self.ufunc(left, right, out=out)
        return result


def divide(dividend: NumberKernel, divisor: NumberKernel) -> NumberKernel:
    """``dividend / divisor``; by a constant as Polars divides by a scalar: ``x * (1 / c)``."""
    if isinstance(divisor, Constant):
        return Binary(np.multiply, dividend, constant(1.0 / divisor.value))
    return Binary(np.true_divide, dividend, divisor)


def _negate_where(values: FloatArray, negative: BoolArray) -> FloatArray:
    """``values`` with the elements where ``negative`` holds negated, in place."""
    if np.count_nonzero(negative):  # most figures are not negative: usually nothing to do
        np.negative(values, out=values, where=negative)
    return values


def _floored_remainder(
    dividend: FloatArray, modulus: FloatArray | float, reciprocal: float | None, reuse: bool
) -> FloatArray:
    """``sign(a) * (|a| - m * floor(|a| / m))``, Polars' floored ``%`` with the sign of ``a``.

    With ``reciprocal``, the quotient is ``|a| * reciprocal``, as Polars computes it for a
    scalar divisor. ``reuse`` lets it overwrite ``dividend``. (Multiplying by ``sign(a)`` is
    negating where ``a`` is negative: where ``a`` is 0 the remainder is 0 too.)
    """
    negative = np.signbit(dividend)
    magnitude = np.abs(dividend, out=dividend if reuse else None)
    if reciprocal is None:
        steps = np.true_divide(magnitude, modulus)
    else:
        steps = np.multiply(magnitude, reciprocal)
    np.floor(steps, out=steps)
    np.multiply(steps, modulus, out=steps)
    np.subtract(magnitude, steps, out=steps)
    return _negate_where(steps, negative)


@dataclass(frozen=True, slots=True, eq=False)
class Remainder(NumberKernel):
    """``sign(a) * (|a| % |b|)`` with Polars' floored float ``%``: ``x - y * floor(x / y)``."""

    dividend: NumberKernel
    divisor: NumberKernel
    reuse_dividend: bool = field(init=False, repr=False)
    reuse_divisor: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _settle(self, reuse_dividend=owns(self.dividend), reuse_divisor=owns(self.divisor))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        dividend = self.dividend(columns, n)
        divisor = self.divisor(columns, n)
        modulus = np.abs(divisor, out=divisor if self.reuse_divisor else None)
        return _floored_remainder(dividend, modulus, None, self.reuse_dividend)


@dataclass(frozen=True, slots=True, eq=False)
class RemainderByScalar(NumberKernel):
    """:class:`Remainder` by a scalar, with the reciprocal: ``x - m * floor(x * (1 / m))``."""

    dividend: NumberKernel
    modulus: float
    reciprocal: float
    reuse_dividend: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _settle(self, reuse_dividend=owns(self.dividend))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        dividend = self.dividend(columns, n)
        return _floored_remainder(dividend, self.modulus, self.reciprocal, self.reuse_dividend)


def remainder(
    dividend: NumberKernel, divisor: NumberKernel, *, scalar_divisor: bool
) -> NumberKernel:
    """The truncated remainder ``dividend % divisor`` (the dividend's sign), as Polars does it.

    ``scalar_divisor`` says whether the Polars backend divides by a scalar: a constant is one
    unless the compiler bound it as a struct field (see ``compiler._let``), which makes it a
    column; Polars then divides instead of multiplying by the reciprocal.
    """
    if scalar_divisor:
        if not isinstance(divisor, Constant):
            raise AssertionError("a scalar divisor is a constant")
        modulus = abs(divisor.value)
        return RemainderByScalar(dividend, modulus, 1.0 / modulus)
    return Remainder(dividend, divisor)


@dataclass(frozen=True, slots=True, eq=False)
class Power(NumberKernel):
    """``base ^ exponent``; null when either is null (even where ``pow`` gives 1)."""

    base: NumberKernel
    exponent: NumberKernel
    base_may_be_null: bool
    exponent_may_be_null: bool
    into_base: bool = field(init=False, repr=False)
    into_exponent: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        into_base = owns(self.base)
        _settle(self, into_base=into_base, into_exponent=not into_base and owns(self.exponent))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        base = self.base(columns, n)
        exponent = self.exponent(columns, n)
        # pow(NaN, 0) and pow(1, NaN) are 1, but a null operand must give null.
        missing: BoolArray | None = None
        if self.base_may_be_null:
            missing = np.isnan(base)
        if self.exponent_may_be_null:
            missing = np.isnan(exponent) if missing is None else missing | np.isnan(exponent)
        out = base if self.into_base else exponent if self.into_exponent else None
        result: FloatArray = np.power(base, exponent, out=out)
        if missing is not None and np.count_nonzero(missing):
            np.copyto(result, _NAN, where=missing)
        return result


@dataclass(frozen=True, slots=True, eq=False)
class RepeatedProduct(NumberKernel):
    """``x * x * … * x`` (``count`` factors, multiplied left to right), as Polars does x ^ 2…9."""

    operand: NumberKernel
    count: int

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        values = self.operand(columns, n)
        result: FloatArray = np.multiply(values, values)
        for _ in range(self.count - 2):
            np.multiply(result, values, out=result)
        return result


def power(base: NumberKernel, exponent: NumberKernel) -> NumberKernel:
    """``base ^ exponent`` with the special cases Polars gives a scalar exponent."""
    if isinstance(exponent, Constant):
        value = exponent.value
        if value == 1.0:
            return base
        if value == 0.5:
            return Unary(np.sqrt, base)
        if value.is_integer() and 1.0 < value < 10.0:
            return RepeatedProduct(base, int(value))
    base_constant = base.value if isinstance(base, Constant) else None
    exponent_constant = exponent.value if isinstance(exponent, Constant) else None
    return Power(
        base,
        exponent,
        # A constant is never null; NaN ^ c is NaN unless c is 0, c ^ NaN unless c is 1.
        base_may_be_null=base_constant is None and exponent_constant in (None, 0.0),
        exponent_may_be_null=exponent_constant is None and base_constant in (None, 1.0),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Extreme(NumberKernel):
    """``greatest`` (``maximum``) or ``least`` (``minimum``); null if any operand is null.

    NumPy's ``maximum`` and ``minimum`` propagate NaN, which is exactly that rule.
    """

    ufunc: np.ufunc
    operands: tuple[NumberKernel, ...]
    owned: tuple[bool, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "owned", tuple(owns(operand) for operand in self.operands))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        result = self.operands[0](columns, n)
        result_owned = self.owned[0]
        for operand, owned in zip(self.operands[1:], self.owned[1:], strict=True):
            values = operand(columns, n)
            if result_owned:
                self.ufunc(result, values, out=result)
            else:
                result = self.ufunc(result, values, out=values if owned else None)
                result_owned = True
        return result


def extreme(ufunc: np.ufunc, operands: Sequence[NumberKernel]) -> Extreme:
    """``greatest`` (``np.maximum``) or ``least`` (``np.minimum``) of two or more operands."""
    return Extreme(ufunc, tuple(operands))


@dataclass(frozen=True, slots=True, eq=False)
class FirstNumber(NumberKernel):
    """``firstNonNull`` of numbers: per unit, the first operand that is not null.

    Every operand is evaluated, as in Polars, so a missing column is always reported.
    """

    operands: tuple[NumberKernel, ...]
    reuse_first: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _settle(self, reuse_first=owns(self.operands[0]))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        result = _writable(self.operands[0](columns, n), self.reuse_first)
        for operand in self.operands[1:]:
            values = operand(columns, n)
            missing = np.isnan(result)
            if np.count_nonzero(missing):
                np.copyto(result, values, where=missing)
        return result


@dataclass(frozen=True, slots=True, eq=False)
class ChooseNumber(NumberKernel):
    """``if(condition, then, otherwise)`` of numbers; null where the condition is null.

    The result is written over a branch's array when the branch owns one.
    """

    condition: ConditionKernel
    then: NumberKernel
    otherwise: NumberKernel
    into_then: bool = field(init=False, repr=False)
    into_otherwise: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        into_then = owns(self.then)
        _settle(self, into_then=into_then, into_otherwise=not into_then and owns(self.otherwise))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        is_true, is_false = self.condition(columns, n)
        then = self.then(columns, n)
        otherwise = self.otherwise(columns, n)
        result: FloatArray
        if self.into_then:
            result = then
            np.copyto(result, otherwise, where=is_false)
        elif self.into_otherwise:
            result = otherwise
            np.copyto(result, then, where=is_true)
        else:
            result = np.where(is_true, then, otherwise)
        unknown = ~(is_true | is_false)
        if np.count_nonzero(unknown):
            np.copyto(result, _NAN, where=unknown)
        return result


# Below this magnitude of value × 10^digits, the short computation in Round gives exactly
# the Polars backend's result; the margin covers the half added before truncating.
_EXACT_ROUNDING_LIMIT = 2.0**49


@dataclass(frozen=True, slots=True, eq=False)
class Round(NumberKernel):
    """``round(x, digits)``: half away from zero, exactly as the Polars backend rounds.

    The Polars backend computes ``round_half_up_expr(x, digits).round(digits)``: scale by
    ``10^digits``, snap to 6 decimals, round half away from zero, multiply by the reciprocal
    of the scale, and round to ``digits`` twice to shed the noise the reciprocal leaves. For
    ``|x| × 10^digits`` up to 2^49 this is :func:`~kaohe.engine.rounding.round_half_up_array`
    step for step (written here to reuse one array): its last step divides the rounded
    integer ``k`` by ``10^digits``, and that quotient is the float nearest ``k / 10^digits``,
    which Polars' rounding also gives and further rounding keeps. Beyond that (rare: 5.6e12
    for two decimals), the two part ways in the last digits, and NumPy's ``round`` overflows
    to inf where Polars' returns its argument, so :func:`_round_half_up_as_polars` repeats
    Polars' steps one by one.
    """

    operand: NumberKernel
    digits: int
    limit: float = field(init=False, repr=False)
    in_place: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit", _EXACT_ROUNDING_LIMIT / 10.0**self.digits)
        _settle(self, in_place=owns(self.operand))

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        values = self.operand(columns, n)
        # fmax and fmin skip NaN (null). Infinities (from a division by zero) go through
        # the steps below unchanged, as through Polars'; only huge finite values need the
        # literal path.
        largest = np.fmax.reduce(values, initial=-np.inf)
        smallest = np.fmin.reduce(values, initial=np.inf)
        if not (largest <= self.limit and smallest >= -self.limit):
            huge = (values > self.limit) | (values < -self.limit)
            huge &= np.isfinite(values)
            if np.count_nonzero(huge):
                return _round_half_up_as_polars(values, self.digits)
        scale = 10.0**self.digits
        snap = 10.0**SNAP_DECIMALS
        # scaled = np.round(values * scale, 6), which is rint(values * scale * 1e6) / 1e6
        scaled: FloatArray = np.multiply(values, scale, out=values if self.in_place else None)
        np.multiply(scaled, snap, out=scaled)
        np.rint(scaled, out=scaled)
        np.true_divide(scaled, snap, out=scaled)
        # floor(|s| + 0.5) * sign(s). Scaling and snapping keep the sign of x (or make 0,
        # which stays 0), so the sign can come from x while x is still there.
        negative = np.signbit(scaled) if self.in_place else None
        np.abs(scaled, out=scaled)
        np.add(scaled, 0.5, out=scaled)
        np.floor(scaled, out=scaled)
        if negative is None:
            np.copysign(scaled, values, out=scaled)
        else:
            _negate_where(scaled, negative)
        np.true_divide(scaled, scale, out=scaled)
        return scaled


def _round_as_polars(values: FloatArray, digits: int) -> FloatArray:
    """Polars' ``Expr.round(digits)``: half to even, and ``x`` itself where ``x × 10^d`` overflows."""
    if digits == 0:
        rounded: FloatArray = np.rint(values)
        return rounded
    multiplier = 10.0**digits
    scaled = values * multiplier
    result: FloatArray = np.where(np.isfinite(scaled), np.rint(scaled) / multiplier, values)
    return result


def _round_half_up_as_polars(values: FloatArray, digits: int) -> FloatArray:
    """``round_half_up_expr(x, digits).round(digits)`` computed step by step as Polars does."""
    scale = 10.0**digits
    snapped = _round_as_polars(values * scale, SNAP_DECIMALS)
    rounded = np.floor(np.abs(snapped) + 0.5) * np.sign(snapped)
    unscaled = rounded * (1.0 / scale)  # Polars divides by the literal with its reciprocal
    return _round_as_polars(_round_as_polars(unscaled, digits), digits)


@dataclass(frozen=True, slots=True, eq=False)
class ConditionAsNumber(NumberKernel):
    """A condition as the numbers :meth:`~.model.CompiledExpression.evaluate` gives: 1.0
    where true, 0.0 where false, NaN where null."""

    condition: ConditionKernel

    def __call__(self, columns: Columns, n: int) -> FloatArray:
        is_true, is_false = self.condition(columns, n)
        result = is_true.astype(np.float64)
        unknown = ~(is_true | is_false)
        if np.count_nonzero(unknown):
            np.copyto(result, _NAN, where=unknown)
        return result


# --- conditions --------------------------------------------------------------------------


# How each comparison is true and how it is false; NaN makes every IEEE comparison false.
_COMPARISONS: dict[str, tuple[np.ufunc, np.ufunc]] = {
    "<": (np.less, np.greater_equal),
    ">": (np.greater, np.less_equal),
    "<=": (np.less_equal, np.greater),
    ">=": (np.greater_equal, np.less),
}


@dataclass(frozen=True, slots=True, eq=False)
class Compare(ConditionKernel):
    """``left op right`` for ``op`` in ``< > <= >=``; null when a side is null."""

    op: str
    left: NumberKernel
    right: NumberKernel
    when_true: np.ufunc = field(init=False, repr=False)
    when_false: np.ufunc = field(init=False, repr=False)

    def __post_init__(self) -> None:
        when_true, when_false = _COMPARISONS[self.op]
        object.__setattr__(self, "when_true", when_true)
        object.__setattr__(self, "when_false", when_false)

    def __call__(self, columns: Columns, n: int) -> Condition:
        left = self.left(columns, n)
        right = self.right(columns, n)
        return self.when_true(left, right), self.when_false(left, right)


@dataclass(frozen=True, slots=True, eq=False)
class Equal(ConditionKernel):
    """``left == right`` (``negate`` False) or ``left != right`` of numbers."""

    left: NumberKernel
    right: NumberKernel
    negate: bool

    def __call__(self, columns: Columns, n: int) -> Condition:
        left = self.left(columns, n)
        right = self.right(columns, n)
        # NaN != x holds in IEEE, so "different" is spelled as less or greater.
        equal = np.equal(left, right)
        different = np.less(left, right)
        different |= np.greater(left, right)
        return (different, equal) if self.negate else (equal, different)


@dataclass(frozen=True, slots=True, eq=False)
class SameCondition(ConditionKernel):
    """``left == right`` (``negate`` False) or ``left != right`` of conditions."""

    left: ConditionKernel
    right: ConditionKernel
    negate: bool

    def __call__(self, columns: Columns, n: int) -> Condition:
        left_true, left_false = self.left(columns, n)
        right_true, right_false = self.right(columns, n)
        same = (left_true & right_true) | (left_false & right_false)
        different = (left_true & right_false) | (left_false & right_true)
        return (different, same) if self.negate else (same, different)


@dataclass(frozen=True, slots=True, eq=False)
class Not(ConditionKernel):
    """Kleene ``!``: true and false trade places; null stays null."""

    operand: ConditionKernel

    def __call__(self, columns: Columns, n: int) -> Condition:
        is_true, is_false = self.operand(columns, n)
        return is_false, is_true


@dataclass(frozen=True, slots=True, eq=False)
class And(ConditionKernel):
    """Kleene ``&&``: true if both sides are, false if either is."""

    left: ConditionKernel
    right: ConditionKernel

    def __call__(self, columns: Columns, n: int) -> Condition:
        left_true, left_false = self.left(columns, n)
        right_true, right_false = self.right(columns, n)
        return left_true & right_true, left_false | right_false


@dataclass(frozen=True, slots=True, eq=False)
class Or(ConditionKernel):
    """Kleene ``||``: true if either side is, false if both are."""

    left: ConditionKernel
    right: ConditionKernel

    def __call__(self, columns: Columns, n: int) -> Condition:
        left_true, left_false = self.left(columns, n)
        right_true, right_false = self.right(columns, n)
        return left_true | right_true, left_false & right_false


@dataclass(frozen=True, slots=True, eq=False)
class IsNull(ConditionKernel):
    """``isNull`` (``negate`` False) or ``isNotNull`` of a number.

    ``dirty`` says the operand may hold inf, which counts as null like NaN.
    """

    operand: NumberKernel
    dirty: bool
    negate: bool

    def __call__(self, columns: Columns, n: int) -> Condition:
        values = self.operand(columns, n)
        missing = ~np.isfinite(values) if self.dirty else np.isnan(values)
        present = ~missing
        return (present, missing) if self.negate else (missing, present)


@dataclass(frozen=True, slots=True, eq=False)
class IsUnknown(ConditionKernel):
    """``isNull`` (``negate`` False) or ``isNotNull`` of a condition."""

    operand: ConditionKernel
    negate: bool

    def __call__(self, columns: Columns, n: int) -> Condition:
        is_true, is_false = self.operand(columns, n)
        known = is_true | is_false
        unknown = ~known
        return (known, unknown) if self.negate else (unknown, known)


@dataclass(frozen=True, slots=True, eq=False)
class FirstCondition(ConditionKernel):
    """``firstNonNull`` of conditions: per unit, the first operand that is not null."""

    operands: tuple[ConditionKernel, ...]

    def __call__(self, columns: Columns, n: int) -> Condition:
        is_true, is_false = self.operands[0](columns, n)
        for operand in self.operands[1:]:
            next_true, next_false = operand(columns, n)
            unknown = ~(is_true | is_false)
            is_true = is_true | (unknown & next_true)
            is_false = is_false | (unknown & next_false)
        return is_true, is_false


@dataclass(frozen=True, slots=True, eq=False)
class ChooseCondition(ConditionKernel):
    """``if(condition, then, otherwise)`` of conditions; null where the condition is null."""

    condition: ConditionKernel
    then: ConditionKernel
    otherwise: ConditionKernel

    def __call__(self, columns: Columns, n: int) -> Condition:
        test_true, test_false = self.condition(columns, n)
        then_true, then_false = self.then(columns, n)
        else_true, else_false = self.otherwise(columns, n)
        return (
            (test_true & then_true) | (test_false & else_true),
            (test_true & then_false) | (test_false & else_false),
        )


# --- building kernels for either type ----------------------------------------------------


def compare(op: str, left: Kernel, right: Kernel) -> ConditionKernel:
    """``left op right`` for ``op`` in ``< > <= >= == !=``; ``==`` and ``!=`` of either type."""
    if op in ("==", "!="):
        if isinstance(left, ConditionKernel):
            return SameCondition(left, as_condition(right), negate=op == "!=")
        return Equal(as_number(left), as_number(right), negate=op == "!=")
    return Compare(op, as_number(left), as_number(right))


def is_null(operand: Kernel, *, dirty: bool, negate: bool) -> ConditionKernel:
    """``isNull(operand)``, or ``isNotNull`` when ``negate``."""
    if isinstance(operand, ConditionKernel):
        return IsUnknown(operand, negate)
    return IsNull(as_number(operand), dirty, negate)


def first_non_null(operands: Sequence[Kernel]) -> Kernel:
    """``firstNonNull`` of two or more operands of the same type."""
    if isinstance(operands[0], ConditionKernel):
        return FirstCondition(tuple(as_condition(operand) for operand in operands))
    return FirstNumber(tuple(as_number(operand) for operand in operands))


def choose(condition: ConditionKernel, then: Kernel, otherwise: Kernel) -> Kernel:
    """``if(condition, then, otherwise)`` with branches of the same type."""
    if isinstance(then, ConditionKernel):
        return ChooseCondition(condition, then, as_condition(otherwise))
    return ChooseNumber(condition, as_number(then), as_number(otherwise))
