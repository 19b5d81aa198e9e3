"""The forms of the appeal pages: filtering the list, filing an appeal, deciding one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaohe.assessments.models import AssessmentRun

from .models import Appeal, AppealStatus
from .selectors import MAX_TEXT


class AppealFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *AppealStatus.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    run = forms.TypedChoiceField(
        label=_("考核结果"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, data: Mapping[str, Any] | None, *, runs: Iterable[AssessmentRun]) -> None:
        """``runs``: the runs the user may see that have appeals."""
        super().__init__(data)
        field = self.fields["run"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("全部")), *((r.pk, run_label(r)) for r in runs)]

    def filter(self, appeals: QuerySet[Appeal]) -> QuerySet[Appeal]:
        """``appeals`` narrowed by the fields that were filled in and are valid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("status"):
            appeals = appeals.filter(status=data["status"])
        if data.get("run"):
            appeals = appeals.filter(run_id=data["run"])
        return appeals

    def values(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: str(data.get(name) or "") for name in ("status", "run")}


def run_label(run: AssessmentRun) -> str:
    """How a run is named in lists: its scheme, period and number."""
    return f"{run.scheme.name} · {run.period_code} · #{run.pk}"


class FileAppealForm(forms.Form):
    item_code = forms.ChoiceField(
        label=_("申诉项目"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # Not required here: the service refuses empty reasons with its own bilingual message.
    reasons = forms.CharField(
        label=_("申诉理由"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 5}),
        help_text=_("说明哪项数据或计算有误、正确的应是多少，以及依据（台账、凭证等）"),
    )

    def __init__(
        self, data: Mapping[str, Any] | None, *, items: Iterable[tuple[str, str]], initial_item: str
    ) -> None:
        super().__init__(data, initial={"item_code": initial_item})
        field = self.fields["item_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("整体结果（总分、等次）")), *((c, f"{n}（{c}）") for c, n in items)]
