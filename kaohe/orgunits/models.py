"""Organisation units (county → township → village / direct unit / department) and officials."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("镇")
    VILLAGE = "village", _("村")
    DIRECT_UNIT = "direct_unit", _("镇直单位")
    DEPARTMENT = "department", _("部门")


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def subtree(self, root: OrgUnit, include_root: bool = True) -> OrgUnitQuerySet:
        """All units under ``root``: one indexed prefix match on the materialised path."""
        qs = self.filter(path__startswith=root.path)
        return qs if include_root else qs.exclude(pk=root.pk)


class OrgUnit(models.Model):
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
        unique=True,
        help_text=_("稳定的代码，导入导出时用作标识"),
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
    kind = models.CharField(
        verbose_name=_("类型"),
        max_length=20,
        choices=UnitKind.choices,
        db_index=True,
        help_text=_("同类单位之间比较排名"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(
        verbose_name=_("路径"),
        max_length=1000,
        editable=False,
        help_text=_("由各级代码组成，用于快速查询下级单位"),
    )
    depth = models.PositiveSmallIntegerField(
        verbose_name=_("层级"),
        editable=False,
        default=0,
    )
    sort_order = models.IntegerField(
        verbose_name=_("排序"),
        default=0,
    )
    opening_date = models.DateField(
        verbose_name=_("设立日期"),
        null=True,
        blank=True,
    )
    closed_date = models.DateField(
        verbose_name=_("撤销日期"),
        null=True,
        blank=True,
    )

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="orgunit_path_idx", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args: object, **kwargs: object) -> None:
        # The path is derived from the parent's, so it is kept here rather than trusted from input.
        self.path = self.compute_path()
        self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id and self.parent else "/"
        return f"{prefix}{self.code}/"

    def is_open_during(self, start: object, end: object) -> bool:
        """Whether the unit existed at some point between two dates."""
        return (self.opening_date is None or self.opening_date <= end) and (  # type: ignore[operator]
            self.closed_date is None or self.closed_date >= start  # type: ignore[operator]
        )


class OfficialRole(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("村支书")
    DIRECTOR = "director", _("村主任")
    FP_OFFICER = "fp_officer", _("计生专干")
    STATIONED_CADRE = "stationed_cadre", _("包村干部")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    OTHER = "other", _("其他")


class Official(models.Model):
    """An official who signs contracts or receives rewards. Never a resident."""

    name = models.CharField(
        verbose_name=_("姓名"),
        max_length=50,
    )
    role = models.CharField(
        verbose_name=_("职务"),
        max_length=30,
        choices=OfficialRole.choices,
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="officials",
    )
    code = models.CharField(
        verbose_name=_("代码"),
        max_length=50,
        unique=True,
        help_text=_("稳定的代码，供导入和奖惩记录引用"),
    )
    active = models.BooleanField(
        verbose_name=_("在任"),
        default=True,
    )

    class Meta:
        verbose_name = _("责任人")
        verbose_name_plural = _("责任人")
        ordering = ["unit__path", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"
