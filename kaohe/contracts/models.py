"""Target-responsibility contracts (目标管理责任书): one per unit per year, made from a scheme.

A contract is drafted, then signed; a signed contract is never edited. An amendment makes a new
version (signed, with the reason) and marks the old one superseded, so every version is kept.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SIGNED = "signed", _("已签订")
    SUPERSEDED = "superseded", _("已被修订")


class Contract(models.Model):
    scheme = models.ForeignKey(
        "schemes.Scheme",
        verbose_name=_("考核方案"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("年度"),
    )
    version = models.PositiveIntegerField(
        verbose_name=_("版本"),
        default=1,
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
    )
    signed_on = models.DateField(
        verbose_name=_("签订日期"),
        null=True,
        blank=True,
    )
    amendment_reason = models.TextField(
        verbose_name=_("修订原因"),
        blank=True,
        help_text=_("修订版必填：为什么改动已签订的责任书"),
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    updated_at = models.DateTimeField(
        verbose_name=_("更新时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("目标管理责任书")
        verbose_name_plural = _("目标管理责任书")
        ordering = ["year", "unit__path", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "unit", "year", "version"], name="contract_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year} v{self.version}"


class ContractTarget(models.Model):
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("责任书"),
        on_delete=models.CASCADE,
        related_name="targets",
    )
    item = models.ForeignKey(
        "schemes.ScoringItem",
        verbose_name=_("考核项目"),
        on_delete=models.PROTECT,
        related_name="contract_targets",
    )
    value = models.FloatField(
        verbose_name=_("目标值"),
    )

    class Meta:
        verbose_name = _("责任书目标")
        verbose_name_plural = _("责任书目标")
        ordering = ["contract", "item__sort_order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "item"], name="contract_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value:g}"


class ContractSignatory(models.Model):
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("责任书"),
        on_delete=models.CASCADE,
        related_name="signatories",
    )
    official = models.ForeignKey(
        "orgunits.Official",
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="contract_signatures",
    )
    role = models.CharField(
        verbose_name=_("签订身份"),
        max_length=30,
        help_text=_("村支书、村主任为第一责任人"),
    )

    class Meta:
        verbose_name = _("责任书签订人")
        verbose_name_plural = _("责任书签订人")
        ordering = ["contract", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "official"], name="contract_signatory_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.official_id}（{self.role}）"
