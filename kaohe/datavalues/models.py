"""Periods (DHIS2 period codes) and reported aggregate data values. No resident records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.engine.periods import PeriodType, parse_period


class PeriodQuerySet(models.QuerySet["Period"]):
    def get_or_create_code(self, code: str) -> Period:
        """The row of a DHIS2 period code, created on first use (raises PeriodError if bad)."""
        parsed = parse_period(code)
        period, _created = self.get_or_create(
            code=parsed.code,
            defaults={
                "period_type": parsed.period_type.value,
                "start_date": parsed.start,
                "end_date": parsed.end,
            },
        )
        return period


class Period(models.Model):
    code = models.CharField(
        verbose_name=_("期间代码"),
        max_length=20,
        unique=True,
        help_text=_("DHIS2 期间代码：2026、2026Q1、202601、2026S1、2026Oct"),
    )
    period_type = models.CharField(
        verbose_name=_("期间类型"),
        max_length=20,
        choices=[(p.value, p.value) for p in PeriodType],
    )
    start_date = models.DateField(
        verbose_name=_("开始日期"),
    )
    end_date = models.DateField(
        verbose_name=_("结束日期"),
    )

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("期间")
        verbose_name_plural = _("期间")
        ordering = ["start_date", "end_date"]
        indexes = [models.Index(fields=["start_date", "end_date"], name="period_span_idx")]

    def __str__(self) -> str:
        return self.code


class DataValue(models.Model):
    # No index of their own for the element and the unit: the unique key (element, period,
    # unit) and datavalue_unit_period_idx (unit, period) begin with them and serve every lookup
    # by either (datavalues migration 0002 says why it matters: bulk imports).
    element = models.ForeignKey(
        "elements.DataElement",
        verbose_name=_("数据元素"),
        on_delete=models.PROTECT,
        db_index=False,
    )
    period = models.ForeignKey(
        Period,
        verbose_name=_("期间"),
        on_delete=models.PROTECT,
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        db_index=False,
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
    follow_up = models.BooleanField(
        verbose_name=_("需跟进"),
        default=False,
    )

    class Meta:
        verbose_name = _("数据值")
        verbose_name_plural = _("数据值")
        constraints = [
            models.UniqueConstraint(
                fields=["element", "period", "unit"], name="datavalue_key_unique"
            )
        ]
        indexes = [models.Index(fields=["unit", "period"], name="datavalue_unit_period_idx")]

    def __str__(self) -> str:
        return f"{self.element_id}/{self.period_id}/{self.unit_id}={self.value}"
