"""Random arithmetic trees evaluate like an exact reference evaluator (property-based)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kaohe.engine.expressions import (
    Binary,
    CompileContext,
    Number,
    Unary,
    compile_expression,
    parse,
)

# --- trees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    value: int


@dataclass(frozen=True)
class Neg:
    operand: Tree


@dataclass(frozen=True)
class Op:
    op: str
    left: Tree
    right: Tree


Tree = Lit | Neg | Op

literals = st.builds(Lit, st.integers(min_value=0, max_value=9))

# Integer-valued subtrees (no division): the remainder is only taken of these, because the
# remainder jumps where the quotient crosses an integer, so an operand carrying float noise
# could land on the other side of a jump from its exact value.
integer_trees = st.recursive(
    literals,
    lambda children: st.one_of(
        st.builds(Neg, children),
        st.builds(Op, st.sampled_from(["+", "-", "*"]), children, children),
    ),
    max_leaves=4,
)

exponents = st.one_of(
    st.builds(Lit, st.integers(min_value=0, max_value=3)),
    st.builds(Neg, st.builds(Lit, st.integers(min_value=1, max_value=2))),
)


def _extend(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        st.builds(Neg, children),
        st.builds(Op, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(Op, st.just("^"), children, exponents),
        st.builds(Op, st.just("%"), integer_trees, integer_trees),
    )


trees = st.recursive(literals, _extend, max_leaves=10)

# --- rendering ---------------------------------------------------------------------------

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "neg": 3, "^": 4}


def _needs_parentheses(child: Tree, parent: str, side: str) -> bool:
    """Whether ``child`` must be parenthesised as the ``side`` operand of ``parent``."""
    if isinstance(child, Lit):
        return False
    if isinstance(child, Neg):
        # -a ^ b is -(a ^ b), so a negated base needs parentheses; elsewhere -x is fine.
        return parent == "^" and side == "left"
    mine, theirs = PRECEDENCE[child.op], PRECEDENCE[parent]
    if mine != theirs:
        return mine < theirs
    # Same level: ^ groups to the right, everything else to the left.
    return side == ("left" if parent == "^" else "right")


def render(tree: Tree, leaf: str, all_parentheses: bool) -> str:
    """Source text for ``tree``: literals as ``leaf.format(value)``, minimal or full parens."""

    def wrap(child: Tree, parent: str, side: str) -> str:
        text = render(child, leaf, all_parentheses)
        needed = _needs_parentheses(child, parent, side)
        return f"({text})" if needed or (all_parentheses and not isinstance(child, Lit)) else text

    if isinstance(tree, Lit):
        return leaf.format(tree.value)
    if isinstance(tree, Neg):
        # A space keeps "- -1" from reading as a single token in any future grammar.
        return f"- {wrap(tree.operand, 'neg', 'right')}"
    return f"{wrap(tree.left, tree.op, 'left')} {tree.op} {wrap(tree.right, tree.op, 'right')}"


# --- the reference evaluator -------------------------------------------------------------

UNIT = 2.0**-53  # unit roundoff of binary64


class Undefined(Exception):
    """The exact value is undefined (division by zero) or too ill-conditioned to compare."""


def reference(tree: Tree) -> tuple[Fraction, float]:
    """The exact value of ``tree`` and a bound on the error of evaluating it in binary64.

    The bound is the usual first-order forward error analysis, with each operation rounding
    its result once (pow allowed a few units in the last place). It only matters where
    cancellation makes a small result out of large ones: there a fixed relative tolerance
    would wrongly blame the engine for the float format's own rounding.
    """
    if isinstance(tree, Lit):
        return Fraction(tree.value), 0.0
    if isinstance(tree, Neg):
        value, error = reference(tree.operand)
        return -value, error
    a, ea = reference(tree.left)
    b, eb = reference(tree.right)
    if tree.op in ("+", "-"):
        result = a + b if tree.op == "+" else a - b
        error = ea + eb
    elif tree.op == "*":
        result = a * b
        error = abs(float(a)) * eb + abs(float(b)) * ea + ea * eb
    elif tree.op == "/":
        if b == 0 or abs(float(b)) <= 2 * eb:
            raise Undefined
        result = a / b
        error = (abs(float(a)) * eb + abs(float(b)) * ea) / (abs(float(b)) * (abs(float(b)) - eb))
    elif tree.op == "%":
        assert ea == eb == 0 and a.denominator == b.denominator == 1
        if b == 0:
            raise Undefined
        result = a - b * math.trunc(a / b)  # truncated: the sign of the dividend
        error = 0.0
    else:  # "^" with a small integer exponent
        exponent = int(b)
        magnitude = abs(float(a))
        if exponent < 0 and (a == 0 or magnitude <= 2 * ea):
            raise Undefined
        result = a**exponent
        if exponent == 0:
            error = 0.0
        elif exponent > 0:
            error = (magnitude + ea) ** exponent - magnitude**exponent
        else:
            error = (magnitude - ea) ** exponent - magnitude**exponent
        error += 3 * UNIT * abs(float(result))  # pow may be off by a few ulps
    if abs(result) > 10**300:
        raise Undefined  # beyond binary64; overflow to null is tested elsewhere
    if error == 0 and Fraction(float(result)) == result:
        return result, 0.0  # exact operands, representable result: IEEE gives it exactly
    return result, (error + UNIT * abs(float(result))) * (1 + 4 * UNIT)


def agrees(actual: float | None, expected: Fraction, bound: float) -> bool:
    """Within 1e-9 relative tolerance, or within the rounding-error bound of binary64."""
    return actual is not None and math.isclose(
        actual, float(expected), rel_tol=1e-9, abs_tol=2 * bound
    )


# --- the properties ----------------------------------------------------------------------

DIGITS = {f"D{digit}": float(digit) for digit in range(10)}
CONTEXT = CompileContext(elements=frozenset(DIGITS))
FRAME = pl.DataFrame({f"e:{code}": [value] for code, value in DIGITS.items()})


@settings(max_examples=300, deadline=None)
@given(tree=trees, all_parentheses=st.booleans())
def test_random_arithmetic_evaluates_in_polars_like_exact_fractions(
    tree: Tree, all_parentheses: bool
) -> None:
    try:
        expected, bound = reference(tree)
    except Undefined:
        assume(False)
        return
    # Every literal a column, so nothing folds: Polars does all the arithmetic.
    text = render(tree, "#{{D{}}}", all_parentheses)
    compiled = compile_expression(text, CONTEXT)
    assert compiled.constant_value is None
    (actual,) = FRAME.select(compiled.expr)[:, 0].to_list()
    assert agrees(actual, expected, bound), (text, actual, float(expected), bound)


@settings(max_examples=300, deadline=None)
@given(tree=trees, all_parentheses=st.booleans())
def test_random_constant_arithmetic_folds_like_exact_fractions(
    tree: Tree, all_parentheses: bool
) -> None:
    try:
        expected, bound = reference(tree)
    except Undefined:
        assume(False)
        return
    text = render(tree, "{}", all_parentheses)
    compiled = compile_expression(text, CONTEXT)
    # Decimal folding is far more precise than binary64, so the same bound holds.
    assert agrees(compiled.constant_value, expected, bound), (text, compiled.constant_value)


@settings(max_examples=200, deadline=None)
@given(tree=trees)
def test_minimal_and_full_parenthesisation_parse_alike(tree: Tree) -> None:
    minimal = render(tree, "{}", all_parentheses=False)
    full = render(tree, "{}", all_parentheses=True)
    assert _strip_positions(parse(minimal)) == _strip_positions(parse(full))


def _strip_positions(node: object) -> object:
    if isinstance(node, Binary):
        return (node.op, _strip_positions(node.left), _strip_positions(node.right))
    if isinstance(node, Unary):
        return (node.op, _strip_positions(node.operand))
    if isinstance(node, Number):
        return node.value
    raise AssertionError(f"unexpected node {node!r}")
