"""The forms of the data-quality pages. They only collect what was typed: the checks are the
services' own (:func:`kaohe.quality.outliers.parse_query` and the range services), whose
refusals are shown beside the field they name."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaohe.elements.models import DataElement
from kaohe.engine.outliers import DEFAULT_MIN_VALUES, DEFAULT_RANGE_K, OutlierMethod
from kaohe.engine.periods import PeriodType, period_containing
from kaohe.orgunits.models import OrgUnit

from .errors import QualityError
from .series import NUMERIC_TYPES

METHOD_CHOICES = [
    (OutlierMethod.MODIFIED_Z.value, _("修正 z 分数（中位数，默认）")),
    (OutlierMethod.IQR.value, _("四分位距（IQR）")),
    (OutlierMethod.MIN_MAX.value, _("最小–最大值范围")),
    (OutlierMethod.Z.value, _("z 分数（均值，不宜用于小数）")),
]

_SELECT = {"class": "form-select form-select-sm"}
_TEXT = {"class": "form-control form-control-sm"}


def default_window(today: date) -> tuple[str, str]:
    """The twelve months up to last month."""
    last = period_containing(today, PeriodType.MONTHLY).offset(-1)
    return last.offset(-11).code, last.code


def unit_choices(units: QuerySet[OrgUnit]) -> list[tuple[str, str]]:
    """Units in tree order, indented by depth."""
    rows = units.order_by("path").values_list("code", "name", "depth")
    if not rows:
        return []
    top = min(depth for _c, _n, depth in rows)
    return [(code, "\u3000" * (depth - top) + name) for code, name, depth in rows]


class _AnyChoice(forms.ChoiceField):
    """A select whose value the service checks (a code outside the list is its refusal)."""

    def valid_value(self, value: Any) -> bool:
        return True


class _AnyChoices(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


class _ByServices(forms.Form):
    """A form whose checks are a service's: ``check()`` runs it and files its refusal."""

    #: service field name → form field name
    FIELD_NAMES: Mapping[str, str] = {}

    def file(self, error: QualityError) -> None:
        name = self.FIELD_NAMES.get(error.field, error.field)
        self.add_error(name if name in self.fields else None, str(error))


class OutlierForm(_ByServices):
    township = _AnyChoice(
        label=_("单位（含下级）"), required=False, widget=forms.Select(attrs=_SELECT)
    )
    element = _AnyChoices(
        label=_("数据元素"),
        required=False,
        help_text=_("不选：全部数值型元素"),
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )
    method = _AnyChoice(
        label=_("方法"), choices=METHOD_CHOICES, required=False, widget=forms.Select(attrs=_SELECT)
    )
    threshold = forms.CharField(
        label=_("阈值"),
        required=False,
        help_text=_("修正 z 分数默认 3.5，IQR 默认 1.5，z 分数默认 3"),
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal", "size": 5}),
    )
    min_values = forms.CharField(
        label=_("最少值个数"),
        required=False,
        help_text=_("少于此数的序列不判断"),
        widget=forms.TextInput(
            attrs={**_TEXT, "inputmode": "numeric", "size": 4, "placeholder": DEFAULT_MIN_VALUES}
        ),
    )

    def __init__(self, data: Mapping[str, Any] | None, *, units: QuerySet[OrgUnit], **kw: Any):
        super().__init__(data, **kw)
        self.fields["from"] = forms.CharField(
            label=_("起始期间"), required=False, widget=forms.TextInput(attrs={**_TEXT, "size": 8})
        )
        self.fields["to"] = forms.CharField(
            label=_("截止期间"), required=False, widget=forms.TextInput(attrs={**_TEXT, "size": 8})
        )
        self.order_fields(["township", "element", "from", "to", "method", "threshold"])
        township = self.fields["township"]
        assert isinstance(township, _AnyChoice)
        township.choices = unit_choices(units)
        element = self.fields["element"]
        assert isinstance(element, _AnyChoices)
        numeric = DataElement.objects.filter(value_type__in=NUMERIC_TYPES).order_by("code")
        element.choices = [(e.code, f"{e.name}（{e.code}）") for e in numeric]


class GenerateForm(_ByServices):
    """Generating ranges from history: unit (and everything under it), elements, window, k."""

    township = _AnyChoice(
        label=_("单位（含下级）"), required=False, widget=forms.Select(attrs=_SELECT)
    )
    element = _AnyChoices(
        label=_("数据元素"),
        required=False,
        help_text=_("不选：全部数值型元素"),
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )
    k = forms.CharField(
        label=_("k（中位绝对偏差的倍数）"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "size": 4, "placeholder": f"{DEFAULT_RANGE_K:g}"}),
    )
    min_values = forms.CharField(
        label=_("最少值个数"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "size": 4, "placeholder": DEFAULT_MIN_VALUES}),
    )

    def __init__(self, data: Mapping[str, Any] | None, *, units: QuerySet[OrgUnit], **kw: Any):
        super().__init__(data, **kw)
        self.fields["from"] = forms.CharField(
            label=_("起始期间"), required=False, widget=forms.TextInput(attrs={**_TEXT, "size": 8})
        )
        self.fields["to"] = forms.CharField(
            label=_("截止期间"), required=False, widget=forms.TextInput(attrs={**_TEXT, "size": 8})
        )
        self.order_fields(["township", "element", "from", "to", "k", "min_values"])
        township = self.fields["township"]
        assert isinstance(township, _AnyChoice)
        township.choices = unit_choices(units)
        element = self.fields["element"]
        assert isinstance(element, _AnyChoices)
        numeric = DataElement.objects.filter(value_type__in=NUMERIC_TYPES).order_by("code")
        element.choices = [(e.code, f"{e.name}（{e.code}）") for e in numeric]


class RangeForm(_ByServices):
    """Setting one range by hand."""

    FIELD_NAMES = {"min": "min_value", "max": "max_value"}

    unit = _AnyChoice(label=_("单位"), required=False, widget=forms.Select(attrs=_SELECT))
    element = _AnyChoice(label=_("数据元素"), required=False, widget=forms.Select(attrs=_SELECT))
    min_value = forms.CharField(
        label=_("最小值"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal", "size": 6}),
    )
    max_value = forms.CharField(
        label=_("最大值"),
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal", "size": 6}),
    )

    def __init__(self, data: Mapping[str, Any] | None, *, units: QuerySet[OrgUnit], **kw: Any):
        super().__init__(data, **kw)
        unit = self.fields["unit"]
        assert isinstance(unit, _AnyChoice)
        unit.choices = unit_choices(units)
        element = self.fields["element"]
        assert isinstance(element, forms.ChoiceField)
        numeric = DataElement.objects.filter(value_type__in=NUMERIC_TYPES).order_by("code")
        element.choices = [(e.code, f"{e.name}（{e.code}）") for e in numeric]
