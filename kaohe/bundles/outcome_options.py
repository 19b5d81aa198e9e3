"""The meaning of a scheme's outcome keys: designation rules, money rules, veto consequences.

Part of layer 3 of checking (see :mod:`kaohe.bundles.loader`). These keys say what follows
from a unit's result — weak or strict-management status (薄弱、严管), the rewards and penalties
paid out (奖惩兑现), what a veto means for the officials answerable — not how it is scored, so
they stay out of the scheme's content hash (they are ``CONTRACT_FIELDS``).

The JSON Schema has checked their shape. Here the engine's own readers
(:func:`~kaohe.engine.designation.designation_rules_from_config`,
:func:`~kaohe.engine.money.money_rules_from_config`) check their meaning — the very functions
that will apply them, so a rule that loads is a rule that runs — and each problem they find is
put under the rule it names. The references to the rest of the scheme are checked here: grade
and veto codes, the items whose actual counts cases, the roles paid or fined (an official's
role or one of the scheme's signatory roles) and the kinds of unit a rule is limited to.

Like :mod:`kaohe.bundles.scheme_options`, each function takes the rows as the schema left
them and gives back the values to store and the problems, as :data:`Issue` tuples whose paths
are relative to the scheme entry.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kaohe.bundles.messages import PathKey
from kaohe.bundles.schema_errors import bundle_schema
from kaohe.bundles.scheme_options import BadRow, Issue
from kaohe.engine.designation import DesignationRuleError, designation_rules_from_config
from kaohe.engine.money import UNIT_ROLE, MoneyRuleError, money_rules_from_config

#: The roles an official may have (``officials[].role``), the same list as the model's.
OFFICIAL_ROLES: tuple[str, ...] = tuple(
    bundle_schema()["$defs"]["official"]["properties"]["role"]["enum"]
)
# The engine readers name a rule by its number from 1: "money rule 3 (CODE), …".
_RULE_NUMBER = re.compile(r"\brule (\d+)\b")


@dataclass(frozen=True)
class SchemeCodes:
    """What the outcome rules of one scheme may refer to, each in the scheme's order."""

    grades: Sequence[str]
    vetoes: Sequence[str]
    items: Sequence[str]
    roles: Sequence[str]  # the officials' roles, then the scheme's own signatory roles
    unit_kinds: Sequence[str]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SchemeCodes:
        """The codes of a scheme entry (rows the schema refused included, so that a reference
        to one of them is not also reported as unknown)."""
        signatories = [
            r["role"]
            for r in data.get("signatory_roles", [])
            if isinstance(r, dict) and isinstance(r.get("role"), str)
        ]
        return cls(
            grades=_codes(data.get("grades", [])),
            vetoes=_codes(data.get("vetoes", [])),
            items=_codes(data.get("items", [])),
            roles=list(dict.fromkeys([*OFFICIAL_ROLES, *signatories])),
            unit_kinds=list(data.get("unit_kinds", [])),
        )


def _codes(rows: Iterable[Any]) -> list[str]:
    return [r["code"] for r in rows if isinstance(r, dict) and isinstance(r.get("code"), str)]


def _choices(codes: Sequence[str], none_zh: str, none_en: str) -> dict[str, str]:
    if not codes:
        return {"choices_zh": f"（{none_zh}）", "choices_en": f" ({none_en})"}
    return {"choices_zh": f"（可用：{'、'.join(codes)}）", "choices_en": f" ({', '.join(codes)})"}


class _References:
    """Collects the references of one scheme's outcome rules that the scheme lacks."""

    def __init__(self, codes: SchemeCodes) -> None:
        self.codes = codes
        self.issues: list[Issue] = []

    def grade(self, path: PathKey, code: str) -> None:
        if code not in self.codes.grades:
            choices = _choices(self.codes.grades, "本方案没有等次", "the scheme has no grades")
            self.issues.append((path, "rule_grade", {"code": code, **choices}))

    def veto(self, path: PathKey, code: str) -> None:
        if code not in self.codes.vetoes:
            choices = _choices(self.codes.vetoes, "本方案没有否决项", "the scheme has no vetoes")
            self.issues.append((path, "rule_veto", {"code": code, **choices}))

    def item(self, path: PathKey, code: str) -> None:
        if code not in self.codes.items:
            values = {"code": code, **_choices(self.codes.items, "", "")}
            self.issues.append((path, "rule_item", values))

    def role(self, path: PathKey, code: str) -> None:
        if code not in self.codes.roles:
            values = {"code": code, **_choices(self.codes.roles, "", "")}
            self.issues.append((path, "rule_role", values))

    def unit_kinds(self, at: PathKey, row: Mapping[str, Any]) -> None:
        for index, kind in enumerate(row.get("unit_kinds", [])):
            if kind not in self.codes.unit_kinds:
                values = {"code": kind, "kinds": ", ".join(self.codes.unit_kinds)}
                self.issues.append(((*at, "unit_kinds", index), "rule_unit_kind", values))


def _engine_issues(part: str, count: int, problems: Iterable[str]) -> list[Issue]:
    """An engine reader's bilingual problems, each under the rule it names (else the list)."""
    issues: list[Issue] = []
    for text in problems:
        zh, _sep, en = text.partition(" / ")
        match = _RULE_NUMBER.search(en)
        number = int(match[1]) if match else 0
        path: PathKey = (part, number - 1) if 1 <= number <= count else (part,)
        issues.append((path, "outcome_rule", {"zh": zh, "en": en or zh}))
    return issues


def designation_rules(
    rows: Sequence[Mapping[str, Any]], codes: SchemeCodes, bad: BadRow
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The rules designating weak, strict-management and yellow-card units, as written.

    ``when.grade_in`` names grades and ``when.veto_in`` vetoes of the scheme.
    """
    refs = _References(codes)
    for index, row in enumerate(rows):
        if bad(index):
            continue
        at: PathKey = ("designation_rules", index)
        refs.unit_kinds(at, row)
        when = row["when"]
        for n, code in enumerate(when.get("grade_in", [])):
            refs.grade((*at, "when", "grade_in", n), code)
        for n, code in enumerate(when.get("veto_in", [])):
            refs.veto((*at, "when", "veto_in", n), code)
    issues = refs.issues
    if not any(bad(index) for index in range(len(rows))):  # else the schema has said it all
        try:
            designation_rules_from_config([dict(row) for row in rows])
        except DesignationRuleError as exc:
            issues = _engine_issues("designation_rules", len(rows), exc.problems) + issues
    return [copy.deepcopy(dict(row)) for row in rows], issues


def money_rules(
    rows: Sequence[Mapping[str, Any]], codes: SchemeCodes, bad: BadRow
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The rewards and penalties paid out on the results (奖惩兑现), as written.

    Grades are named by ``amounts`` (also in population ``tiers``), ``release`` and
    ``success_grades``; roles by ``shares`` (besides ``unit``) and ``per_role``; the item whose
    actual counts the cases by a per-case or banded fine's ``item`` (or, without one, its
    ``case``).
    """
    refs = _References(codes)
    for index, row in enumerate(rows):
        if not bad(index):
            _money_references(refs, ("money_rules", index), row)
    issues = refs.issues
    if not any(bad(index) for index in range(len(rows))):  # else the schema has said it all
        try:
            money_rules_from_config([dict(row) for row in rows])
        except MoneyRuleError as exc:
            issues = _engine_issues("money_rules", len(rows), exc.problems) + issues
    return [copy.deepcopy(dict(row)) for row in rows], issues


def _money_references(refs: _References, at: PathKey, row: Mapping[str, Any]) -> None:
    """The references of one rule, by the keys of its kind (other keys are the reader's)."""
    refs.unit_kinds(at, row)
    kind = row["kind"]
    if kind == "grade_amount":
        for grade in row["amounts"]:
            refs.grade((*at, "amounts", grade), grade)
    elif kind == "population_tier":
        for n, tier in enumerate(row["tiers"]):
            for grade in tier["amounts"]:
                refs.grade((*at, "tiers", n, "amounts", grade), grade)
    elif kind in ("per_case", "fine_band"):  # the cases are the actual of a scored item
        key = "item" if "item" in row else "case"
        refs.item((*at, key), row[key])
    elif kind == "split":
        for role in row["shares"]:
            if role != UNIT_ROLE:
                refs.role((*at, "shares", role), role)
    elif kind in ("withheld_pay", "risk_deposit"):
        for role in row["per_role"]:
            refs.role((*at, "per_role", role), role)
        if kind == "withheld_pay":
            for grade in row["release"]:
                refs.grade((*at, "release", grade), grade)
        else:
            for n, grade in enumerate(row["success_grades"]):
                refs.grade((*at, "success_grades", n), grade)


def consequences(row: Mapping[str, Any]) -> list[str]:
    """What a veto means for the officials answerable (一年内不得评先评优 …), in order."""
    return list(row.get("consequences", []))
