"""The forecasts app keeps one kind of row: a township's own forecast assumptions.

Forecasts themselves are computed on request from the stored figures and never stored. The
configuration file gives every township the same default assumptions; a township administrator
may save the township's own (survival, migration, entrants, the fertility trend and the
variants), each change audited. A figure left empty here takes the configuration's default.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TownshipAssumptions(models.Model):
    township = models.OneToOneField(
        "orgunits.OrgUnit",
        verbose_name=_("乡镇"),
        on_delete=models.PROTECT,
        related_name="forecast_assumptions",
    )
    survival = models.FloatField(
        verbose_name=_("育龄妇女年存活率"),
        null=True,
        blank=True,
        help_text=_("一年后仍然在世的15–49岁妇女所占比例，如 0.9995；空：用配置的默认值"),
    )
    net_migration = models.FloatField(
        verbose_name=_("妇女年净迁移率"),
        null=True,
        blank=True,
        help_text=_("一年中迁入减迁出的妇女占妇女数的比例，如 -0.01 表示每年净迁出1%"),
    )
    entrants = models.FloatField(
        verbose_name=_("进入15–19岁组的女孩"),
        null=True,
        blank=True,
        help_text=_("每年进入15–19岁组的女孩相当于该组五分之一的倍数；空：该组人数保持不变"),
    )
    fertility_trend = models.FloatField(
        verbose_name=_("生育水平年变化率"),
        null=True,
        blank=True,
        help_text=_("各方案生育水平每年的相对变化，如 -0.02 表示每年下降2%"),
    )
    low_factor = models.FloatField(
        verbose_name=_("低方案系数"),
        null=True,
        blank=True,
        help_text=_("低方案的生育水平相当于中方案的倍数，如 0.85"),
    )
    high_factor = models.FloatField(
        verbose_name=_("高方案系数"),
        null=True,
        blank=True,
        help_text=_("高方案的生育水平相当于中方案的倍数，如 1.15"),
    )
    note = models.TextField(
        verbose_name=_("依据"),
        blank=True,
        help_text=_("为什么这样设定，如“近三年每年约1%的年轻妇女外出务工”"),
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
        verbose_name = _("乡镇预测假设")
        verbose_name_plural = _("乡镇预测假设")
        ordering = ["township__path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(survival__isnull=True)
                | models.Q(survival__gte=0.5, survival__lte=1),
                name="forecast_survival_range",
            ),
            models.CheckConstraint(
                condition=models.Q(low_factor__isnull=True)
                | models.Q(high_factor__isnull=True)
                | models.Q(low_factor__lte=models.F("high_factor")),
                name="forecast_low_le_high",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.township_id}: {self.survival}/{self.net_migration}/{self.fertility_trend}"
