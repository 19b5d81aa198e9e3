"""Roles held by users over subtrees of organisation units, and the login throttle."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    TOWNSHIP_ADMIN = "township_admin", _("乡镇管理员")
    REVIEWER = "reviewer", _("审核员")
    REPORTER = "reporter", _("填报员")
    COUNTY_VIEWER = "county_viewer", _("县级查看")
    AUDITOR = "auditor", _("审计员")


class Membership(models.Model):
    """One role of one user over one unit and everything under it. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        verbose_name=_("角色"),
        max_length=20,
        choices=Role.choices,
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_("角色的范围：此单位及其全部下级单位"),
    )
    created_at = models.DateTimeField(
        verbose_name=_("授予时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        ordering = ["user__username", "role", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.get_role_display()} @ {self.unit_id}"


class LoginThrottle(models.Model):
    """Failed logins of one user name from one address; a row in the database (not the cache)
    so that every worker process sees the same count."""

    username = models.CharField(
        verbose_name=_("用户名"),
        max_length=150,
        help_text=_("登录时输入的用户名（小写）"),
    )
    remote_addr = models.CharField(
        verbose_name=_("来源地址"),
        max_length=64,
        blank=True,
    )
    failures = models.PositiveIntegerField(
        verbose_name=_("失败次数"),
        default=0,
    )
    first_failure_at = models.DateTimeField(
        verbose_name=_("首次失败时间"),
        null=True,
        blank=True,
    )
    last_failure_at = models.DateTimeField(
        verbose_name=_("最近失败时间"),
        db_index=True,
    )
    locked_until = models.DateTimeField(
        verbose_name=_("锁定至"),
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")
        constraints = [
            models.UniqueConstraint(
                fields=["username", "remote_addr"], name="login_throttle_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.remote_addr}: {self.failures}"
