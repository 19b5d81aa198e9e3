"""Filtering the audit log by date range, actor, action, object and channel (page and API)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Channel


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    date_to = forms.DateField(
        label=_("结束日期"),
        required=False,
        help_text=_("含当天"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    actor = forms.CharField(
        label=_("操作人"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    action = forms.CharField(
        label=_("操作"),
        required=False,
        max_length=64,
        help_text=_("按开头匹配，如 user. 或 datavalue."),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    object_type = forms.ChoiceField(
        label=_("对象类型"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    object_key = forms.CharField(
        label=_("对象"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    channel = forms.ChoiceField(
        label=_("渠道"),
        required=False,
        choices=[("", _("全部")), *Channel.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, entries: QuerySet[AuditEntry], **kwargs: Any) -> None:
        """``entries``: the rows the reader may see; the object types offered come from them."""
        super().__init__(*args, **kwargs)
        types = entries.order_by("object_type").values_list("object_type", flat=True).distinct()
        field = self.fields["object_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部")), *((t, t) for t in types)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期早于开始日期"))
        return cleaned

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by the fields that were filled in and are valid."""
        if not self.is_bound:
            return entries
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("date_from"):
            entries = entries.filter(at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            entries = entries.filter(at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        if data.get("actor"):
            entries = entries.filter(actor__icontains=data["actor"])
        if data.get("action"):
            entries = entries.filter(action__istartswith=data["action"])
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        if data.get("object_key"):
            entries = entries.filter(object_key__icontains=data["object_key"])
        if data.get("channel"):
            entries = entries.filter(channel=data["channel"])
        return entries
