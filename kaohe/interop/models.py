"""Exchange with DHIS2-style systems: external identifiers, how disaggregations fold into
Kaohe's elements, and the record of every data value import."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: DHIS2's identifiers: a letter, then ten letters or digits.
UID_PATTERN = r"^[A-Za-z][A-Za-z0-9]{10}$"
uid_validator = RegexValidator(
    UID_PATTERN,
    _("须为 11 位：字母开头，其后为字母或数字 / 11 characters: a letter, then letters or digits"),
)


class ExternalKind(models.TextChoices):
    ELEMENT = "element", _("数据元素")
    UNIT = "unit", _("组织单位")
    DATASET = "dataset", _("数据集")


class ExternalId(models.Model):
    """The identifier another system (a county's DHIS2) gives one element, unit or data set,
    used when an exchange names things by ``uid``."""

    kind = models.CharField(
        verbose_name=_("对象类型"),
        max_length=10,
        choices=ExternalKind.choices,
    )
    element = models.OneToOneField(
        "elements.DataElement",
        verbose_name=_("数据元素"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="external_id",
    )
    unit = models.OneToOneField(
        "orgunits.OrgUnit",
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="external_id",
    )
    dataset = models.OneToOneField(
        "elements.DataSet",
        verbose_name=_("数据集"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="external_id",
    )
    uid = models.CharField(
        verbose_name=_("外部标识"),
        max_length=11,
        validators=[uid_validator],
        help_text=_("对方系统（如县级 DHIS2）的 11 位标识，如 DUSpd8Jq3M7"),
    )

    class Meta:
        verbose_name = _("外部标识")
        verbose_name_plural = _("外部标识")
        ordering = ["kind", "uid"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "uid"], name="externalid_kind_uid_unique"),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="element",
                        element__isnull=False,
                        unit__isnull=True,
                        dataset__isnull=True,
                    )
                    | Q(kind="unit", element__isnull=True, unit__isnull=False, dataset__isnull=True)
                    | Q(
                        kind="dataset",
                        element__isnull=True,
                        unit__isnull=True,
                        dataset__isnull=False,
                    )
                ),
                name="externalid_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.target_code}={self.uid}"

    @property
    def target_code(self) -> str:
        target = self.element or self.unit or self.dataset
        return target.code if target is not None else ""


class CategoryComboMapping(models.Model):
    """How an incoming disaggregation folds into a Kaohe element.

    A value whose data element is ``source_element`` (as the file names it; empty: any element)
    and whose category option combination is ``combo`` (CSV, JSON) or whose category attributes
    are ``adx_options`` (ADX, ``SEX=MALE``) is stored under ``element`` (empty: the element the
    file names). Several combinations mapped to one element are summed (births under 1 and
    1–4 into one count); an export writes a value back under its combination when exactly one
    mapping with a source element leads to its element.
    """

    source_element = models.CharField(
        verbose_name=_("来源数据元素"),
        max_length=100,
        blank=True,
        help_text=_("对方文件中的数据元素标识；留空表示任何数据元素"),
    )
    combo = models.CharField(
        verbose_name=_("分类选项组合"),
        max_length=100,
        blank=True,
        help_text=_("CSV、JSON 中的 categoryOptionCombo，如 male 或 DHIS2 的 11 位标识"),
    )
    adx_options = models.CharField(
        verbose_name=_("ADX 分类属性"),
        max_length=300,
        blank=True,
        help_text=_("ADX 数据值上的分类属性，如 SEX=MALE；多个用分号隔开"),
    )
    element = models.ForeignKey(
        "elements.DataElement",
        verbose_name=_("考核数据元素"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("值存入的数据元素；留空表示存入文件所指的数据元素本身"),
    )
    note = models.CharField(
        verbose_name=_("说明"),
        max_length=200,
        blank=True,
    )

    class Meta:
        verbose_name = _("分解映射")
        verbose_name_plural = _("分解映射")
        ordering = ["source_element", "combo", "adx_options"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_element", "combo"],
                condition=~Q(combo=""),
                name="combomapping_combo_unique",
            ),
            models.UniqueConstraint(
                fields=["source_element", "adx_options"],
                condition=~Q(adx_options=""),
                name="combomapping_adx_unique",
            ),
            models.CheckConstraint(
                condition=~Q(combo="") | ~Q(adx_options=""),
                name="combomapping_has_a_combo",
            ),
        ]

    def __str__(self) -> str:
        source = self.source_element or "*"
        combo = self.combo or self.adx_options
        target = self.element.code if self.element is not None else source
        return f"{source}/{combo} → {target}"


class ValueImport(models.Model):
    """One import of a data value set that wrote something (dry runs and refused imports write
    nothing): who, how, the file's digest, and DHIS2's counts. Its audit row names it."""

    created_at = models.DateTimeField(
        verbose_name=_("导入时间"),
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
    )
    channel = models.CharField(
        verbose_name=_("渠道"),
        max_length=16,
    )
    file_name = models.CharField(
        verbose_name=_("文件名"),
        max_length=255,
        blank=True,
    )
    file_size = models.BigIntegerField(
        verbose_name=_("文件大小（字节）"),
        default=0,
    )
    digest = models.CharField(
        verbose_name=_("文件摘要（SHA-256）"),
        max_length=64,
    )
    fmt = models.CharField(
        verbose_name=_("格式"),
        max_length=8,
    )
    options = models.JSONField(
        verbose_name=_("导入选项"),
        default=dict,
    )
    total = models.IntegerField(
        verbose_name=_("数据值条数"),
        default=0,
    )
    imported = models.IntegerField(
        verbose_name=_("新增"),
        default=0,
    )
    updated = models.IntegerField(
        verbose_name=_("更新"),
        default=0,
    )
    ignored = models.IntegerField(
        verbose_name=_("忽略"),
        default=0,
    )
    deleted = models.IntegerField(
        verbose_name=_("删除"),
        default=0,
    )
    conflicts = models.IntegerField(
        verbose_name=_("冲突"),
        default=0,
        help_text=_("部分导入（atomicMode=NONE）时跳过的数据值"),
    )
    summary = models.JSONField(
        verbose_name=_("导入摘要"),
        default=dict,
        help_text=_("DHIS2 格式的导入摘要（冲突最多保留前 100 条）"),
    )

    class Meta:
        verbose_name = _("数据值导入")
        verbose_name_plural = _("数据值导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.fmt} {self.total}"


class ChangeAction(models.IntegerChoices):
    CREATE = 1, _("新增")
    UPDATE = 2, _("更新")
    DELETE = 3, _("删除")


class ValueChange(models.Model):
    """One value an import created, changed or deleted, before and after: the per-value trace
    behind the import's single audit row. Written in bulk, so it refers to the element, period
    and unit by id without database constraints (it outlives them).

    Nor does the database check each row's import: the only writer is one ``INSERT … SELECT``
    that takes the id of the import row it has just created in the same transaction, and an
    import record is never deleted (``PROTECT`` still refuses it in Django). A foreign key
    constraint would check the same row again for every value, a third of the time a large
    import spends writing (interop migration 0002)."""

    value_import = models.ForeignKey(
        ValueImport,
        verbose_name=_("导入"),
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="changes",
    )
    action = models.PositiveSmallIntegerField(
        verbose_name=_("操作"),
        choices=ChangeAction.choices,
    )
    element = models.ForeignKey(
        "elements.DataElement",
        verbose_name=_("数据元素"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    period = models.ForeignKey(
        "datavalues.Period",
        verbose_name=_("期间"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    value_before = models.DecimalField(
        verbose_name=_("修改前的值"),
        max_digits=20,
        decimal_places=6,
        null=True,
    )
    value_after = models.DecimalField(
        verbose_name=_("修改后的值"),
        max_digits=20,
        decimal_places=6,
        null=True,
    )
    comment_before = models.CharField(
        verbose_name=_("修改前的备注"),
        max_length=500,
        blank=True,
        default="",
    )
    comment_after = models.CharField(
        verbose_name=_("修改后的备注"),
        max_length=500,
        blank=True,
        default="",
    )
    follow_up_before = models.BooleanField(
        verbose_name=_("修改前需跟进"),
        null=True,
    )
    follow_up_after = models.BooleanField(
        verbose_name=_("修改后需跟进"),
        null=True,
    )

    class Meta:
        verbose_name = _("导入的数据值变更")
        verbose_name_plural = _("导入的数据值变更")
        ordering = ["value_import", "id"]

    def __str__(self) -> str:
        return f"{self.value_import_id}:{self.get_action_display()} {self.element_id}/{self.period_id}/{self.unit_id}"
