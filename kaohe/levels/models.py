"""The log of pushes upward (上报): what was sent where, in which batches, and what came back.

A :class:`PushLog` is one ``kaohe push`` (or a push started from a page or the API): the
destination, the township and period range, and the totals of the import summaries that came
back. Each of its :class:`PushBatch` rows is one request: how many values, the SHA-256 digest
of the exact bytes sent (a repeat of the same values sends the same bytes), how many attempts
it took, and the DHIS2 import summary as received. Credentials are never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PushStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class PushLog(models.Model):
    destination = models.CharField(
        verbose_name=_("上报地址"),
        max_length=500,
        help_text=_("接收方的地址（DHIS2 或另一套考核系统），不含用户名和密码"),
    )
    township = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("乡镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="push_logs",
        help_text=_("上报此单位及其下级单位的数据；为空表示全部单位"),
    )
    start_date = models.DateField(
        verbose_name=_("起始日期"),
        null=True,
        blank=True,
        help_text=_("只上报完全落在起止日期之间的期间"),
    )
    end_date = models.DateField(
        verbose_name=_("截止日期"),
        null=True,
        blank=True,
    )
    batch_size = models.PositiveIntegerField(
        verbose_name=_("每批条数"),
        default=5000,
    )
    dry_run = models.BooleanField(
        verbose_name=_("试运行"),
        default=False,
        help_text=_("接收方只检查、不保存（DHIS2 的 dryRun）"),
    )
    id_scheme = models.CharField(
        verbose_name=_("标识方式"),
        max_length=10,
        default="code",
        help_text=_("数据元素和单位按什么标识：code 代码、name 名称、uid 接收方的标识"),
    )
    auth = models.CharField(
        verbose_name=_("认证方式"),
        max_length=20,
        blank=True,
        help_text=_("token 或 basic；凭据取自服务器环境变量，不保存"),
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=PushStatus.choices,
        default=PushStatus.RUNNING,
    )
    values = models.PositiveIntegerField(
        verbose_name=_("数据条数"),
        default=0,
    )
    batches_planned = models.PositiveIntegerField(
        verbose_name=_("批数"),
        default=0,
    )
    imported = models.PositiveIntegerField(
        verbose_name=_("新增"),
        default=0,
    )
    updated = models.PositiveIntegerField(
        verbose_name=_("更新"),
        default=0,
    )
    ignored = models.PositiveIntegerField(
        verbose_name=_("忽略"),
        default=0,
        help_text=_("接收方未改动的条数：与已有数据相同，或有冲突"),
    )
    deleted = models.PositiveIntegerField(
        verbose_name=_("删除"),
        default=0,
    )
    conflicts = models.PositiveIntegerField(
        verbose_name=_("冲突"),
        default=0,
    )
    message = models.TextField(
        verbose_name=_("说明"),
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("开始时间"),
        auto_now_add=True,
    )
    finished_at = models.DateTimeField(
        verbose_name=_("结束时间"),
        null=True,
        blank=True,
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

    class Meta:
        verbose_name = _("上报记录")
        verbose_name_plural = _("上报记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["township", "created_at"], name="push_log_scope_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.destination}: {self.status}"


class PushBatch(models.Model):
    log = models.ForeignKey(
        PushLog,
        verbose_name=_("上报记录"),
        on_delete=models.CASCADE,
        related_name="batches",
    )
    index = models.PositiveIntegerField(
        verbose_name=_("批次"),
        help_text=_("从 1 起"),
    )
    values = models.PositiveIntegerField(
        verbose_name=_("数据条数"),
    )
    digest = models.CharField(
        verbose_name=_("摘要"),
        max_length=64,
        help_text=_("所发送内容的 SHA-256；同样的数据再次上报，摘要相同"),
    )
    attempts = models.PositiveSmallIntegerField(
        verbose_name=_("尝试次数"),
        default=0,
    )
    http_status = models.PositiveSmallIntegerField(
        verbose_name=_("HTTP 状态码"),
        null=True,
        blank=True,
    )
    summary_status = models.CharField(
        verbose_name=_("导入结果"),
        max_length=20,
        blank=True,
        help_text=_("接收方导入摘要的状态：SUCCESS、WARNING 或 ERROR"),
    )
    imported = models.PositiveIntegerField(
        verbose_name=_("新增"),
        default=0,
    )
    updated = models.PositiveIntegerField(
        verbose_name=_("更新"),
        default=0,
    )
    ignored = models.PositiveIntegerField(
        verbose_name=_("忽略"),
        default=0,
    )
    deleted = models.PositiveIntegerField(
        verbose_name=_("删除"),
        default=0,
    )
    conflicts = models.JSONField(
        verbose_name=_("冲突"),
        default=list,
        blank=True,
        help_text=_("接收方列出的冲突：[{object, value}]"),
    )
    summary = models.JSONField(
        verbose_name=_("导入摘要"),
        null=True,
        blank=True,
        help_text=_("接收方返回的导入摘要（importSummary）原文"),
    )
    error = models.TextField(
        verbose_name=_("错误"),
        blank=True,
    )
    sent_at = models.DateTimeField(
        verbose_name=_("发送时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("上报批次")
        verbose_name_plural = _("上报批次")
        ordering = ["log", "index"]
        constraints = [
            models.UniqueConstraint(fields=["log", "index"], name="push_batch_index_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.log_id}/{self.index}: {self.values}"
