"""Appeals (申诉): a unit disputes an item of a published run, or its whole result.

A unit files an appeal with its reasons within the scheme's ``appeal_days`` of publication; a
reviewer accepts it or rejects it, with reasons either way. Accepting changes no figure: the
data is corrected through the usual audited path and a new run is published in place of the old
one; that publication resolves the accepted appeals of the run it replaces. Every step is kept
as an :class:`AppealEvent`, which the unit sees.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppealStatus(models.TextChoices):
    FILED = "filed", _("待处理")
    ACCEPTED = "accepted", _("已采纳，待更正")
    REJECTED = "rejected", _("已驳回")
    RESOLVED = "resolved", _("已更正并重新发布")


# An appeal still being dealt with: at most one per run, unit and item.
OPEN_STATUSES = (AppealStatus.FILED, AppealStatus.ACCEPTED)


class AppealStep(models.TextChoices):
    FILE = "file", _("提出申诉")
    ACCEPT = "accept", _("采纳")
    REJECT = "reject", _("驳回")
    RESOLVE = "resolve", _("更正后重新发布")


class Appeal(models.Model):
    run = models.ForeignKey(
        "assessments.AssessmentRun",
        verbose_name=_("申诉的考核结果"),
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("申诉单位"),
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    item_code = models.CharField(
        verbose_name=_("申诉项目代码"),
        max_length=50,
        blank=True,
        help_text=_("为空表示对整体结果申诉"),
    )
    item_name = models.CharField(
        verbose_name=_("申诉项目"),
        max_length=200,
        blank=True,
        help_text=_("申诉时该项目的名称"),
    )
    reasons = models.TextField(
        verbose_name=_("申诉理由"),
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=AppealStatus.choices,
        default=AppealStatus.FILED,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申诉人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    filed_by_name = models.CharField(
        verbose_name=_("申诉人"),
        max_length=150,
    )
    filed_at = models.DateTimeField(
        verbose_name=_("申诉时间"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by_name = models.CharField(
        verbose_name=_("处理人"),
        max_length=150,
        blank=True,
    )
    decided_at = models.DateTimeField(
        verbose_name=_("处理时间"),
        null=True,
        blank=True,
    )
    decision_reason = models.TextField(
        verbose_name=_("处理理由"),
        blank=True,
        help_text=_("采纳或驳回的理由"),
    )
    resolution_run = models.ForeignKey(
        "assessments.AssessmentRun",
        verbose_name=_("更正后的考核结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_appeals",
        help_text=_("数据更正后重新发布、替代原结果的考核结果"),
    )
    resolved_at = models.DateTimeField(
        verbose_name=_("更正发布时间"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "unit", "item_code"],
                condition=models.Q(status__in=["filed", "accepted"]),
                name="appeal_one_open_per_item",
            )
        ]
        indexes = [models.Index(fields=["status"], name="appeal_status_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.unit_id}/{self.item_code or '*'}: {self.status}"


class AppealEvent(models.Model):
    """One step of an appeal: who did what, when, and what they wrote."""

    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("申诉"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    step = models.CharField(
        verbose_name=_("步骤"),
        max_length=20,
        choices=AppealStep.choices,
    )
    actor = models.CharField(
        verbose_name=_("操作人"),
        max_length=150,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(
        verbose_name=_("时间"),
    )
    text = models.TextField(
        verbose_name=_("内容"),
        blank=True,
    )

    class Meta:
        verbose_name = _("申诉记录")
        verbose_name_plural = _("申诉记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.step} by {self.actor}"
