"""The audit log: every change, who made it, when, from where, before and after."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("网页")
    API = "api", _("接口")
    CLI = "cli", _("命令行")
    IMPORT = "import", _("导入")
    SYSTEM = "system", _("系统")


class AuditEntry(models.Model):
    at = models.DateTimeField(
        verbose_name=_("时间"),
        auto_now_add=True,
        db_index=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.CharField(
        verbose_name=_("操作人"),
        max_length=150,
        help_text=_("用户名，或命令行/导入的署名"),
    )
    channel = models.CharField(
        verbose_name=_("渠道"),
        max_length=16,
        choices=Channel.choices,
    )
    action = models.CharField(
        verbose_name=_("操作"),
        max_length=64,
        db_index=True,
    )
    object_type = models.CharField(
        verbose_name=_("对象类型"),
        max_length=64,
    )
    object_key = models.CharField(
        verbose_name=_("对象"),
        max_length=255,
        help_text=_("对象的稳定标识，如代码或 数据元素/期间/单位"),
    )
    before = models.JSONField(
        verbose_name=_("修改前"),
        null=True,
        blank=True,
    )
    after = models.JSONField(
        verbose_name=_("修改后"),
        null=True,
        blank=True,
    )
    remote_addr = models.CharField(
        verbose_name=_("来源地址"),
        max_length=64,
        blank=True,
    )

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_key"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_key}"
