"""Forms of the remediation pages: designating a run, a plan's five fixes, a progress entry and
an acceptance check. They check the shape of the input; the services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import Designation, Outcome
from .selectors import designatable_runs, plan_candidates

_TEXT = {"class": "form-control form-control-sm"}
_DATE = {"type": "date", "class": "form-control form-control-sm"}


class DesignateForm(forms.Form):
    run = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("已发布的考核结果"), empty_label=None
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["run"]
        field.queryset = designatable_runs(user)  # type: ignore[attr-defined]
        field.label_from_instance = (  # type: ignore[attr-defined]
            lambda r: (
                f"{r.year} · {r.scheme.name} · #{r.pk}" + (f" · {r.root.name}" if r.root else "")
            )
        )
        field.widget.attrs["class"] = "form-select form-select-sm"


def _official_label(official: Any) -> str:
    return f"{official.name}（{official.get_role_display()}，{official.unit.name}）"


class PlanForm(forms.Form):
    """The five fixes (五定)."""

    leader = forms.ModelChoiceField(
        queryset=None,
        label=gettext_lazy("定领导：包抓领导"),
        to_field_name="code",
    )
    staff = forms.ModelMultipleChoiceField(
        queryset=None,
        label=gettext_lazy("定人员：帮扶人员"),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    responsibilities = forms.CharField(
        label=gettext_lazy("定责任：帮促责任"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
    )
    deadline = forms.DateField(
        label=gettext_lazy("定时间：完成时限"),
        widget=forms.DateInput(attrs=_DATE),
    )
    rewards_penalties = forms.CharField(
        label=gettext_lazy("定奖惩：奖惩办法"),
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
    )
    shares_outcome = forms.BooleanField(
        label=gettext_lazy("帮扶人员与该单位同奖同罚"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, designation: Designation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = plan_candidates(designation)
        for name in ("leader", "staff"):
            field = self.fields[name]
            field.queryset = candidates  # type: ignore[attr-defined]
            field.label_from_instance = _official_label  # type: ignore[attr-defined]
        self.fields["leader"].widget.attrs["class"] = "form-select form-select-sm"


class ProgressForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs=_DATE))
    text = forms.CharField(
        label=gettext_lazy("进展情况"), widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)


class AcceptForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("验收日期"), widget=forms.DateInput(attrs=_DATE))
    outcome = forms.ChoiceField(
        label=gettext_lazy("验收结论"),
        choices=Outcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    findings = forms.CharField(
        label=gettext_lazy("验收意见"), widget=forms.Textarea(attrs={**_TEXT, "rows": 2})
    )
    new_deadline = forms.DateField(
        label=gettext_lazy("新的完成时限（继续整改时必填）"),
        required=False,
        widget=forms.DateInput(attrs=_DATE),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate().isoformat()})
        super().__init__(*args, **kwargs)
