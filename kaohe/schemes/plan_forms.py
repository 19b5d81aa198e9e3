"""Forms of the birth-plan page: which plan (scheme, year, township), how to allocate it (method,
cap), and the quotas adjusted by hand in the table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.engine.allocation import AllocationMethod
from kaohe.orgunits.models import OrgUnit

from .models import Scheme
from .plan_selectors import METHOD_LABELS, plan_schemes, visible_townships

# The year before last must exist for the average population (periods run from 1900).
FIRST_YEAR = 1902
LAST_YEAR = 2999
ADJUST_PREFIX = "adj-"
MAX_REASON = 500


class SchemeChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code} v{obj.version}）"


class PlanForm(forms.Form):
    """The plan chosen and how to allocate it. Scheme, year and township pick the plan (enough
    to show a stored one); a method and one form of the cap allocate it."""

    scheme = SchemeChoice(
        label=gettext_lazy("考核方案"),
        queryset=Scheme.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    year = forms.IntegerField(
        label=gettext_lazy("计划年度"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    township = forms.ModelChoiceField(
        label=gettext_lazy("乡镇"),
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    method = forms.ChoiceField(
        label=gettext_lazy("分解方法"),
        required=False,
        choices=list(METHOD_LABELS.items()),
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    cap_births = forms.IntegerField(
        label=gettext_lazy("出生控制数（人）"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "form-control num"}),
    )
    rate_per_mille = forms.DecimalField(
        label=gettext_lazy("或 出生率控制指标（‰）"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(1000),
        max_digits=8,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"class": "form-control num", "step": "0.001"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        scheme_field = self.fields["scheme"]
        township_field = self.fields["township"]
        assert isinstance(scheme_field, forms.ModelChoiceField)
        assert isinstance(township_field, forms.ModelChoiceField)
        scheme_field.queryset = plan_schemes(user)
        township_field.queryset = visible_townships(user)
        if not self.is_bound:
            # Offer the first scheme and township and the commonest method until one is chosen.
            scheme = scheme_field.queryset.first()
            township = township_field.queryset.first()
            if scheme is not None:
                self.initial.setdefault("scheme", scheme.pk)
            if township is not None:
                self.initial.setdefault("township", township.code)
            self.initial.setdefault("method", AllocationMethod.POPULATION.value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("cap_births") is not None and data.get("rate_per_mille") is not None:
            self.add_error(
                "cap_births",
                _(
                    "出生控制数和出生率控制指标只能填一个 / give the cap in births or as a rate, not both"
                ),
            )
        return data

    @property
    def chosen(self) -> bool:
        """Whether a plan is picked (scheme, year and township valid)."""
        return self.is_bound and all(
            name not in self.errors and self.cleaned_data.get(name) is not None
            for name in ("scheme", "year", "township")
        )

    @property
    def allocates(self) -> bool:
        """Whether the form asks for an allocation (a valid method and a cap)."""
        if not self.is_valid():
            return False
        data = self.cleaned_data
        has_cap = data.get("cap_births") is not None or data.get("rate_per_mille") is not None
        return bool(data.get("method")) and has_cap

    def allocation_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "township": data["township"],
            "method": AllocationMethod(data["method"]),
            "cap_births": data.get("cap_births"),
            "rate_per_mille": data.get("rate_per_mille"),
        }


@dataclass
class Adjustments:
    """The adjusted quotas typed in the table, and the inputs that are not whole numbers."""

    values: dict[str, int] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_adjustments(data: Mapping[str, Any]) -> Adjustments:
    """The ``adj-UNIT`` inputs posted with the table; empty ones are left to the allocation."""
    result = Adjustments()
    for key in data:
        if not key.startswith(ADJUST_PREFIX):
            continue
        unit = key.removeprefix(ADJUST_PREFIX)
        text = str(data.get(key, "")).strip()
        if not unit or not text:
            continue
        result.typed[unit] = text
        try:
            result.values[unit] = int(text)
        except ValueError:
            result.errors[unit] = _(
                "{unit}：调整后的计划数应为整数 / {unit}: the adjusted quota must be a whole number"
            ).format(unit=unit)
    return result


def read_reason(data: Mapping[str, Any]) -> str:
    return str(data.get("reason", ""))[:MAX_REASON]
