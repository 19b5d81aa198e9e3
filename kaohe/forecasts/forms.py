"""The forms of the forecasts page. They only collect what was typed: the checks are the
selectors' and services' own (:func:`~kaohe.forecasts.selectors.find_township`,
:func:`~kaohe.forecasts.services.parse_assumptions` …), whose refusals are shown beside the
field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaohe.orgunits.models import OrgUnit

from .errors import ForecastError
from .models import TownshipAssumptions
from .services import FIELDS

_SELECT = {"class": "form-select form-select-sm"}
_TEXT = {"class": "form-control form-control-sm"}


class _ByServices(forms.Form):
    def file(self, error: ForecastError) -> None:
        self.add_error(error.field if error.field in self.fields else None, str(error))


class _AnyChoice(forms.ChoiceField):
    """A select whose value the selector checks (a code outside the list is its refusal)."""

    def valid_value(self, value: Any) -> bool:
        return True


class ForecastQueryForm(_ByServices):
    township = _AnyChoice(label=_("乡镇"), required=False, widget=forms.Select(attrs=_SELECT))
    year = forms.CharField(
        label=_("基准年度"),
        required=False,
        help_text=_("预测从这一年的数据出发，预测其后各年；空：有数据的最近一年"),
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric", "size": 6}),
    )
    horizon = forms.ChoiceField(
        label=_("预测年数"),
        required=False,
        choices=[("", "—")] + [(str(n), str(n)) for n in range(1, 6)],
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, townships: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(t.code, t.name) for t in townships]  # type: ignore[attr-defined]


class AssumptionsForm(_ByServices):
    """The township's own assumptions; an empty field takes the configuration's default."""

    survival = forms.CharField(required=False, widget=forms.TextInput(attrs=_TEXT))
    net_migration = forms.CharField(required=False, widget=forms.TextInput(attrs=_TEXT))
    entrants = forms.CharField(required=False, widget=forms.TextInput(attrs=_TEXT))
    fertility_trend = forms.CharField(required=False, widget=forms.TextInput(attrs=_TEXT))
    low_factor = forms.CharField(required=False, widget=forms.TextInput(attrs=_TEXT))
    high_factor = forms.CharField(required=False, widget=forms.TextInput(attrs=_TEXT))
    note = forms.CharField(
        label=_("依据"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 2}),
    )

    def __init__(self, *args: Any, row: TownshipAssumptions | None = None, **kwargs: Any) -> None:
        if row is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {
                name: "" if getattr(row, name) is None else f"{getattr(row, name):g}"
                for name in FIELDS
            } | {"note": row.note}
        super().__init__(*args, **kwargs)
        for name in FIELDS:
            model_field = TownshipAssumptions._meta.get_field(name)
            self.fields[name].label = model_field.verbose_name
            self.fields[name].help_text = model_field.help_text
