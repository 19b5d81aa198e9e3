"""Submissions: one unit's figures of one data set for one period, on their way to approval.

A reporter submits (提交); a reviewer approves (审核通过) or returns it with a reason (退回);
approved figures are locked until a township administrator unlocks them with a reason. Every
step is kept as a :class:`SubmissionEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核通过")
    RETURNED = "returned", _("已退回")


class EventAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")
    UNLOCK = "unlock", _("解锁")


class Submission(models.Model):
    dataset = models.ForeignKey(
        "elements.DataSet",
        verbose_name=_("数据集"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    period = models.ForeignKey(
        "datavalues.Period",
        verbose_name=_("期间"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("报送时间"),
        null=True,
        blank=True,
        help_text=_("首次提交的时间；退回后再次提交不改变它，按时与否以它为准"),
    )
    last_submitted_at = models.DateTimeField(
        verbose_name=_("最近提交时间"),
        null=True,
        blank=True,
    )
    submitted_by = models.CharField(
        verbose_name=_("提交人"),
        max_length=150,
        blank=True,
    )
    reviewed_at = models.DateTimeField(
        verbose_name=_("审核时间"),
        null=True,
        blank=True,
    )
    reviewed_by = models.CharField(
        verbose_name=_("审核人"),
        max_length=150,
        blank=True,
    )
    return_reason = models.TextField(
        verbose_name=_("退回原因"),
        blank=True,
    )
    approved_snapshot = models.JSONField(
        verbose_name=_("审核通过时的数据"),
        default=dict,
        blank=True,
        help_text=_("最近一次审核通过时各数据元素的值（代码 → 值），用于显示此后的改动"),
    )
    unlocked_at = models.DateTimeField(
        verbose_name=_("解锁时间"),
        null=True,
        blank=True,
    )
    unlocked_by = models.CharField(
        verbose_name=_("解锁人"),
        max_length=150,
        blank=True,
    )
    unlock_reason = models.TextField(
        verbose_name=_("解锁原因"),
        blank=True,
    )

    class Meta:
        verbose_name = _("报送")
        verbose_name_plural = _("报送")
        ordering = ["period__start_date", "dataset__code", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "unit", "period"], name="submission_key_unique"
            )
        ]
        indexes = [models.Index(fields=["status"], name="submission_status_idx")]

    def __str__(self) -> str:
        return f"{self.dataset_id}/{self.unit_id}/{self.period_id}: {self.status}"


class SubmissionEvent(models.Model):
    """One step in the life of a submission: who did what, when, and why."""

    submission = models.ForeignKey(
        Submission,
        verbose_name=_("报送"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    action = models.CharField(
        verbose_name=_("操作"),
        max_length=20,
        choices=EventAction.choices,
    )
    actor = models.CharField(
        verbose_name=_("操作人"),
        max_length=150,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(
        verbose_name=_("时间"),
    )
    reason = models.TextField(
        verbose_name=_("原因"),
        blank=True,
    )

    class Meta:
        verbose_name = _("报送记录")
        verbose_name_plural = _("报送记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.action} by {self.actor}"
