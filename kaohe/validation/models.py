"""Validation rules (校验规则) and the results of checking them.

A :class:`ValidationRule` relates two expressions over one report's figures (policy births ≤
births); it is configuration, loaded from bundles (``validation_rules:``). Rules are checked as
a clerk types (the entry grid), on submission (a data set may require its high rules to pass)
and in bulk for a township and year: a :class:`ValidationRun`, whose
:class:`ValidationResult` rows keep each rule's outcome for each unit and period. The
arithmetic is :mod:`kaohe.engine.validation`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.engine.periods import PeriodType
from kaohe.engine.validation import Importance, MissingValueStrategy, Operator, Status


class RuleOperator(models.TextChoices):
    EQUAL_TO = Operator.EQUAL_TO.value, _("等于 =")
    NOT_EQUAL_TO = Operator.NOT_EQUAL_TO.value, _("不等于 ≠")
    GREATER_THAN = Operator.GREATER_THAN.value, _("大于 >")
    GREATER_THAN_OR_EQUAL_TO = Operator.GREATER_THAN_OR_EQUAL_TO.value, _("大于或等于 ≥")
    LESS_THAN = Operator.LESS_THAN.value, _("小于 <")
    LESS_THAN_OR_EQUAL_TO = Operator.LESS_THAN_OR_EQUAL_TO.value, _("小于或等于 ≤")
    COMPULSORY_PAIR = Operator.COMPULSORY_PAIR.value, _("须同时填报（成对）")
    EXCLUSIVE_PAIR = Operator.EXCLUSIVE_PAIR.value, _("不得同时填报（互斥）")


class RuleImportance(models.TextChoices):
    HIGH = Importance.HIGH.value, _("高")
    MEDIUM = Importance.MEDIUM.value, _("中")
    LOW = Importance.LOW.value, _("低")


class MissingStrategy(models.TextChoices):
    SKIP_IF_ANY_VALUE_MISSING = (
        MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING.value,
        _("任一数据缺报时跳过"),
    )
    SKIP_IF_ALL_VALUES_MISSING = (
        MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING.value,
        _("全部数据缺报时跳过"),
    )
    NEVER_SKIP = MissingValueStrategy.NEVER_SKIP.value, _("从不跳过（缺报按 0）")


class ResultStatus(models.TextChoices):
    PASSED = Status.PASSED.value, _("通过")
    FAILED = Status.FAILED.value, _("未通过")
    SKIPPED = Status.SKIPPED.value, _("跳过（数据缺报）")


class ValidationRule(models.Model):
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
    left = models.TextField(
        verbose_name=_("左边表达式"),
        help_text=_("数据元素的算式，如 #{BIRTHS_BOYS} + #{BIRTHS_GIRLS}"),
    )
    operator = models.CharField(
        verbose_name=_("关系"),
        max_length=30,
        choices=RuleOperator.choices,
    )
    right = models.TextField(
        verbose_name=_("右边表达式"),
    )
    importance = models.CharField(
        verbose_name=_("重要程度"),
        max_length=10,
        choices=RuleImportance.choices,
        default=RuleImportance.MEDIUM,
        help_text=_("数据集勾选“报送前须通过校验”时，重要程度为高的规则未通过则不能报送"),
    )
    left_missing = models.CharField(
        verbose_name=_("左边缺报处理"),
        max_length=30,
        choices=MissingStrategy.choices,
        default=MissingStrategy.SKIP_IF_ALL_VALUES_MISSING,
    )
    right_missing = models.CharField(
        verbose_name=_("右边缺报处理"),
        max_length=30,
        choices=MissingStrategy.choices,
        default=MissingStrategy.SKIP_IF_ALL_VALUES_MISSING,
    )
    period_type = models.CharField(
        verbose_name=_("校验周期"),
        max_length=20,
        choices=[(p.value, p.value) for p in PeriodType],
        help_text=_("按此周期的报表校验，如 Monthly 每月一次；更细期间的数据按汇总方式汇总"),
    )
    unit_kinds = models.JSONField(
        verbose_name=_("适用单位类型"),
        default=list,
        blank=True,
        help_text=_('如 ["village"]；为空表示所有类型'),
    )
    dataset = models.ForeignKey(
        "elements.DataSet",
        verbose_name=_("数据集"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="validation_rules",
        help_text=_("只校验此数据集的报表；为空时校验用到其数据元素的每张报表"),
    )
    message_zh = models.CharField(
        verbose_name=_("提示（中文）"),
        max_length=500,
    )
    message_en = models.CharField(
        verbose_name=_("提示（英文）"),
        max_length=500,
        blank=True,
    )
    description = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )

    class Meta:
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def symbol(self) -> str:
        """The relation as written between the two sides (≤, =, ⇔ …)."""
        return Operator(self.operator).symbol


class ValidationRun(models.Model):
    township = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("乡镇"),
        on_delete=models.PROTECT,
        related_name="validation_runs",
        help_text=_("校验此单位及其下级单位"),
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    rule = models.ForeignKey(
        ValidationRule,
        verbose_name=_("只校验此规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(
        verbose_name=_("校验时间"),
        auto_now_add=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        verbose_name=_("操作人"),
        max_length=150,
    )
    rules_checked = models.PositiveIntegerField(
        verbose_name=_("规则数"),
        default=0,
    )
    passed = models.PositiveIntegerField(
        verbose_name=_("通过"),
        default=0,
    )
    failed = models.PositiveIntegerField(
        verbose_name=_("未通过"),
        default=0,
    )
    skipped = models.PositiveIntegerField(
        verbose_name=_("跳过"),
        default=0,
    )
    duration_ms = models.FloatField(
        verbose_name=_("耗时（毫秒）"),
        default=0,
    )

    class Meta:
        verbose_name = _("校验运行")
        verbose_name_plural = _("校验运行")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["township", "year"], name="validation_run_scope_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.township_id} {self.year}"


class ValidationResult(models.Model):
    run = models.ForeignKey(
        ValidationRun,
        verbose_name=_("校验运行"),
        on_delete=models.CASCADE,
        related_name="results",
    )
    rule = models.ForeignKey(
        ValidationRule,
        verbose_name=_("校验规则"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="validation_results",
    )
    period = models.ForeignKey(
        "datavalues.Period",
        verbose_name=_("期间"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    left_value = models.FloatField(
        verbose_name=_("左边值"),
        null=True,
        blank=True,
        help_text=_("为空表示该边数据缺报、按规则跳过"),
    )
    right_value = models.FloatField(
        verbose_name=_("右边值"),
        null=True,
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("结果"),
        max_length=10,
        choices=ResultStatus.choices,
    )
    follow_up = models.BooleanField(
        verbose_name=_("需跟进"),
        default=False,
        help_text=_("已把所涉数据标为需跟进"),
    )
    created = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("校验结果")
        verbose_name_plural = _("校验结果")
        ordering = ["run", "unit__path", "period__start_date", "rule__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "rule", "unit", "period"], name="validation_result_unique"
            )
        ]
        indexes = [models.Index(fields=["run", "status"], name="validation_result_status_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.unit_id}/{self.period_id}: {self.status}"
