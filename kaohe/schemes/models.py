"""Assessment schemes: indicators, scoring items, vetoes, grades, constants, per-unit targets.

Everything a county decides lives in these rows (loaded from YAML bundles); the engine only
ever sees them as :mod:`kaohe.engine.spec` objects built by :mod:`kaohe.schemes.specs`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kaohe.engine.periods import PeriodType
from kaohe.engine.spec import Direction, RuleType


class Indicator(models.Model):
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
    numerator = models.TextField(
        verbose_name=_("分子"),
        help_text=_("表达式，如 #{BIRTHS_POLICY}"),
    )
    denominator = models.TextField(
        verbose_name=_("分母"),
        default="1",
        help_text=_("表达式；为零或缺失时指标缺失"),
    )
    factor = models.FloatField(
        verbose_name=_("系数"),
        default=1.0,
        help_text=_("100 为百分率，1000 为千分率，10000 为万分率"),
    )
    decimals = models.PositiveSmallIntegerField(
        verbose_name=_("小数位"),
        default=2,
    )
    unit = models.CharField(
        verbose_name=_("单位"),
        max_length=20,
        blank=True,
        help_text=_("如 %、‰、人"),
    )
    valid_from = models.PositiveSmallIntegerField(
        verbose_name=_("适用起始年"),
        null=True,
        blank=True,
    )
    valid_to = models.PositiveSmallIntegerField(
        verbose_name=_("适用截止年"),
        null=True,
        blank=True,
    )
    validity_note = models.TextField(
        verbose_name=_("适用年度说明"),
        blank=True,
        help_text=_("超出适用年度使用时显示的警示，如：2021年后不再实行生育数量控制"),
    )
    description = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Scheme(models.Model):
    """A scheme version. Once published it is immutable: a change makes a new version."""

    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
    )
    version = models.PositiveIntegerField(
        verbose_name=_("版本"),
        default=1,
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
    year_from = models.PositiveSmallIntegerField(
        verbose_name=_("适用起始年"),
        null=True,
        blank=True,
    )
    year_to = models.PositiveSmallIntegerField(
        verbose_name=_("适用截止年"),
        null=True,
        blank=True,
    )
    period_type = models.CharField(
        verbose_name=_("考核年度类型"),
        max_length=20,
        choices=[
            (PeriodType.YEARLY.value, _("自然年（1月1日至12月31日）")),
            (PeriodType.FINANCIAL_OCT.value, _("统计年度（10月1日至次年9月30日）")),
        ],
        default=PeriodType.YEARLY.value,
    )
    total = models.FloatField(
        verbose_name=_("总分"),
        default=100,
        help_text=_("各考核项目分值之和（加分项除外）"),
    )
    unit_kinds = models.JSONField(
        verbose_name=_("考核单位类型"),
        default=list,
    )
    aggregate_from = models.JSONField(
        verbose_name=_("汇总下级单位类型"),
        default=list,
        blank=True,
        help_text=_(
            '如 ["village"]：被考核单位的数字取其下属这些类型单位的合计（县考核乡镇时用各村合计），'
            "指标由合计的分子、分母重新计算；为空时用单位自己的数字"
        ),
    )
    veto_grade = models.CharField(
        verbose_name=_("否决后等次"),
        max_length=50,
        blank=True,
    )
    validity_note = models.TextField(
        verbose_name=_("适用年度说明"),
        blank=True,
        help_text=_("超出适用年度使用时显示的警示"),
    )
    tracks = models.JSONField(
        verbose_name=_("分线"),
        default=list,
        blank=True,
        help_text=_(
            "分线考核：[{code, name, name_en, weight}]，各线分别计分后按权重合成（如 6:4）"
        ),
    )
    coefficient = models.TextField(
        verbose_name=_("系数表达式"),
        blank=True,
        help_text=_("难度或人口系数，合成总分乘以该系数；为空不调整"),
    )
    coefficient_name = models.CharField(
        verbose_name=_("系数名称"),
        max_length=100,
        blank=True,
    )
    period_parts = models.JSONField(
        verbose_name=_("分期考核"),
        default=list,
        blank=True,
        help_text=_(
            "按期考核合成年度得分：[{code, name, period_type, index, weight}]（如三个季度 4:3:3）"
        ),
    )
    corrections = models.JSONField(
        verbose_name=_("核查更正"),
        default=list,
        blank=True,
        help_text=_(
            "按核查更正后的数字计分的数据元素：[{element, method}]，method 为 larger"
            "（村报与各来源取较大者）或 check（有抽查的取抽查数）；空表示按村报数计分"
        ),
    )
    extra_indicators = models.JSONField(
        verbose_name=_("另存指标"),
        default=list,
        blank=True,
        help_text=_("没有考核项目引用、但要随结果计算和保存的指标（如奖惩核减用的虚报比例）"),
    )
    signatory_roles = models.JSONField(
        verbose_name=_("签订人身份"),
        default=list,
        blank=True,
        help_text=_("[{role, name, first}]：责任书由哪些身份的人签订，first 为第一责任人"),
    )
    terms = models.JSONField(
        verbose_name=_("奖惩条款"),
        default=list,
        blank=True,
        help_text=_("责任书中的奖惩条款，每条一段文字"),
    )
    appeal_days = models.PositiveSmallIntegerField(
        verbose_name=_("申诉期限（天）"),
        null=True,
        blank=True,
        help_text=_("结果发布后单位可以申诉的天数；为空表示不受理申诉"),
    )
    designation_rules = models.JSONField(
        verbose_name=_("薄弱、严管认定规则"),
        default=list,
        blank=True,
        help_text=_("按等次、否决或末位认定薄弱（后进）、严管、黄牌的规则"),
    )
    money_rules = models.JSONField(
        verbose_name=_("奖惩兑现规则"),
        default=list,
        blank=True,
        help_text=_("奖励、罚款、分配比例、绩效工资、风险抵押金、核查扣减等规则"),
    )
    plan_item = models.CharField(
        verbose_name=_("人口计划项目"),
        max_length=50,
        blank=True,
        help_text=_("以出生计划数为目标的考核项目代码；人口计划分解写入该项目的目标"),
    )
    description = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=SchemeStatus.choices,
        default=SchemeStatus.DRAFT,
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
    content_hash = models.CharField(
        verbose_name=_("内容哈希"),
        max_length=64,
        editable=False,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="scheme_code_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"


class Constant(models.Model):
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("考核方案"),
        on_delete=models.CASCADE,
        related_name="constants",
    )
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=200,
        blank=True,
    )
    value = models.FloatField(
        verbose_name=_("值"),
    )

    class Meta:
        verbose_name = _("常量")
        verbose_name_plural = _("常量")
        ordering = ["scheme", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="constant_unique")]

    def __str__(self) -> str:
        return f"{self.code}={self.value}"


class ScoringItem(models.Model):
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("考核方案"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
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
    section = models.CharField(
        verbose_name=_("分类"),
        max_length=100,
        blank=True,
    )
    track = models.CharField(
        verbose_name=_("所属分线"),
        max_length=50,
        blank=True,
        help_text=_("分线考核时该项目计入哪一条线（方案分线的代码）"),
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    weight = models.FloatField(
        verbose_name=_("分值"),
        help_text=_("加分项为 0"),
    )
    rule_type = models.CharField(
        verbose_name=_("评分规则"),
        max_length=30,
        choices=[(r.value, r.value) for r in RuleType],
    )
    params = models.JSONField(
        verbose_name=_("规则参数"),
        default=dict,
        blank=True,
    )
    actual = models.TextField(
        verbose_name=_("实际值表达式"),
        help_text=_("通常为 N{指标代码}"),
    )
    target = models.FloatField(
        verbose_name=_("默认目标"),
        null=True,
        blank=True,
        help_text=_("单位的责任书可以另定目标"),
    )
    direction = models.CharField(
        verbose_name=_("方向"),
        max_length=10,
        choices=[(Direction.HIGHER.value, _("越高越好")), (Direction.LOWER.value, _("越低越好"))],
        default=Direction.HIGHER.value,
    )
    decimals = models.PositiveSmallIntegerField(
        verbose_name=_("小数位"),
        default=2,
    )
    unit = models.CharField(
        verbose_name=_("单位"),
        max_length=20,
        blank=True,
    )
    description = models.TextField(
        verbose_name=_("评分标准原文"),
        blank=True,
    )

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["scheme", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="item_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight:g}分）"


class Veto(models.Model):
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("考核方案"),
        on_delete=models.CASCADE,
        related_name="vetoes",
    )
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
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
    condition = models.TextField(
        verbose_name=_("否决条件"),
        help_text=_("条件表达式，如 #{BIRTHS} > T{BIRTH_PLAN}"),
    )
    consequences = models.JSONField(
        verbose_name=_("否决后果"),
        default=list,
        blank=True,
        help_text=_("对责任人的后果，如：一年内不得评先评优、不得提拔重用"),
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )

    class Meta:
        verbose_name = _("一票否决")
        verbose_name_plural = _("一票否决")
        ordering = ["scheme", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="veto_unique")]

    def __str__(self) -> str:
        return self.name


class GradeBand(models.Model):
    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("考核方案"),
        on_delete=models.CASCADE,
        related_name="grades",
    )
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
    )
    name = models.CharField(
        verbose_name=_("名称"),
        max_length=100,
    )
    name_en = models.CharField(
        verbose_name=_("英文名称"),
        max_length=100,
        blank=True,
    )
    min_total = models.FloatField(
        verbose_name=_("最低总分"),
    )

    class Meta:
        verbose_name = _("等次")
        verbose_name_plural = _("等次")
        ordering = ["scheme", "-min_total"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="grade_unique")]

    def __str__(self) -> str:
        return f"{self.name} ≥ {self.min_total:g}"


class UnitTarget(models.Model):
    """A unit's own target for an item in a year (a village's birth quota is its own)."""

    item = models.ForeignKey(
        ScoringItem,
        verbose_name=_("考核项目"),
        on_delete=models.CASCADE,
        related_name="unit_targets",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    value = models.FloatField(
        verbose_name=_("目标值"),
    )

    class Meta:
        verbose_name = _("单位目标")
        verbose_name_plural = _("单位目标")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit", "year"], name="unit_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}/{self.unit_id}/{self.year}={self.value:g}"


class BirthPlan(models.Model):
    """The county's birth cap for a township's year and how it was split among the villages."""

    scheme = models.ForeignKey(
        Scheme,
        verbose_name=_("考核方案"),
        on_delete=models.PROTECT,
        related_name="birth_plans",
    )
    township = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("乡镇"),
        on_delete=models.PROTECT,
        related_name="birth_plans",
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    method = models.CharField(
        verbose_name=_("分解方法"),
        max_length=30,
    )
    cap_births = models.PositiveIntegerField(
        verbose_name=_("出生控制数"),
        help_text=_("县下达的出生人数上限（按出生率下达时为折算后的人数）"),
    )
    rate_per_mille = models.DecimalField(
        verbose_name=_("出生率控制指标（‰）"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
    )
    quotas = models.JSONField(
        verbose_name=_("各村计划数"),
        default=dict,
    )
    applied_at = models.DateTimeField(
        verbose_name=_("分解时间"),
        auto_now=True,
    )
    actor = models.CharField(
        verbose_name=_("操作人"),
        max_length=150,
        blank=True,
    )

    class Meta:
        verbose_name = _("人口计划")
        verbose_name_plural = _("人口计划")
        ordering = ["-year", "township__path"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "township", "year"], name="birth_plan_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}/{self.township_id}/{self.year}: {self.cap_births}"
