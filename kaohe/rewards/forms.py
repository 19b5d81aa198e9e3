"""Forms of the money pages: settling an entry, reversing one, and the ledger's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import EntryStatus, MoneyKind
from .services import MAX_REASON, MAX_VOUCHER


class PayForm(forms.Form):
    paid_on = forms.DateField(
        label=gettext_lazy("兑现日期"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    voucher = forms.CharField(
        label=gettext_lazy("凭证号"),
        max_length=MAX_VOUCHER,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("凭证金额（元）"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=gettext_lazy("可不填；填写时须与记录金额一致：付出记正数，收缴记负数"),
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm", "step": "0.01"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"paid_on": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("冲销原因"),
        max_length=MAX_REASON,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class FilterForm(forms.Form):
    """The ledger's filters; the unit and person choices are those of the run's entries the
    user sees."""

    unit = forms.ChoiceField(label=gettext_lazy("单位"), required=False)
    person = forms.ChoiceField(label=gettext_lazy("责任人"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[str, str]],
        persons: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", gettext_lazy("全部"))]
        self.fields["unit"].choices = everything + units  # type: ignore[attr-defined]
        self.fields["person"].choices = (  # type: ignore[attr-defined]
            everything + [("-", gettext_lazy("单位本身"))] + persons
        )
        self.fields["kind"].choices = everything + list(MoneyKind.choices)  # type: ignore[attr-defined]
        self.fields["status"].choices = everything + list(EntryStatus.choices)  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
