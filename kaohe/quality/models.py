"""Data quality: min–max ranges per unit and element.

Outliers are computed on request (:mod:`kaohe.quality.outliers`) and never stored; what a person
decides about a value is kept on the value itself (``DataValue.follow_up``, set through the
audited data-value service). Only the ranges a person sets or has generated are rows here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MinMaxRange(models.Model):
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="minmax_ranges",
    )
    element = models.ForeignKey(
        "elements.DataElement",
        verbose_name=_("数据元素"),
        on_delete=models.PROTECT,
        related_name="minmax_ranges",
    )
    min_value = models.DecimalField(
        verbose_name=_("最小值"),
        max_digits=20,
        decimal_places=6,
    )
    max_value = models.DecimalField(
        verbose_name=_("最大值"),
        max_digits=20,
        decimal_places=6,
    )
    generated = models.BooleanField(
        verbose_name=_("按历史数据生成"),
        default=False,
        help_text=_("否：由人工设定，重新生成时保留不变"),
    )
    basis = models.CharField(
        verbose_name=_("生成依据"),
        max_length=300,
        blank=True,
        help_text=_("生成时所用的期间、值的个数、中位数和中位绝对偏差"),
    )
    updated_by = models.CharField(
        verbose_name=_("设定人"),
        max_length=150,
        blank=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("设定时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("最小–最大值范围")
        verbose_name_plural = _("最小–最大值范围")
        ordering = ["unit__path", "element__code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "element"], name="minmaxrange_unique"),
            models.CheckConstraint(
                condition=models.Q(min_value__lte=models.F("max_value")),
                name="minmaxrange_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.element_id}: {self.min_value}–{self.max_value}"
