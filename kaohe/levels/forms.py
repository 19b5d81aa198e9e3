"""The forms of the levels pages: taking a metadata export in, and pushing figures upward."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaohe.orgunits.models import OrgUnit

from .push import DEFAULT_BATCH, MAX_BATCH

_SELECT = {"class": "form-select form-select-sm"}
_TEXT = {"class": "form-control form-control-sm"}
_CHECK = {"class": "form-check-input"}
MAX_UPLOAD = 50 * 1024 * 1024


class MetadataImportForm(forms.Form):
    file = forms.FileField(
        label=_("元数据文件"),
        help_text=_("导出的 YAML 或 JSON 文件，或任何配置包"),
        widget=forms.ClearableFileInput(attrs={**_TEXT, "accept": ".yaml,.yml,.json"}),
    )
    dry_run = forms.BooleanField(
        label=_("只检查，不保存"),
        required=False,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )
    allow_moves = forms.BooleanField(
        label=_("允许把已有单位移到另一上级下"),
        required=False,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )

    def clean_file(self) -> str:
        """The file's text (UTF-8)."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件超过 50 MB / the file is over 50 MB"))
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("文件不是 UTF-8 编码的文本 / the file is not UTF-8 text")
            ) from None


class PushForm(forms.Form):
    to = forms.ChoiceField(
        label=_("上报地址"),
        widget=forms.Select(attrs=_SELECT),
    )
    township = forms.ModelChoiceField(
        label=_("乡镇"),
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs=_SELECT),
    )
    start = forms.CharField(
        label=_("起始"),
        required=False,
        max_length=20,
        help_text=_("日期或期间，如 2026-01-01、2026、2026Q1"),
        widget=forms.TextInput(attrs={**_TEXT, "style": "width:8rem", "placeholder": "2026"}),
    )
    end = forms.CharField(
        label=_("截止"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**_TEXT, "style": "width:8rem", "placeholder": "2026"}),
    )
    batch_size = forms.IntegerField(
        label=_("每批条数"),
        min_value=1,
        max_value=MAX_BATCH,
        initial=DEFAULT_BATCH,
        widget=forms.NumberInput(attrs={**_TEXT, "style": "width:7rem"}),
    )
    id_scheme = forms.ChoiceField(
        label=_("标识方式"),
        choices=[("code", _("代码")), ("name", _("名称")), ("uid", _("接收方的 uid"))],
        initial="code",
        required=False,
        widget=forms.Select(attrs=_SELECT),
    )
    dry_run = forms.BooleanField(
        label=_("试运行（接收方只检查）"),
        required=False,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        townships: QuerySet[OrgUnit],
        destinations: Sequence[str],
    ) -> None:
        super().__init__(data)
        township = self.fields["township"]
        assert isinstance(township, forms.ModelChoiceField)
        township.queryset = townships
        to = self.fields["to"]
        assert isinstance(to, forms.ChoiceField)
        to.choices = [(url, url) for url in destinations]
