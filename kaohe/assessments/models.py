"""Assessment runs and their results: per unit, per item, per indicator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.engine.spec import Direction


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class AssessmentRun(models.Model):
    scheme = models.ForeignKey(
        "schemes.Scheme",
        verbose_name=_("考核方案"),
        on_delete=models.PROTECT,
        related_name="runs",
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    period_code = models.CharField(
        verbose_name=_("考核期间"),
        max_length=20,
    )
    root = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("参加考核的单位所属的上级单位；为空表示全部"),
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=RunStatus.choices,
        default=RunStatus.DRAFT,
    )
    inputs_hash = models.CharField(
        verbose_name=_("输入哈希"),
        max_length=64,
    )
    scheme_hash = models.CharField(
        verbose_name=_("方案哈希"),
        max_length=64,
    )
    created_at = models.DateTimeField(
        verbose_name=_("计算时间"),
        auto_now_add=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("计算人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        verbose_name=_("操作人"),
        max_length=150,
        blank=True,
    )
    duration_ms = models.FloatField(
        verbose_name=_("计算耗时（毫秒）"),
        default=0,
    )
    validity_override = models.TextField(
        verbose_name=_("超出适用年度的理由"),
        blank=True,
        help_text=_("方案或指标超出其适用年度仍然使用时，操作人给出的理由"),
    )
    warnings = models.JSONField(
        verbose_name=_("警示"),
        default=list,
        blank=True,
    )
    published_at = models.DateTimeField(
        verbose_name=_("发布时间"),
        null=True,
        blank=True,
    )
    published_by = models.CharField(
        verbose_name=_("发布人"),
        max_length=150,
        blank=True,
    )
    publication_exception = models.TextField(
        verbose_name=_("例外发布说明"),
        blank=True,
        help_text=_("数据未全部审核通过时仍然发布的理由"),
    )
    unapproved_at_publication = models.JSONField(
        verbose_name=_("发布时未审核的数据"),
        default=list,
        blank=True,
        help_text=_("发布时尚未审核通过的报表（数据集、单位、期间）"),
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("替代的发布结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text=_("本次发布替代的上一次发布结果（如申诉改正数据后重新发布）"),
    )

    class Meta:
        verbose_name = _("考核计算")
        verbose_name_plural = _("考核计算")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scheme", "year"], name="run_scheme_year_idx")]

    def __str__(self) -> str:
        return f"{self.scheme.code} {self.period_code} #{self.pk}"


class UnitResult(models.Model):
    run = models.ForeignKey(
        AssessmentRun,
        verbose_name=_("考核计算"),
        on_delete=models.CASCADE,
        related_name="unit_results",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=20,
    )
    total = models.DecimalField(
        verbose_name=_("总分"),
        max_digits=10,
        decimal_places=2,
    )
    grade = models.CharField(
        verbose_name=_("等次代码"),
        max_length=50,
        blank=True,
    )
    grade_name = models.CharField(
        verbose_name=_("等次"),
        max_length=100,
        blank=True,
    )
    rank = models.PositiveIntegerField(
        verbose_name=_("名次"),
    )
    vetoed = models.BooleanField(
        verbose_name=_("被否决"),
        default=False,
    )
    vetoes = models.JSONField(
        verbose_name=_("否决项"),
        default=list,
        help_text=_("触发的否决项代码与名称"),
    )
    flags = models.JSONField(
        verbose_name=_("待核实"),
        default=list,
        help_text=_("缺失数据、无法判断的否决条件等"),
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("责任书版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("计分所依据的已签订责任书版本；为空表示没有已签订的责任书"),
    )
    parts = models.JSONField(
        verbose_name=_("分线与分期得分"),
        default=dict,
        blank=True,
    )
    total_explanation_zh = models.TextField(
        verbose_name=_("总分说明"),
        blank=True,
    )
    total_explanation_en = models.TextField(
        verbose_name=_("总分说明（英文）"),
        blank=True,
    )

    class Meta:
        verbose_name = _("单位结果")
        verbose_name_plural = _("单位结果")
        ordering = ["run", "kind", "rank", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="unit_result_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.total}"


class ItemResult(models.Model):
    unit_result = models.ForeignKey(
        UnitResult,
        verbose_name=_("单位结果"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    part = models.CharField(
        verbose_name=_("考核分期"),
        max_length=20,
        blank=True,
        help_text=_("分期考核时该得分属于哪一期；为空表示全年"),
    )
    item_code = models.CharField(
        verbose_name=_("项目代码"),
        max_length=50,
    )
    item_name = models.CharField(
        verbose_name=_("项目"),
        max_length=200,
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    weight = models.DecimalField(
        verbose_name=_("分值"),
        max_digits=10,
        decimal_places=2,
    )
    actual = models.FloatField(
        verbose_name=_("实际值"),
        null=True,
        blank=True,
    )
    target = models.FloatField(
        verbose_name=_("目标值"),
        null=True,
        blank=True,
    )
    score = models.DecimalField(
        verbose_name=_("得分"),
        max_digits=10,
        decimal_places=2,
    )
    flag = models.CharField(
        verbose_name=_("标记"),
        max_length=50,
        blank=True,
    )
    explanation_zh = models.TextField(
        verbose_name=_("说明"),
    )
    explanation_en = models.TextField(
        verbose_name=_("说明（英文）"),
    )

    class Meta:
        verbose_name = _("项目得分")
        verbose_name_plural = _("项目得分")
        ordering = ["unit_result", "part", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_result", "part", "item_code"], name="item_result_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_code}: {self.score}"


class IndicatorValue(models.Model):
    run = models.ForeignKey(
        AssessmentRun,
        verbose_name=_("考核计算"),
        on_delete=models.CASCADE,
        related_name="indicator_values",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    indicator_code = models.CharField(
        verbose_name=_("指标代码"),
        max_length=50,
    )
    value = models.FloatField(
        verbose_name=_("值"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "unit", "indicator_code"], name="indicator_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code}={self.value}"


class AreaIndicatorValue(models.Model):
    """An indicator of all the run's units taken together (the township's own figure), with the
    default target of the item scoring it, if any."""

    run = models.ForeignKey(
        AssessmentRun,
        verbose_name=_("考核计算"),
        on_delete=models.CASCADE,
        related_name="area_indicator_values",
    )
    indicator_code = models.CharField(
        verbose_name=_("指标代码"),
        max_length=50,
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    value = models.FloatField(
        verbose_name=_("值"),
        null=True,
        blank=True,
        help_text=_("由各单位的分子、分母分别合计后重新计算，不是各单位比率的平均"),
    )
    target = models.FloatField(
        verbose_name=_("目标值"),
        null=True,
        blank=True,
        help_text=_("实际值为该指标的考核项目的默认目标"),
    )
    direction = models.CharField(
        verbose_name=_("方向"),
        max_length=10,
        choices=[(Direction.HIGHER.value, _("越高越好")), (Direction.LOWER.value, _("越低越好"))],
        blank=True,
        help_text=_("与目标比较的方向；无目标时为空"),
    )

    class Meta:
        verbose_name = _("全镇指标值")
        verbose_name_plural = _("全镇指标值")
        ordering = ["run", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "indicator_code"], name="area_indicator_value_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code}={self.value}"

    @property
    def met(self) -> bool | None:
        """Whether the value reaches the target (≥, or ≤ where lower is better); None when
        either is missing."""
        if self.value is None or self.target is None:
            return None
        if self.direction == Direction.LOWER.value:
            return self.value <= self.target
        return self.value >= self.target
