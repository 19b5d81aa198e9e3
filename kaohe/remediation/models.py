"""Weak units and their remediation (帮促转化): designations made from a published run, the
remediation plan with its five fixes (五定), progress through the year and the acceptance check.

A designation is kept per scheme, unit and year: designating a newer published run of the same
year (after an appeal) updates it, or withdraws it when the unit is no longer designated, so a
plan already made stays attached. Only officials are named; nothing about residents.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DesignationStatus(models.TextChoices):
    WEAK = "weak", _("薄弱")
    YELLOW_CARD = "yellow_card", _("黄牌")
    STRICT = "strict", _("严管")


class DesignationOrigin(models.TextChoices):
    RUN = "run", _("考核结果认定")
    ACCEPTANCE = "acceptance", _("验收升级")


class PlanStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    CONTINUED = "continued", _("继续整改")
    LIFTED = "lifted", _("已摘帽")
    ESCALATED = "escalated", _("已升级严管")


class Outcome(models.TextChoices):
    LIFTED = "lifted", _("摘帽")
    CONTINUED = "continued", _("继续整改")
    ESCALATED = "escalated", _("升级严管")


# Plans still in force: progress may be added, an acceptance check made, and they can be overdue.
ACTIVE_PLAN = (PlanStatus.OPEN, PlanStatus.CONTINUED)


class Designation(models.Model):
    run = models.ForeignKey(
        "assessments.AssessmentRun",
        verbose_name=_("考核计算"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designations",
        help_text=_("据以认定的已发布考核结果；验收升级产生的认定为空"),
    )
    scheme_code = models.CharField(
        verbose_name=_("方案代码"),
        max_length=50,
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="designations",
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    status = models.CharField(
        verbose_name=_("认定类别"),
        max_length=20,
        choices=DesignationStatus.choices,
    )
    rule = models.CharField(
        verbose_name=_("认定规则"),
        max_length=50,
        help_text=_("决定类别的规则代码"),
    )
    rules = models.JSONField(
        verbose_name=_("符合的规则"),
        default=list,
        blank=True,
    )
    reason_zh = models.TextField(
        verbose_name=_("认定理由"),
    )
    reason_en = models.TextField(
        verbose_name=_("认定理由（英文）"),
        blank=True,
    )
    origin = models.CharField(
        verbose_name=_("来源"),
        max_length=20,
        choices=DesignationOrigin.choices,
        default=DesignationOrigin.RUN,
    )
    revoked_at = models.DateTimeField(
        verbose_name=_("撤销时间"),
        null=True,
        blank=True,
        help_text=_("重新发布的考核结果不再认定该单位时撤销"),
    )
    revoked_reason = models.TextField(
        verbose_name=_("撤销原因"),
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("认定时间"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("薄弱、严管认定")
        verbose_name_plural = _("薄弱、严管认定")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme_code", "unit", "year"], name="designation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.status}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class RemediationPlan(models.Model):
    """The plan of a designated unit, with the five fixes (五定)."""

    designation = models.OneToOneField(
        Designation,
        verbose_name=_("认定"),
        on_delete=models.PROTECT,
        related_name="plan",
    )
    leader = models.ForeignKey(
        "orgunits.Official",
        verbose_name=_("包抓领导"),
        on_delete=models.PROTECT,
        related_name="led_remediation_plans",
        help_text=_("定领导：负责帮促的领导，乡镇或本单位的责任人"),
    )
    staff = models.ManyToManyField(
        "orgunits.Official",
        verbose_name=_("帮扶人员"),
        related_name="remediation_plans",
        help_text=_("定人员：驻村帮扶的干部"),
    )
    responsibilities = models.TextField(
        verbose_name=_("帮促责任"),
        help_text=_("定责任：各人负责的整改任务"),
    )
    deadline = models.DateField(
        verbose_name=_("完成时限"),
        help_text=_("定时间：验收的日期，须在考核年度结束之后"),
    )
    rewards_penalties = models.TextField(
        verbose_name=_("奖惩办法"),
        help_text=_("定奖惩：转化成功或失败时的奖惩"),
    )
    shares_outcome = models.BooleanField(
        verbose_name=_("同奖同罚"),
        default=False,
        help_text=_("帮扶人员与该单位同奖同罚"),
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=PlanStatus.choices,
        default=PlanStatus.OPEN,
    )
    escalated_to = models.ForeignKey(
        Designation,
        verbose_name=_("升级后的认定"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_from",
    )
    closed_on = models.DateField(
        verbose_name=_("结束日期"),
        null=True,
        blank=True,
    )
    created_by = models.CharField(
        verbose_name=_("制定人"),
        max_length=150,
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("制定时间"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("帮促转化方案")
        verbose_name_plural = _("帮促转化方案")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["status", "deadline"], name="plan_status_deadline_idx")]

    def __str__(self) -> str:
        return f"{self.designation} → {self.deadline}"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_PLAN


class ProgressEntry(models.Model):
    plan = models.ForeignKey(
        RemediationPlan,
        verbose_name=_("帮促方案"),
        on_delete=models.PROTECT,
        related_name="progress",
    )
    date = models.DateField(
        verbose_name=_("日期"),
    )
    text = models.TextField(
        verbose_name=_("进展情况"),
    )
    actor = models.CharField(
        verbose_name=_("记录人"),
        max_length=150,
    )
    created_at = models.DateTimeField(
        verbose_name=_("记录时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("帮促进展")
        verbose_name_plural = _("帮促进展")
        ordering = ["plan", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.date}"


class AcceptanceCheck(models.Model):
    plan = models.ForeignKey(
        RemediationPlan,
        verbose_name=_("帮促方案"),
        on_delete=models.PROTECT,
        related_name="checks",
    )
    date = models.DateField(
        verbose_name=_("验收日期"),
    )
    outcome = models.CharField(
        verbose_name=_("验收结论"),
        max_length=20,
        choices=Outcome.choices,
    )
    findings = models.TextField(
        verbose_name=_("验收意见"),
    )
    new_deadline = models.DateField(
        verbose_name=_("新的完成时限"),
        null=True,
        blank=True,
        help_text=_("继续整改时必填"),
    )
    actor = models.CharField(
        verbose_name=_("验收人"),
        max_length=150,
    )
    created_at = models.DateTimeField(
        verbose_name=_("记录时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("验收")
        verbose_name_plural = _("验收")
        ordering = ["plan", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.date}: {self.outcome}"
