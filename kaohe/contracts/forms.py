"""Forms of the contract pages: choosing a township's table, generating, signing, a
signatory, and the posted targets (one input per item, ``t:ITEM`` on the grid and ``a:ITEM`` on
the amendment form)."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .roles import MAX_LABEL
from .selectors import TargetRow, published_schemes, townships_for

TARGET_PREFIX = "t:"
AMEND_PREFIX = "a:"


class ChooseForm(forms.Form):
    """Which scheme, year and township the table shows; also what ``generate`` posts."""

    scheme = forms.ModelChoiceField(queryset=None, label=gettext_lazy("考核方案"), empty_label=None)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=1990, max_value=2100)
    township = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("乡镇"), to_field_name="code", empty_label=None
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = published_schemes(user)  # type: ignore[attr-defined]
        self.fields["township"].queryset = townships_for(user).order_by("path")  # type: ignore[attr-defined]
        self.fields["scheme"].label_from_instance = (  # type: ignore[attr-defined]
            lambda s: f"{s.name}（{s.code} v{s.version}）"
        )
        self.fields["township"].label_from_instance = lambda u: u.name  # type: ignore[attr-defined]
        for name in self.fields:
            self.fields[name].widget.attrs["class"] = (
                "form-select form-select-sm" if name != "year" else "form-control form-control-sm"
            )


class SignForm(forms.Form):
    signed_on = forms.DateField(
        label=gettext_lazy("签订日期"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"signed_on": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)


class SignatoryForm(forms.Form):
    """An official (by code: the page offers the unit's officials and its township's
    stationed cadres) and the label they sign with."""

    official = forms.CharField(label=gettext_lazy("责任人"), max_length=50)
    role = forms.CharField(
        label=gettext_lazy("签订身份"),
        required=False,
        max_length=MAX_LABEL,
        help_text=gettext_lazy("留空则按方案配置的身份，如：村支书"),
    )


class AmendForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("修订原因"),
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        required=False,
    )
    signed_on = forms.DateField(
        label=gettext_lazy("签订日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


def parse_number(text: str) -> float:
    """A typed target as a number; ValueError (bilingual) when it is not one."""
    try:
        value = float(text.strip().replace(",", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(
            _("“{text}” 不是数字 / “{text}” is not a number").format(text=text.strip())
        )
    return value


def read_targets(
    data: QueryDict, rows: list[TargetRow], prefix: str, *, only_changed: bool = False
) -> dict[str, float]:
    """The numbers posted for ``rows`` (item code → value); a row's typed text and its problem
    are kept on it. Left empty, an item keeps its target; ``only_changed`` also leaves out
    values equal to the stored ones (an amendment lists what it changes)."""
    values: dict[str, float] = {}
    for row in rows:
        name = f"{prefix}{row.item.code}"
        if name not in data:
            continue
        row.text = data.get(name, "").strip()
        if not row.text:
            continue
        try:
            value = parse_number(row.text)
        except ValueError as error:
            row.error = str(error)
            continue
        if only_changed and row.value is not None and value == row.value:
            continue
        values[row.item.code] = value
    return values
