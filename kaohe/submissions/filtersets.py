"""Filtering submissions by data set, period and status (the queue page and the API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaohe.elements.models import DataSet

from .models import Status, Submission

#: What the queue shows before anything is chosen: the submissions waiting for review.
DEFAULT_STATUS = Status.SUBMITTED.value


class QueueFilterForm(forms.Form):
    dataset = forms.ChoiceField(
        label=_("数据集"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    period = forms.CharField(
        label=_("期间"),
        required=False,
        max_length=20,
        help_text=_("期间代码，如 202601"),
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "202601"}),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *Status.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        datasets: QuerySet[DataSet],
        default_status: str = DEFAULT_STATUS,
        **kwargs: Any,
    ) -> None:
        """``datasets``: the data sets the user may see. With no ``status`` in ``data`` the
        form asks for ``default_status`` (a reviewer: what waits for review; a reporter: all
        of their own, so a returned submission is in sight)."""
        params = dict(data.items()) if data is not None else {}
        params.setdefault("status", default_status)
        super().__init__(params, **kwargs)
        field = self.fields["dataset"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部")), *((d.code, d.name) for d in datasets.order_by("code"))]

    def filter(self, submissions: QuerySet[Submission]) -> QuerySet[Submission]:
        """``submissions`` narrowed by the fields that were filled in and are valid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("dataset"):
            submissions = submissions.filter(dataset__code=data["dataset"])
        if data.get("period"):
            submissions = submissions.filter(period__code=data["period"].strip())
        if data.get("status"):
            submissions = submissions.filter(status=data["status"])
        return submissions

    def values(self) -> dict[str, str]:
        """The chosen filters, to carry through a POST back to the same queue."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: str(data.get(name) or "") for name in ("dataset", "period", "status")}
