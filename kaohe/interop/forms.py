"""Forms of the exchange pages: import, export, and the mappings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaohe.elements.models import DataElement, DataSet
from kaohe.orgunits.models import OrgUnit

from .models import ExternalKind
from .options import AtomicMode, IdScheme, Strategy

FORMAT_CHOICES = [
    ("auto", _("自动识别")),
    ("csv", "CSV"),
    ("json", "JSON"),
    ("adx", "ADX XML"),
]
SCHEME_CHOICES = [
    (IdScheme.CODE.value, _("代码（code）")),
    (IdScheme.NAME.value, _("名称（name）")),
    (IdScheme.UID.value, _("外部标识（uid）")),
]
STRATEGY_CHOICES = [
    (Strategy.CREATE_AND_UPDATE.value, _("新增和更新（CREATE_AND_UPDATE）")),
    (Strategy.CREATE.value, _("只新增（CREATE）")),
    (Strategy.UPDATE.value, _("只更新（UPDATE）")),
    (Strategy.DELETE.value, _("删除（DELETE）")),
]
ATOMIC_CHOICES = [
    (AtomicMode.ALL.value, _("全部或全不（ALL）：有冲突则不导入")),
    (AtomicMode.NONE.value, _("部分导入（NONE）：跳过有冲突的数据值")),
]


def _small(field: forms.Field) -> forms.Field:
    css = (
        "form-check-input"
        if isinstance(field.widget, forms.CheckboxInput)
        else (
            "form-select form-select-sm"
            if isinstance(field.widget, forms.Select)
            else "form-control form-control-sm"
        )
    )
    field.widget.attrs.setdefault("class", css)
    return field


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("数据值集文件"),
        help_text=_("DHIS2 数据值集：CSV、JSON（单表或批量）或 ADX XML"),
    )
    fmt = forms.ChoiceField(label=_("格式"), choices=FORMAT_CHOICES, initial="auto")
    strategy = forms.ChoiceField(
        label=_("导入方式"), choices=STRATEGY_CHOICES, initial=Strategy.CREATE_AND_UPDATE.value
    )
    id_scheme = forms.ChoiceField(
        label=_("标识方式"), choices=SCHEME_CHOICES, initial=IdScheme.CODE.value
    )
    atomic_mode = forms.ChoiceField(
        label=_("有冲突时"), choices=ATOMIC_CHOICES, initial=AtomicMode.ALL.value
    )
    dry_run = forms.BooleanField(label=_("试运行（只检查，不写入）"), required=False)
    delete_empty = forms.BooleanField(label=_("空值即删除已存的值"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _small(field)


class ExportForm(forms.Form):
    township = forms.ChoiceField(label=_("单位（含下级）"))
    start = forms.CharField(
        label=_("起始期间"), max_length=20, help_text=_("DHIS2 期间代码，如 202601、2026Q1、2026")
    )
    end = forms.CharField(label=_("结束期间"), max_length=20)
    dataset = forms.MultipleChoiceField(label=_("数据集"), required=False)
    elements = forms.CharField(
        label=_("数据元素代码"),
        required=False,
        help_text=_("不选数据集时可填，逗号分隔；都不填则导出全部数据元素"),
    )
    fmt = forms.ChoiceField(label=_("格式"), choices=FORMAT_CHOICES[1:], initial="csv")
    id_scheme = forms.ChoiceField(
        label=_("标识方式"), choices=SCHEME_CHOICES, initial=IdScheme.CODE.value
    )

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [  # type: ignore[attr-defined]
            (u.code, f"{u.name}（{u.code}）") for u in units.order_by("depth", "path")[:500]
        ]
        self.fields["dataset"].choices = [  # type: ignore[attr-defined]
            (d.code, f"{d.name}（{d.code}）") for d in DataSet.objects.order_by("code")
        ]
        for field in self.fields.values():
            _small(field)


class ExternalIdForm(forms.Form):
    kind = forms.ChoiceField(label=_("对象类型"), choices=ExternalKind.choices)
    code = forms.CharField(label=_("考核代码"), max_length=50)
    uid = forms.CharField(label=_("外部标识"), max_length=11, min_length=11)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _small(field)


class ComboForm(forms.Form):
    source_element = forms.CharField(label=_("来源数据元素"), max_length=100, required=False)
    combo = forms.CharField(label=_("分类选项组合"), max_length=100, required=False)
    adx = forms.CharField(label=_("ADX 分类属性"), max_length=300, required=False)
    element = forms.ChoiceField(label=_("考核数据元素"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = [("", _("（文件所指的数据元素）"))] + [  # type: ignore[attr-defined]
            (code, f"{name}（{code}）")
            for code, name in DataElement.objects.order_by("code").values_list("code", "name")
        ]
        for field in self.fields.values():
            _small(field)


class MappingsUploadForm(forms.Form):
    file = forms.FileField(label=_("映射文件（YAML）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _small(self.fields["file"])
