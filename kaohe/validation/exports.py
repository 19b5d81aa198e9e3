"""A run's results as a table: for the CSV and XLSX downloads and the command line.

The rows are the ones the caller chose (through :mod:`kaohe.validation.selectors`); the files
are written by :mod:`kaohe.assessments.exports`, which neutralises formula-like text.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kaohe.assessments.exports import GENERAL, Cell, Column, Table

from .models import ResultStatus, RuleImportance, ValidationResult, ValidationRun

COLUMNS = (
    Column(gettext_lazy("单位代码"), 12),
    Column(gettext_lazy("单位"), 18),
    Column(gettext_lazy("期间"), 10),
    Column(gettext_lazy("规则代码"), 26),
    Column(gettext_lazy("规则"), 30, wrap=True),
    Column(gettext_lazy("重要程度"), 8),
    Column(gettext_lazy("左边值"), 10, GENERAL),
    Column(gettext_lazy("关系"), 6),
    Column(gettext_lazy("右边值"), 10, GENERAL),
    Column(gettext_lazy("结果"), 10),
    Column(gettext_lazy("需跟进"), 8),
    Column(gettext_lazy("提示"), 40, wrap=True),
)


def results_table(run: ValidationRun, results: QuerySet[ValidationResult]) -> Table:
    """``results`` of ``run`` as a table, in the request's language."""
    english = (get_language() or "").startswith("en")
    statuses = dict(ResultStatus.choices)
    importance = dict(RuleImportance.choices)
    yes, no = _("是"), _("否")

    def rows() -> Iterator[list[Cell]]:
        for result in results.iterator(chunk_size=2000):
            rule = result.rule
            yield [
                result.unit.code,
                result.unit.name,
                result.period.code,
                rule.code,
                (rule.name_en or rule.name) if english else rule.name,
                str(importance.get(rule.importance, rule.importance)),
                result.left_value,
                rule.symbol,
                result.right_value,
                str(statuses.get(result.status, result.status)),
                yes if result.follow_up else no,
                (rule.message_en or rule.message_zh) if english else rule.message_zh,
            ]

    return Table(
        title=" · ".join([run.township.name, str(run.year), _("数据校验"), f"#{run.pk}"]),
        sheet=_("校验结果"),
        filename=f"validation-{run.township.code}-{run.year}-{run.pk}",
        columns=COLUMNS,
        rows=rows(),
    )
