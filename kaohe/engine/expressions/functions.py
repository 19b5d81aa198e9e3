"""The functions of the expression language, spelled as DHIS2 spells them (case-sensitive)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function's name, how many arguments it takes and how to call it (for messages)."""

    name: str
    min_args: int
    max_args: int | None  # None: any number from min_args up
    usage_zh: str
    usage_en: str

    def accepts(self, count: int) -> bool:
        """Whether a call with ``count`` arguments has the right arity."""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    def arity_zh(self) -> str:
        """How many arguments the function takes, in Chinese."""
        if self.max_args is None:
            return f"{self.min_args} 个或更多参数"
        if self.max_args == self.min_args:
            return f"{self.min_args} 个参数"
        return f"{self.min_args} 至 {self.max_args} 个参数"

    def arity_en(self) -> str:
        """How many arguments the function takes, in English."""
        if self.max_args is None:
            plural = "s" if self.min_args != 1 else ""
            return f"at least {self.min_args} argument{plural}"
        if self.max_args == self.min_args:
            plural = "s" if self.min_args != 1 else ""
            return f"{self.min_args} argument{plural}"
        return f"{self.min_args} or {self.max_args} arguments"


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec(
            "if", 3, 3, "if(条件, 条件为真时的值, 条件为假时的值)", "if(condition, then, else)"
        ),
        FunctionSpec("greatest", 1, None, "greatest(数值, 数值, …)", "greatest(number, number, …)"),
        FunctionSpec("least", 1, None, "least(数值, 数值, …)", "least(number, number, …)"),
        FunctionSpec("isNull", 1, 1, "isNull(值)", "isNull(value)"),
        FunctionSpec("isNotNull", 1, 1, "isNotNull(值)", "isNotNull(value)"),
        FunctionSpec(
            "firstNonNull", 1, None, "firstNonNull(值, 值, …)", "firstNonNull(value, value, …)"
        ),
        FunctionSpec("abs", 1, 1, "abs(数值)", "abs(number)"),
        FunctionSpec(
            "round",
            1,
            2,
            "round(数值) 或 round(数值, 小数位数)",
            "round(number) or round(number, digits)",
        ),
    )
}

# Functions DHIS2 has that this engine deliberately leaves out; naming them as "not supported"
# rather than "unknown" tells an author porting a DHIS2 expression that the spelling is right.
DHIS2_UNSUPPORTED: frozenset[str] = frozenset(
    {"log", "log10", "removeZeros", "contains", "containsItems", "subExpression"}
)

# Item functions DHIS2 allows after an operand; only periodOffset is supported here.
PERIOD_OFFSET = "periodOffset"
DHIS2_UNSUPPORTED_ITEM_FUNCTIONS: frozenset[str] = frozenset(
    {"aggregationType", "maxDate", "minDate", "yearToDate", "periodAggregation"}
)

# The largest number of decimals round() accepts: beyond it binary floats cannot hold the
# digits anyway, and the half-up snapping in kaohe.engine.rounding works at 6 decimals below.
MAX_ROUND_DIGITS = 10
