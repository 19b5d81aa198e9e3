"""The forms of the validation pages: running the rules for a township's year, and narrowing
the results list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaohe.engine.periods import MAX_YEAR, MIN_YEAR
from kaohe.orgunits.models import OrgUnit

from .models import ResultStatus, RuleImportance, ValidationRule

_SELECT = {"class": "form-select form-select-sm"}


class RunForm(forms.Form):
    township = forms.ModelChoiceField(
        label=_("乡镇"),
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs=_SELECT),
    )
    year = forms.IntegerField(
        label=_("年度"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm", "style": "width:7rem"}
        ),
    )
    rule = forms.ModelChoiceField(
        label=_("规则"),
        queryset=ValidationRule.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("全部规则"),
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        townships: QuerySet[OrgUnit],
        rules: QuerySet[ValidationRule],
    ) -> None:
        super().__init__(data, initial={"year": timezone.localdate().year})
        township = self.fields["township"]
        assert isinstance(township, forms.ModelChoiceField)
        township.queryset = townships
        rule = self.fields["rule"]
        assert isinstance(rule, forms.ModelChoiceField)
        rule.queryset = rules


class ResultFilterForm(forms.Form):
    """Narrows a run's results; every field is optional and a bad value is ignored."""

    status = forms.ChoiceField(
        label=_("结果"),
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    importance = forms.ChoiceField(
        label=_("重要程度"),
        required=False,
        choices=[("", _("全部")), *RuleImportance.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    rule = forms.ChoiceField(label=_("规则"), required=False, widget=forms.Select(attrs=_SELECT))
    unit = forms.ChoiceField(label=_("单位"), required=False, widget=forms.Select(attrs=_SELECT))
    period = forms.ChoiceField(label=_("期间"), required=False, widget=forms.Select(attrs=_SELECT))
    follow_up = forms.ChoiceField(
        label=_("跟进"),
        required=False,
        choices=[("", _("全部")), ("1", _("已标记跟进")), ("0", _("未标记"))],
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        rules: Iterable[tuple[str, str]],
        units: Iterable[tuple[str, str]],
        periods: Iterable[str],
    ) -> None:
        super().__init__(data)
        choices: dict[str, list[tuple[str, Any]]] = {
            "status": [("", _("全部")), *ResultStatus.choices],
            "rule": [("", _("全部")), *rules],
            "unit": [("", _("全部")), *units],
            "period": [("", _("全部")), *((p, p) for p in periods)],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def values(self) -> dict[str, str]:
        """The filters that were given and are valid, by name."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: str(data[name]) for name in self.fields if data.get(name)}
