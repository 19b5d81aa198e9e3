"""The forms of the cross-check pages. They only collect what was typed: the checks are the
services' and selectors' own, whose refusals are filed beside the field they name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kaohe.elements.models import DataElement
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Indicator

from .errors import CheckError
from .models import Source

_SELECT = {"class": "form-select form-select-sm"}
_TEXT = {"class": "form-control form-control-sm"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class _AnyChoice(forms.ChoiceField):
    """A select whose value the service checks (a code outside the list is its refusal)."""

    def valid_value(self, value: Any) -> bool:
        return True


def _units(units: Sequence[OrgUnit]) -> list[tuple[str, str]]:
    if not units:
        return []
    top = min(u.depth for u in units)
    return [(u.code, "\u3000" * (u.depth - top) + u.name) for u in units]


class _ByServices(forms.Form):
    def file(self, error: CheckError, message: str) -> None:
        self.add_error(error.field if error.field in self.fields else None, message)


class EnterForm(_ByServices):
    """Which grid: a source, one of its elements, a period of its type, a township."""

    source = _AnyChoice(label=_("核查来源"), required=False, widget=forms.Select(attrs=_SELECT))
    element = _AnyChoice(label=_("数据元素"), required=False, widget=forms.Select(attrs=_SELECT))
    period = forms.CharField(
        label=_("期间"),
        required=False,
        help_text=_("如 2006（年）、200603（月）"),
        widget=forms.TextInput(attrs={**_TEXT, "size": 8}),
    )
    township = _AnyChoice(label=_("乡镇"), required=False, widget=forms.Select(attrs=_SELECT))

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        sources: Sequence[Source],
        townships: Sequence[OrgUnit],
        **kw: Any,
    ) -> None:
        super().__init__(data, **kw)
        self._choose("source", [(s.code, f"{s.name}（{s.code}）") for s in sources])
        elements = {e.code: e for s in sources for e in s.elements.all()}
        self._choose("element", [(c, f"{e.name}（{c}）") for c, e in sorted(elements.items())])
        self._choose("township", _units(townships))

    def _choose(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ReconcileForm(_ByServices):
    """Which reconciliation: an element (or an indicator's elements), a year, a unit."""

    element = _AnyChoice(label=_("数据元素"), required=False, widget=forms.Select(attrs=_SELECT))
    indicator = _AnyChoice(label=_("或按指标"), required=False, widget=forms.Select(attrs=_SELECT))
    year = forms.CharField(
        label=_("年度"),
        required=False,
        help_text=_("如 2006；统计年度写 2006Oct"),
        widget=forms.TextInput(attrs={**_TEXT, "size": 8}),
    )
    township = _AnyChoice(
        label=_("单位（含下级）"), required=False, widget=forms.Select(attrs=_SELECT)
    )

    def __init__(
        self, data: Mapping[str, Any] | None, *, units: Sequence[OrgUnit], **kw: Any
    ) -> None:
        super().__init__(data, **kw)
        elements = DataElement.objects.filter(sources__isnull=False).distinct().order_by("code")
        element = self.fields["element"]
        assert isinstance(element, forms.ChoiceField)
        element.choices = [("", "—"), *((e.code, f"{e.name}（{e.code}）") for e in elements)]
        indicator = self.fields["indicator"]
        assert isinstance(indicator, forms.ChoiceField)
        indicator.choices = [
            ("", "—"),
            *((i.code, f"{i.name}（{i.code}）") for i in Indicator.objects.order_by("code")),
        ]
        township = self.fields["township"]
        assert isinstance(township, forms.ChoiceField)
        township.choices = _units(units)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV 或 Excel（.xlsx）：source, element, period, unit, value[, comment]"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
            }
        ),
    )
    dry_run = forms.BooleanField(
        label=_("只检查，不写入"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in (".csv", ".txt", ".xlsx", ".xlsm"):
            raise forms.ValidationError(
                _("只接受 CSV 或 Excel（.xlsx）文件 / only CSV or Excel (.xlsx) files are accepted")
            )
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 20 MB / the file is larger than 20 MB"))
        return upload
