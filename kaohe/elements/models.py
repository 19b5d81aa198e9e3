"""Data elements (what is reported) and data sets (which elements, how often, by whom)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.engine.periods import PeriodType
from kaohe.engine.spec import AggregationType, ValueType


class DataElement(models.Model):
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
    value_type = models.CharField(
        verbose_name=_("值类型"),
        max_length=20,
        choices=[(v.value, v.value) for v in ValueType],
        default=ValueType.INTEGER.value,
        help_text=_("integer 非负整数；number 数值；percentage 0–100；yes_no 1/0"),
    )
    aggregation = models.CharField(
        verbose_name=_("汇总方式"),
        max_length=20,
        choices=[(a.value, a.value) for a in AggregationType],
        default=AggregationType.SUM.value,
        help_text=_("跨期间汇总：sum 累计（流量），last 取期末值（存量），average、min、max"),
    )
    zero_is_significant = models.BooleanField(
        verbose_name=_("零值有意义"),
        default=True,
        help_text=_("否：不保存零值，缺报视为零"),
    )
    description = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )

    class Meta:
        verbose_name = _("数据元素")
        verbose_name_plural = _("数据元素")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class DataSet(models.Model):
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
    period_type = models.CharField(
        verbose_name=_("报告周期"),
        max_length=20,
        choices=[(p.value, p.value) for p in PeriodType],
        default=PeriodType.MONTHLY.value,
    )
    unit_kinds = models.JSONField(
        verbose_name=_("报告单位类型"),
        default=list,
        help_text=_('哪些类型的单位报告此数据集，如 ["village"]'),
    )
    due_day = models.PositiveSmallIntegerField(
        verbose_name=_("报送期限（天）"),
        default=3,
        help_text=_("期间结束后第几天内报送，如每月3日前"),
    )
    lock_after_days = models.PositiveSmallIntegerField(
        verbose_name=_("锁定期限（天）"),
        default=30,
        help_text=_("期间结束后满此天数，该期间的数据锁定，须由乡镇管理员解锁后才能修改"),
    )
    validation_required = models.BooleanField(
        verbose_name=_("报送前须通过校验"),
        default=False,
        help_text=_("勾选后，报表的重要（高）校验规则未通过时不能报送"),
    )
    elements = models.ManyToManyField(
        DataElement,
        verbose_name=_("数据元素"),
        through="DataSetElement",
        related_name="datasets",
    )

    class Meta:
        verbose_name = _("数据集")
        verbose_name_plural = _("数据集")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class DataSetElement(models.Model):
    dataset = models.ForeignKey(
        DataSet,
        verbose_name=_("数据集"),
        on_delete=models.CASCADE,
    )
    element = models.ForeignKey(
        DataElement,
        verbose_name=_("数据元素"),
        on_delete=models.PROTECT,
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )

    class Meta:
        verbose_name = _("数据集元素")
        verbose_name_plural = _("数据集元素")
        ordering = ["dataset", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "element"], name="dataset_element_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code}/{self.element.code}"
