"""Other sources of the figures villages report, for cross-checks (核查).

A :class:`Source` is who else counts a figure: a department's own feed (the hospital's births by
the mother's village of residence, the police's registrations, civil affairs' marriages) or a
spot check (抽查) by the township or the county of the units it sampled. A :class:`SourceValue`
is one such figure, about one unit, for one period: aggregate counts only, never a person.

A feed counts part of what happened (births in the hospital, not births at home): a village
reporting fewer than its feed shows has under-reported. A check counts what the checkers found in
the sampled unit: fewer found than reported is over-reporting. A unit with no value from a
check was not sampled by it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    FEED = "feed", _("部门数据")
    CHECK = "check", _("抽查核实")


class Source(models.Model):
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
        unique=True,
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=200,
    )
    name_en = models.CharField(
        verbose_name=_("英文名称"),
        max_length=200,
        blank=True,
    )
    kind = models.CharField(
        verbose_name=_("来源类型"),
        max_length=10,
        choices=SourceKind.choices,
        help_text=_(
            "部门数据：部门自己的统计（如医院出生医学证明），只是实际发生数的一部分；"
            "抽查核实：乡镇或县对抽中单位的核实数"
        ),
    )
    elements = models.ManyToManyField(
        "elements.DataElement",
        verbose_name=_("核查的数据元素"),
        related_name="sources",
        help_text=_("此来源统计哪些数据元素（与村报同一口径）"),
    )
    unit_kinds = models.JSONField(
        verbose_name=_("核查的单位类型"),
        default=list,
        help_text=_('此来源的数字是关于哪些类型的单位，如 ["village"]'),
    )
    department_kind = models.CharField(
        verbose_name=_("报送部门类型"),
        max_length=50,
        blank=True,
        help_text=_("由哪类部门报送（如 hospital）；空表示由乡镇录入"),
    )
    period_type = models.CharField(
        verbose_name=_("期间类型"),
        max_length=20,
        default="Yearly",
        help_text=_("此来源按什么期间报数，如 Monthly、Yearly"),
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    description = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )

    class Meta:
        verbose_name = _("核查来源")
        verbose_name_plural = _("核查来源")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SourceValue(models.Model):
    source = models.ForeignKey(
        Source,
        verbose_name=_("来源"),
        on_delete=models.PROTECT,
        related_name="values",
    )
    element = models.ForeignKey(
        "elements.DataElement",
        verbose_name=_("数据元素"),
        on_delete=models.PROTECT,
    )
    period = models.ForeignKey(
        "datavalues.Period",
        verbose_name=_("期间"),
        on_delete=models.PROTECT,
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("被核查单位"),
        on_delete=models.PROTECT,
        help_text=_("数字所关于的单位（如出生人口的居住村），不是报送的部门"),
    )
    value = models.DecimalField(
        verbose_name=_("值"),
        max_digits=20,
        decimal_places=6,
    )
    stored_by = models.CharField(
        verbose_name=_("录入人"),
        max_length=150,
        blank=True,
    )
    created = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    last_updated = models.DateTimeField(
        verbose_name=_("最后修改"),
    )
    comment = models.CharField(
        verbose_name=_("备注"),
        max_length=500,
        blank=True,
    )

    class Meta:
        verbose_name = _("核查数据")
        verbose_name_plural = _("核查数据")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "element", "period", "unit"], name="sourcevalue_key_unique"
            )
        ]
        indexes = [models.Index(fields=["element", "unit"], name="sourcevalue_element_unit_idx")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.element_id}/{self.period_id}/{self.unit_id}={self.value}"
