"""Comparing two runs tells which amounts changed: the ledger reports them."""

from __future__ import annotations

from decimal import Decimal

from kaohe.assessments.comparing import compare_runs
from kaohe.assessments.services import do_run_assessment
from kaohe.rewards.computing import do_compute_money

from .conftest import CONSOLE, FIGURES, YEAR, Town, set_figures


def test_the_money_that_changed_is_part_of_the_comparison(town: Town) -> None:
    do_compute_money(town.run, CONSOLE)
    # V2's over-reporting turns out to be 0: it scores 90, first prize (a draft, not computed)
    set_figures({"V2": (*FIGURES["V2"][:2], 0, *FIGURES["V2"][3:])})
    draft = do_run_assessment(town.scheme, YEAR, actor=CONSOLE, root=town.unit("T1"))

    comparison = compare_runs(town.run, draft)

    changed = {(m.unit, m.person, m.rule): m for m in comparison.money}
    assert {unit for unit, _p, _r in changed} == {"V2"}
    grade = changed[("V2", None, "GRADE")]
    assert (grade.old_amount, grade.new_amount) == (Decimal("2700.00"), Decimal("6000.00"))
    assert grade.explanation_zh
    (v2,) = [u for u in comparison.units if u.unit == "V2"]
    assert "money" in v2.changed and v2.money
