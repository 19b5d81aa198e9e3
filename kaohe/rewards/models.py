"""The rewards and penalties ledger (奖惩兑现台账): one row per amount, never edited, never deleted.

Each entry is an amount in yuan that a published run's money rules gave a unit or one of its
officials: who, what kind, which rule, the figures used and the sentence that explains it. Only
the status moves, forward, through :mod:`kaohe.rewards.services`: computed → approved → paid,
or reversed by a counter-entry (a new row with the negated amount that points at it), so the
sum of a unit's rows always reconciles with what it was owed and paid.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryStatus(models.TextChoices):
    COMPUTED = "computed", _("已计算")
    APPROVED = "approved", _("已审核")
    PAID = "paid", _("已兑现")
    REVERSED = "reversed", _("已冲销")


class MoneyKind(models.TextChoices):
    REWARD = "reward", _("奖励")
    PENALTY = "penalty", _("处罚")
    FINE = "fine", _("罚款")
    WITHHELD_RELEASE = "withheld_release", _("绩效工资发放")
    WITHHELD_FORFEIT = "withheld_forfeit", _("绩效工资扣减")
    DEPOSIT = "deposit", _("风险抵押金缴纳")
    DEPOSIT_RETURN = "deposit_return", _("风险抵押金返还")
    DEPOSIT_FORFEIT = "deposit_forfeit", _("风险抵押金没收")


class LedgerError(ValueError):
    """A ledger step that cannot be taken; ``field`` names what is wrong (bilingual message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# The only columns a saved entry may change, and only through the services.
MUTABLE_FIELDS = frozenset(
    {"status", "approved_by", "approved_at", "paid_on", "paid_by", "voucher"}
)


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def delete(self) -> NoReturn:  # type: ignore[override]
        raise LedgerError(
            "entry", "台账记录不能删除，请冲销 / ledger entries are never deleted: reverse them"
        )


class LedgerEntry(models.Model):
    run = models.ForeignKey(
        "assessments.AssessmentRun",
        verbose_name=_("考核计算"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        help_text=_("金额所依据的已发布考核结果"),
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    person = models.ForeignKey(
        "orgunits.Official",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        help_text=_("为空表示单位本身"),
    )
    role = models.CharField(
        verbose_name=_("身份"),
        max_length=50,
        blank=True,
        help_text=_("责任人的身份代码，如 stationed_cadre；单位本身为 unit"),
    )
    kind = models.CharField(
        verbose_name=_("类别"),
        max_length=20,
        choices=MoneyKind.choices,
    )
    rule = models.CharField(
        verbose_name=_("规则代码"),
        max_length=50,
    )
    amount = models.DecimalField(
        verbose_name=_("金额（元）"),
        max_digits=14,
        decimal_places=2,
        help_text=_("正数付给单位或个人，负数由其缴纳"),
    )
    figures = models.JSONField(
        verbose_name=_("计算依据"),
        default=dict,
        blank=True,
        help_text=_("计算所用的数值，如等次、总分、人口、件数"),
    )
    explanation_zh = models.TextField(
        verbose_name=_("说明"),
    )
    explanation_en = models.TextField(
        verbose_name=_("说明（英文）"),
        blank=True,
    )
    sort_order = models.PositiveIntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    status = models.CharField(
        verbose_name=_("状态"),
        max_length=20,
        choices=EntryStatus.choices,
        default=EntryStatus.COMPUTED,
        db_index=True,
    )
    approved_by = models.CharField(
        verbose_name=_("审核人"),
        max_length=150,
        blank=True,
    )
    approved_at = models.DateTimeField(
        verbose_name=_("审核时间"),
        null=True,
        blank=True,
    )
    paid_on = models.DateField(
        verbose_name=_("兑现日期"),
        null=True,
        blank=True,
        help_text=_("付出或收缴的日期"),
    )
    paid_by = models.CharField(
        verbose_name=_("兑现登记人"),
        max_length=150,
        blank=True,
    )
    voucher = models.CharField(
        verbose_name=_("凭证号"),
        max_length=100,
        blank=True,
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text=_("冲销记录指向被冲销的记录，金额相反"),
    )
    reason = models.TextField(
        verbose_name=_("冲销原因"),
        blank=True,
    )
    created_at = models.DateTimeField(
        verbose_name=_("创建时间"),
        auto_now_add=True,
    )
    created_by = models.CharField(
        verbose_name=_("创建人"),
        max_length=150,
        blank=True,
    )

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖惩兑现记录")
        verbose_name_plural = _("奖惩兑现记录")
        ordering = ["run", "sort_order", "id"]
        indexes = [
            models.Index(fields=["run", "unit"], name="ledger_run_unit_idx"),
            models.Index(fields=["run", "status"], name="ledger_run_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["computed", "approved", "paid", "reversed"],
                ),
                name="ledger_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A saved entry changes only its status and the facts of approving and paying it: the
        # services name the columns they write, and anything else is refused here.
        if self.pk is not None and not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= MUTABLE_FIELDS:
                raise LedgerError(
                    "entry",
                    "台账记录的金额、对象、类别、规则和说明创建后不能修改 / an entry's amount, "
                    "payee, kind, rule and explanation never change once created",
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise LedgerError(
            "entry", "台账记录不能删除，请冲销 / ledger entries are never deleted: reverse them"
        )

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def collects(self) -> bool:
        """Whether settling this entry means collecting money (a penalty, a fine, a deposit)."""
        return self.amount < 0
