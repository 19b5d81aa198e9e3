"""Reading and checking a scheme's ``money_rules`` JSON (奖惩兑现规则).

Every problem is collected before anything is refused, and each names the rule (its position,
counted from 1, and its code) and the key, in Chinese and English, so a clerk can fix the
whole file in one go. Amounts are read as :class:`~decimal.Decimal` from strings or numbers
(a number goes through ``str()``, so ``0.1`` is exactly 0.1), never through float arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from kaohe.engine.money.model import (
    BASE_KINDS,
    FineBand,
    FineBandTerms,
    GradeAmountTerms,
    HaircutTerms,
    MoneyRule,
    MoneyRuleError,
    MoneyRuleKind,
    MoneyTerms,
    PerCaseTerms,
    PerPointTerms,
    PopulationTier,
    PopulationTierTerms,
    RiskDepositTerms,
    SplitTerms,
    VetoTerms,
    WithheldPayTerms,
)

__all__ = ["case_items", "money_rules_from_config"]

_COMMON_KEYS = ("code", "kind", "name", "name_en", "unit_kinds")
_KIND_KEYS: dict[MoneyRuleKind, tuple[str, ...]] = {
    MoneyRuleKind.GRADE_AMOUNT: ("amounts",),
    # ``population`` / ``ratio_indicator`` name the figure the Django side reads for the unit
    # (an indicator or element code); the engine receives the figure itself.
    MoneyRuleKind.POPULATION_TIER: ("tiers", "population"),
    MoneyRuleKind.PER_POINT: ("base", "per_point", "cap", "direction"),
    MoneyRuleKind.PER_CASE: ("case", "item", "per_case"),
    MoneyRuleKind.FINE_BAND: ("case", "item", "bands"),
    MoneyRuleKind.SPLIT: ("applies_to", "shares"),
    MoneyRuleKind.WITHHELD_PAY: ("per_role", "release"),
    MoneyRuleKind.RISK_DEPOSIT: ("per_role", "success_grades", "multiple"),
    MoneyRuleKind.HAIRCUT: ("applies_to", "ratio_indicator"),
    MoneyRuleKind.VETO: ("effect", "amount"),
}
_OPTIONAL_KEYS = {
    "name_en",
    "unit_kinds",
    "cap",
    "item",
    "multiple",
    "amount",
    "population",
    "ratio_indicator",
}
_VETO_EFFECTS = ("zero_rewards", "fine")
_FEN = Decimal("0.01")
# Rules a split or a haircut may name in applies_to: those that give a unit's own amounts.
_ADJUSTABLE = BASE_KINDS | {MoneyRuleKind.VETO}


def _as_decimal(value: object) -> Decimal | None:
    """A finite Decimal from a number or a numeric string; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class _RuleReader:
    """Reads one rule's keys, noting each problem with the rule's position, code and key."""

    def __init__(self, position: int, raw: Mapping[str, Any], problems: list[str]) -> None:
        self.raw = raw
        self.problems = problems
        code = raw.get("code")
        label = f"（{code}）" if isinstance(code, str) and code else ""
        label_en = f" ({code})" if isinstance(code, str) and code else ""
        self.where_zh = f"第 {position} 条奖惩规则{label}"
        self.where_en = f"money rule {position}{label_en}"

    def problem(self, key: str, zh: str, en: str) -> None:
        """Note a problem with ``key`` (``key`` empty: the rule as a whole)."""
        at_zh = f"{self.where_zh} {key}" if key else self.where_zh
        at_en = f"{self.where_en}, {key}" if key else self.where_en
        self.problems.append(f"{at_zh}：{zh} / {at_en}: {en}")

    def text(self, key: str, *, required: bool = True) -> str:
        """A non-empty string (``""`` when absent and optional, or on a problem)."""
        value = self.raw.get(key)
        if value is None:
            if required:
                self.problem(key, "缺少此项", "is missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "应为非空文字", "must be non-empty text")
            return ""
        return value.strip()

    def codes(self, key: str, value: object, *, required: bool = True) -> tuple[str, ...]:
        """A list of non-empty, distinct code strings."""
        if value is None:
            if required:
                self.problem(key, "缺少此项", "is missing")
            return ()
        if not isinstance(value, list) or (required and not value):
            self.problem(key, "应为非空的代码列表", "must be a non-empty list of codes")
            return ()
        result: list[str] = []
        for entry in value:
            if not isinstance(entry, str) or not entry.strip():
                self.problem(key, f"{entry!r} 不是代码", f"{entry!r} is not a code")
            elif entry.strip() in result:
                self.problem(key, f"{entry} 重复", f"{entry} is repeated")
            else:
                result.append(entry.strip())
        return tuple(result)

    def number(
        self,
        key: str,
        value: object,
        *,
        fen: bool = False,
        ratio: bool = False,
        positive: bool = False,
    ) -> Decimal | None:
        """A number that is not negative; ``fen``: at most two decimals; ``ratio``: 0–1."""
        if value is None:
            self.problem(key, "缺少此项", "is missing")
            return None
        number = _as_decimal(value)
        if number is None:
            self.problem(key, f"不是数字：{value!r}", f"is not a number: {value!r}")
            return None
        if ratio and not Decimal(0) <= number <= Decimal(1):
            self.problem(key, f"{number} 应在 0 到 1 之间", f"{number} must be between 0 and 1")
            return None
        if number < 0:
            self.problem(
                key,
                f"{number} 不能为负数（奖励或罚款由规则种类决定）",
                f"{number} may not be negative (the rule's kind decides reward or fine)",
            )
            return None
        if positive and number == 0:
            self.problem(key, "应大于 0", "must be greater than 0")
            return None
        if fen and number != number.quantize(_FEN):
            self.problem(
                key, f"{number} 超过两位小数（到分）", f"{number} has more than two decimals"
            )
            return None
        return number

    def signed_amount(self, key: str, value: object) -> Decimal | None:
        """An amount in yuan that may be negative (a penalty), at most two decimals."""
        number = _as_decimal(value)
        if number is None:
            self.problem(key, f"不是数字：{value!r}", f"is not a number: {value!r}")
            return None
        if number != number.quantize(_FEN):
            self.problem(
                key, f"{number} 超过两位小数（到分）", f"{number} has more than two decimals"
            )
            return None
        return number

    def by_code(
        self, key: str, value: object, *, ratio: bool = False, signed: bool = False
    ) -> dict[str, Decimal]:
        """A non-empty mapping code → amount (``signed``), or → ratio 0–1 (``ratio``)."""
        if value is None:
            self.problem(key, "缺少此项", "is missing")
            return {}
        if not isinstance(value, Mapping) or not value:
            self.problem(key, "应为非空的“代码: 数值”表", "must be a non-empty map of code: value")
            return {}
        result: dict[str, Decimal] = {}
        for code, entry in value.items():
            path = f"{key}.{code}"
            if not isinstance(code, str) or not code.strip():
                self.problem(key, f"{code!r} 不是代码", f"{code!r} is not a code")
                continue
            if signed:
                number = self.signed_amount(path, entry)
            else:
                number = self.number(path, entry, ratio=ratio, fen=not ratio)
            if number is not None:
                result[code.strip()] = number
        return result

    def entries(self, key: str, allowed: tuple[str, ...]) -> list[tuple[str, Mapping[str, Any]]]:
        """A non-empty list of mappings with only ``allowed`` keys, with their key paths."""
        value = self.raw.get(key)
        if value is None:
            self.problem(key, "缺少此项", "is missing")
            return []
        if not isinstance(value, list) or not value:
            self.problem(key, "应为非空列表", "must be a non-empty list")
            return []
        result: list[tuple[str, Mapping[str, Any]]] = []
        for index, entry in enumerate(value, start=1):
            path = f"{key}[{index}]"
            if not isinstance(entry, Mapping):
                self.problem(path, "应为一组“键: 值”", "must be a map of key: value")
                continue
            for unknown in sorted(str(name) for name in entry if name not in allowed):
                self.problem(f"{path}.{unknown}", "未知的键", "unknown key")
            result.append((path, entry))
        return result

    def applies_to(self) -> tuple[str, ...] | None:
        """``"all"`` (None) or a non-empty list of rule codes."""
        value = self.raw.get("applies_to")
        if value == "all":
            return None
        if isinstance(value, str):
            self.problem(
                "applies_to",
                f'应为规则代码列表或 "all"，不是 {value!r}',
                f'must be a list of rule codes or "all", not {value!r}',
            )
            return ()
        return self.codes("applies_to", value)


def _grade_amount(reader: _RuleReader) -> GradeAmountTerms:
    return GradeAmountTerms(reader.by_code("amounts", reader.raw.get("amounts"), signed=True))


def _population_tier(reader: _RuleReader) -> PopulationTierTerms:
    tiers: list[PopulationTier] = []
    for path, entry in reader.entries("tiers", ("min_population", "amounts")):
        minimum = reader.number(f"{path}.min_population", entry.get("min_population"))
        amounts = reader.by_code(f"{path}.amounts", entry.get("amounts"), signed=True)
        if minimum is None:
            continue
        if any(tier.min_population == minimum for tier in tiers):
            reader.problem(
                f"{path}.min_population", f"{minimum} 重复", f"{minimum} is used by two tiers"
            )
        tiers.append(PopulationTier(minimum, amounts))
    return PopulationTierTerms(tuple(sorted(tiers, key=lambda tier: tier.min_population)))


def _per_point(reader: _RuleReader) -> PerPointTerms:
    raw = reader.raw
    base = reader.number("base", raw.get("base"))
    per_point = reader.number("per_point", raw.get("per_point"))
    cap = None if raw.get("cap") is None else reader.number("cap", raw.get("cap"), fen=True)
    direction = raw.get("direction")
    if direction not in ("above", "below"):
        reader.problem(
            "direction",
            f'应为 "above"（超出加奖）或 "below"（不足扣罚），不是 {direction!r}',
            f'must be "above" (reward) or "below" (penalty), not {direction!r}',
        )
    return PerPointTerms(base or Decimal(0), per_point or Decimal(0), cap, str(direction))


def _per_case(reader: _RuleReader) -> PerCaseTerms:
    case = reader.text("case")
    item = reader.text("item", required=False) or case
    per_case = reader.number("per_case", reader.raw.get("per_case"), fen=True)
    return PerCaseTerms(case, item, per_case or Decimal(0))


def _fine_band(reader: _RuleReader) -> FineBandTerms:
    case = reader.text("case")
    item = reader.text("item", required=False) or case
    bands: list[FineBand] = []
    for path, entry in reader.entries("bands", ("min", "amount")):
        minimum = reader.number(f"{path}.min", entry.get("min"), positive=True)
        amount = reader.number(f"{path}.amount", entry.get("amount"), fen=True)
        if minimum is None or amount is None:
            continue
        if any(band.min == minimum for band in bands):
            reader.problem(f"{path}.min", f"{minimum} 重复", f"{minimum} is used by two bands")
        bands.append(FineBand(minimum, amount))
    return FineBandTerms(case, item, tuple(sorted(bands, key=lambda band: band.min)))


def _split(reader: _RuleReader) -> SplitTerms:
    applies_to = reader.applies_to()
    shares = reader.by_code("shares", reader.raw.get("shares"), ratio=True)
    raw_shares = reader.raw.get("shares")
    if shares and isinstance(raw_shares, Mapping) and len(shares) == len(raw_shares):
        total = sum(shares.values(), Decimal(0))
        if total != 1:
            reader.problem(
                "shares",
                f"各份额合计 {total}，应正好为 1",
                f"the shares add up to {total}, not exactly 1",
            )
    return SplitTerms(applies_to, shares)


def _withheld_pay(reader: _RuleReader) -> WithheldPayTerms:
    per_role = reader.by_code("per_role", reader.raw.get("per_role"))
    release = reader.by_code("release", reader.raw.get("release"), ratio=True)
    return WithheldPayTerms(per_role, release)


def _risk_deposit(reader: _RuleReader) -> RiskDepositTerms:
    per_role = reader.by_code("per_role", reader.raw.get("per_role"))
    success = reader.codes("success_grades", reader.raw.get("success_grades"))
    raw_multiple = reader.raw.get("multiple")
    multiple = Decimal(1) if raw_multiple is None else reader.number("multiple", raw_multiple)
    return RiskDepositTerms(per_role, success, multiple if multiple is not None else Decimal(1))


def _haircut(reader: _RuleReader) -> HaircutTerms:
    return HaircutTerms(reader.applies_to())


def _veto(reader: _RuleReader) -> VetoTerms:
    raw_effect = reader.raw.get("effect")
    effects = (raw_effect,) if isinstance(raw_effect, str) else reader.codes("effect", raw_effect)
    for effect in effects:
        if effect not in _VETO_EFFECTS:
            reader.problem(
                "effect",
                f'{effect!r} 不是 "zero_rewards"（奖励归零）或 "fine"（罚款）',
                f'{effect!r} is not "zero_rewards" or "fine"',
            )
    fine: Decimal | None = None
    if "fine" in effects:
        fine = reader.number("amount", reader.raw.get("amount"), fen=True)
    elif reader.raw.get("amount") is not None:
        reader.problem(
            "amount",
            '只有 effect 含 "fine" 时才写罚款金额',
            'an amount is only written when effect includes "fine"',
        )
    return VetoTerms("zero_rewards" in effects, fine)


_READERS: dict[MoneyRuleKind, Callable[[_RuleReader], MoneyTerms]] = {
    MoneyRuleKind.GRADE_AMOUNT: _grade_amount,
    MoneyRuleKind.POPULATION_TIER: _population_tier,
    MoneyRuleKind.PER_POINT: _per_point,
    MoneyRuleKind.PER_CASE: _per_case,
    MoneyRuleKind.FINE_BAND: _fine_band,
    MoneyRuleKind.SPLIT: _split,
    MoneyRuleKind.WITHHELD_PAY: _withheld_pay,
    MoneyRuleKind.RISK_DEPOSIT: _risk_deposit,
    MoneyRuleKind.HAIRCUT: _haircut,
    MoneyRuleKind.VETO: _veto,
}


def _read_rule(position: int, raw: object, problems: list[str]) -> MoneyRule | None:
    """One rule (None when it is not a map or its kind is unknown); problems are noted in
    ``problems``, and a rule with a problem is only used for the checks between rules."""
    if not isinstance(raw, Mapping):
        problems.append(
            f"第 {position} 条奖惩规则：应为一组“键: 值” / "
            f"money rule {position}: must be a map of key: value"
        )
        return None
    reader = _RuleReader(position, raw, problems)
    code = reader.text("code")
    name = reader.text("name")
    name_en = reader.text("name_en", required=False)
    unit_kinds = reader.codes("unit_kinds", raw.get("unit_kinds"), required=False)
    kind_text = raw.get("kind")
    try:
        kind = MoneyRuleKind(kind_text)
    except ValueError:
        known = "、".join(kind.value for kind in MoneyRuleKind)
        reader.problem(
            "kind",
            f"{kind_text!r} 不是奖惩规则种类（{known}）",
            f"{kind_text!r} is not a money rule kind ({known.replace('、', ', ')})",
        )
        return None
    allowed = _COMMON_KEYS + _KIND_KEYS[kind]
    for unknown in sorted(str(key) for key in raw if key not in allowed):
        reader.problem(
            unknown,
            f"未知的键（{kind.value} 规则可用的键：{', '.join(allowed)}）",
            f"unknown key ({kind.value} rules take: {', '.join(allowed)})",
        )
    terms: MoneyTerms = _READERS[kind](reader)
    # Returned even when a problem was noted, so the checks between rules still see it.
    return MoneyRule(code, kind, name, name_en or name, unit_kinds, terms)


def _applies_to(rule: MoneyRule) -> tuple[str, ...] | None:
    terms = rule.terms
    assert isinstance(terms, SplitTerms | HaircutTerms)
    return terms.applies_to


def _cross_problems(rules: Sequence[tuple[int, MoneyRule]], codes: dict[str, int]) -> list[str]:
    """Problems between rules: applies_to naming unknown rules, overlapping coverage."""
    problems: list[str] = []
    kinds = {rule.code: rule.kind for _, rule in rules}
    for adjusting in (MoneyRuleKind.SPLIT, MoneyRuleKind.HAIRCUT):
        covered: list[tuple[int, MoneyRule, tuple[str, ...] | None]] = []
        for position, rule in rules:
            if rule.kind != adjusting:
                continue
            where_zh = f"第 {position} 条奖惩规则（{rule.code}） applies_to"
            where_en = f"money rule {position} ({rule.code}), applies_to"
            targets = _applies_to(rule)
            for target in targets or ():
                if target not in codes:
                    problems.append(
                        f"{where_zh}：{target} 不是已定义的规则代码 / "
                        f"{where_en}: {target} is not the code of a money rule"
                    )
                elif target in kinds and kinds[target] not in _ADJUSTABLE:
                    problems.append(
                        f"{where_zh}：{target} 是 {kinds[target].value} 规则，只能指向单位金额规则 / "
                        f"{where_en}: {target} is a {kinds[target].value} rule; only rules that "
                        "give a unit's amounts can be named"
                    )
            for other_position, other, other_targets in covered:
                kinds_meet = (
                    not rule.unit_kinds
                    or not other.unit_kinds
                    or set(rule.unit_kinds) & set(other.unit_kinds)
                )
                everything = targets is None or other_targets is None
                shared = set() if everything else set(targets or ()) & set(other_targets or ())
                if kinds_meet and (everything or shared):
                    names = "all" if everything else "、".join(sorted(shared))
                    problems.append(
                        f"{where_zh}：与第 {other_position} 条（{other.code}）重叠（{names}） / "
                        f"{where_en}: overlaps rule {other_position} ({other.code}) on "
                        f"{names.replace('、', ', ')}"
                    )
            covered.append((position, rule, targets))
    return problems


def _case_problems(rules: Sequence[tuple[int, MoneyRule]]) -> list[str]:
    """A case code counted from two different scoring items is ambiguous."""
    problems: list[str] = []
    items: dict[str, tuple[int, str]] = {}
    for position, rule in rules:
        if not isinstance(rule.terms, PerCaseTerms | FineBandTerms):
            continue
        case, item = rule.terms.case, rule.terms.item
        if case in items and items[case][1] != item:
            first, first_item = items[case]
            problems.append(
                f"第 {position} 条奖惩规则（{rule.code}） item：案件 {case} 在第 {first} 条取自 "
                f"{first_item}，这里取自 {item} / money rule {position} ({rule.code}), item: "
                f"the case {case} is counted from {first_item} in rule {first} but from {item} here"
            )
        items.setdefault(case, (position, item))
    return problems


def money_rules_from_config(data: Sequence[Any]) -> tuple[MoneyRule, ...]:
    """Check a scheme's ``money_rules`` and build them, in the order given.

    Raises :class:`MoneyRuleError` whose ``problems`` list every problem at once (unknown or
    missing keys, non-numeric or negative amounts, ratios outside 0–1, shares not adding up to
    exactly 1, negative multiples, ``applies_to`` naming unknown rules, repeated codes,
    two splits or haircuts covering the same rule), each naming the rule and the key.
    """
    if not isinstance(data, list):
        raise MoneyRuleError(["奖惩规则应为列表 / money_rules must be a list"])
    problems: list[str] = []
    rules: list[tuple[int, MoneyRule]] = []
    codes: dict[str, int] = {}
    for position, raw in enumerate(data, start=1):
        code = raw.get("code") if isinstance(raw, Mapping) else None
        if isinstance(code, str) and code.strip():
            code = code.strip()
            if code in codes:
                problems.append(
                    f"第 {position} 条奖惩规则 code：{code} 与第 {codes[code]} 条重复 / "
                    f"money rule {position}, code: {code} is already used by rule {codes[code]}"
                )
            else:
                codes[code] = position
        rule = _read_rule(position, raw, problems)
        if rule is not None:
            rules.append((position, rule))
    problems += _cross_problems(rules, codes)
    problems += _case_problems(rules)
    if problems:
        raise MoneyRuleError(problems)
    return tuple(rule for _, rule in rules)


def case_items(rules: Sequence[MoneyRule]) -> dict[str, str]:
    """Case code → the scoring item whose actual value counts the cases, for filling
    :attr:`~kaohe.engine.money.model.MoneyUnit.cases`."""
    result: dict[str, str] = {}
    for rule in rules:
        if isinstance(rule.terms, PerCaseTerms | FineBandTerms):
            result.setdefault(rule.terms.case, rule.terms.item)
    return result
