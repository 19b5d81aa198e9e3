"""Forms of data entry: choosing a form, the posted grid (or one posted cell), a value's note,
and an Excel upload.

The posted grid is read by :class:`CellsForm` rather than a Django form with a field per cell:
a year of twenty elements is 240 inputs, whose names (``v:ELEMENT:PERIOD``, with the tokens
``t:``, ``o:`` and, after a conflict, ``n:``) are known from the grid itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Any, Final, cast

from django import forms
from django.core.exceptions import BadRequest
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaohe.audit.services import Actor
from kaohe.core.access import VIEW, restrict
from kaohe.datavalues.excel_format import template_periods
from kaohe.datavalues.importing import MAX_COMMENT, ValueProblem, parse_value
from kaohe.datavalues.services import DataValueConflict
from kaohe.elements.models import DataSet
from kaohe.orgunits.models import OrgUnit

from .selectors import Cell, TemplateError, changeable_units, conflict_of, reports
from .services import CellEdit, do_save_values

__all__ = [
    "CellsForm",
    "ChooseForm",
    "NoteForm",
    "TemplateForm",
    "UploadForm",
    "check_text",
    "client_messages",
    "parse_token",
]

MAX_UPLOAD_BYTES: Final = 20 << 20
# Uploads that are not workbooks go to the DHIS2 import, which has no notion of the units a
# clerk may write: the page takes workbooks made from its templates only.
_TEXT_SUFFIXES: Final = frozenset({".csv", ".json", ".txt", ""})


# --- checking one value as the server does --------------------------------------------------


def _empty_message() -> str:
    return _(
        "值为空：已填的值不能清空，可改为 0 / the value is empty: a stored value cannot be "
        "cleared, enter 0 instead"
    )


def check_text(text: str, original: str, value_type: str) -> str:
    """Why ``text`` cannot be stored for an element of ``value_type`` ("" if it can).

    The same rules as the import and ``do_set_value`` (``parse_value``); an empty cell is
    fine where there was nothing, and refused where there was a value.
    """
    text = text.strip()
    if not text:
        return _empty_message() if original else ""
    try:
        parse_value(text, value_type)
    except ValueProblem as exc:
        return str(exc)
    return ""


# Inputs that break each rule of parse_value, so that the page's script shows the server's
# own words (grid.js mirrors the rules; tests/entry/test_grid_js.py holds them together).
_BROKEN_RULES: Final = {
    "number": ("x", "number"),
    "whole": ("1.5", "integer"),
    "negative": ("-1", "integer"),
    "percentage": ("101", "percentage"),
    "yes_no": ("x", "yes_no"),
    "large": ("1e20", "number"),
}


def client_messages() -> dict[str, str]:
    """The server's message for each rule, by the name grid.js gives the rule."""
    messages = {"empty": _empty_message()}
    for name, (text, value_type) in _BROKEN_RULES.items():
        try:
            parse_value(text, value_type)
        except ValueProblem as exc:
            messages[name] = str(exc)
    return messages


def parse_token(text: str) -> datetime | None:
    """A cell's token back as a datetime (``None``: the editor saw no value)."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest("bad token") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- posted cells ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PostedCell:
    text: str | None  # None: the cell was not posted (read-only on the editor's page)
    token: str
    original: str
    newer: str  # after a conflict: the token of the value the editor may overwrite
    choice: str  # after a conflict: "mine" (overwrite theirs), "theirs" (keep it) or ""

    @classmethod
    def read(cls, data: QueryDict, key: str) -> PostedCell:
        choice = "theirs" if data.get("take") == key else ""
        if data.get("overwrite") == key:
            choice = "mine"
        return cls(
            text=data.get(f"v:{key}"),
            token=data.get(f"t:{key}", ""),
            original=data.get(f"o:{key}", ""),
            newer=data.get(f"n:{key}", ""),
            choice=choice,
        )

    @property
    def changed(self) -> bool:
        if self.text is None or self.choice == "theirs":
            return False
        return self.choice == "mine" or self.text.strip() != self.original.strip()


class CellsForm:
    """The cells of a grid (or a single cell) as the editor posted them back.

    Binding copies what was posted into the cells, so that a refused save shows the page as
    the editor left it. :meth:`is_valid` checks every changed cell without the database;
    :meth:`save` stores them all or none and puts each problem beside its cell.
    """

    def __init__(self, cells: Iterable[Cell], data: QueryDict) -> None:
        self.cells = [c for c in cells if not c.locked]
        self.changed: list[tuple[Cell, PostedCell]] = []
        for cell in self.cells:
            posted = PostedCell.read(data, cell.key)
            if posted.text is None:
                continue
            cell.text, cell.token, cell.original = posted.text, posted.token, posted.original
            if posted.changed:
                self.changed.append((cell, posted))
        self.saved = 0

    def is_valid(self) -> bool:
        for cell, _posted in self.changed:
            cell.error = check_text(cell.text, cell.original, cell.element.value_type)
        return not any(cell.error for cell, _posted in self.changed)

    def save(self, *, actor: Actor, unit: OrgUnit) -> bool:
        """Store every changed cell, or none; ``False`` with the problems beside the cells."""
        edits = [
            CellEdit(
                element=cell.element,
                period=cell.period,
                text=cell.text.strip(),
                token=parse_token(posted.newer if posted.choice == "mine" else posted.token),
            )
            for cell, posted in self.changed
        ]
        outcome = do_save_values(actor=actor, unit=unit, edits=edits)
        for cell, _posted in self.changed:
            problem = outcome.errors.get(cell.key)
            if isinstance(problem, DataValueConflict):
                cell.conflict = conflict_of(cell.text.strip(), problem.stored)
            elif problem is not None:
                cell.error = str(problem)
        self.saved = len(outcome.saved)
        return outcome.ok

    @property
    def conflicts(self) -> bool:
        return any(cell.conflict for cell, _posted in self.changed)


# --- choosing a form ------------------------------------------------------------------------


def _period_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("期间"),
        max_length=20,
        help_text=gettext_lazy("年份（如 2026）打开全年表格；月份（如 202603）只填一个月"),
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )


class _ByUser(forms.Form):
    """A form offering the data sets ``user`` may read and the units they may enter."""

    unit_field = "unit"

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dataset = cast(forms.ModelChoiceField, self.fields["dataset"])
        dataset.queryset = restrict(DataSet.objects.all(), user, VIEW)
        units = cast(forms.ModelChoiceField, self.fields[self.unit_field])
        units.queryset = changeable_units(user)
        first_two = list(dataset.queryset[:2])  # type: ignore[index]
        if len(first_two) == 1:  # one data set: chosen already
            dataset.initial = first_two[0].code

    def _check_period(self, dataset: DataSet | None, code: str | None) -> str:
        if dataset is None or not code:
            return ""
        try:
            outer, _columns = template_periods(dataset, code)
        except TemplateError as exc:
            self.add_error("period", str(exc))
            return ""
        return outer.code

    def _check_reports(self, field: str, dataset: DataSet | None, units: Iterable[OrgUnit]) -> None:
        if dataset is None:
            return
        for unit in units:
            if not reports(dataset, unit):
                self.add_error(
                    field,
                    _("{unit} 不报送数据集 {dataset} / {unit} does not report {dataset}").format(
                        unit=unit.name, dataset=dataset.name
                    ),
                )


class ChooseForm(_ByUser):
    """Which form to open: a data set, one of the user's units, a period or a year."""

    dataset = forms.ModelChoiceField(
        label=gettext_lazy("数据集"),
        queryset=DataSet.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("单位"),
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    period = _period_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dataset = data.get("dataset")
        unit = data.get("unit")
        self._check_reports("unit", dataset, [unit] if unit else [])
        data["period"] = self._check_period(dataset, data.get("period"))
        return data


class TemplateForm(_ByUser):
    """Which Excel template to download: a data set, a period and some of the user's units."""

    unit_field = "units"

    dataset = forms.ModelChoiceField(
        label=gettext_lazy("数据集"),
        queryset=DataSet.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    period = _period_field()
    units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("单位"),
        help_text=gettext_lazy("不选：你可以填报的全部单位，每个单位一张工作表"),
        required=False,
        queryset=OrgUnit.objects.none(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dataset = data.get("dataset")
        self._check_reports("units", dataset, data.get("units") or [])
        data["period"] = self._check_period(dataset, data.get("period"))
        return data


# --- a value's note -------------------------------------------------------------------------


class NoteForm(forms.Form):
    """The comment and follow-up flag of a stored value."""

    conflict = ""  # set when the value changed under the editor; shown above the form

    comment = forms.CharField(
        label=gettext_lazy("备注"),
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    follow_up = forms.BooleanField(
        label=gettext_lazy("需跟进"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean_token(self) -> datetime:
        token = parse_token(self.cleaned_data["token"])
        if token is None:
            raise forms.ValidationError(
                _("请先填写数值，再加备注 / enter the value before its comment")
            )
        return token


# --- an Excel upload ------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        help_text=gettext_lazy("由本系统下载的模板填写后的 .xlsx 文件"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,.xlsm,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet",
            }
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("只检查，不写入"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() in _TEXT_SUFFIXES:
            raise forms.ValidationError(
                _(
                    "此处只接受由模板填写的 Excel 工作簿 (.xlsx)；DHIS2 CSV/JSON 文件请用 kaohe "
                    "import 导入 / only Excel workbooks made from a template (.xlsx) are "
                    "accepted here; import DHIS2 CSV/JSON files with kaohe import"
                )
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件超过 {mb} MB / the file is larger than {mb} MB").format(
                    mb=MAX_UPLOAD_BYTES >> 20
                )
            )
        return upload
