"""``kaohe scheme list|show|publish|new-version|edit|diff``: scheme versions on the command line.

``list`` prints every version; ``show CODE [--version N]`` one version in full (the latest
unless one is named); ``publish CODE --version N`` publishes a draft, after which it never
changes; ``new-version CODE [--from-version N]`` copies a version into a new draft;
``edit CODE --version N --set FIELD=VALUE… [--changes FILE.json]`` changes a draft, all or
nothing; ``diff CODE A B`` lists what differs from version A to version B.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.orgunits.models import UnitKind
from kaohe.schemes.changes import EDITABLE_ITEM_FIELDS, SchemeVersionError
from kaohe.schemes.describe import rule_text
from kaohe.schemes.diffing import diff_schemes, shown_value
from kaohe.schemes.models import Scheme, SchemeStatus
from kaohe.schemes.versions import do_edit_draft, do_new_version, do_publish_scheme


def _version(code: str, version: int | None) -> Scheme:
    """The version of ``code`` (the latest when ``version`` is None)."""
    versions = Scheme.objects.filter(code=code)
    if version is not None:
        versions = versions.filter(version=version)
    scheme = versions.order_by("-version").first()
    if scheme is None:
        shown = code if version is None else f"{code} v{version}"
        raise CommandError(_("没有考核方案 {code} / no scheme {code}").format(code=shown))
    return scheme


def _status(scheme: Scheme) -> str:
    return "已发布 published" if scheme.status == SchemeStatus.PUBLISHED else "草稿 draft"


def _years(scheme: Scheme) -> str:
    return f"{scheme.year_from or '…'}–{scheme.year_to or '…'}"


def _value(text: str) -> Any:
    """A ``--set`` value: JSON when it reads as JSON (numbers, null, lists), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _changes(options: dict[str, Any]) -> dict[str, Any]:
    """The ``--changes`` file (``-``: standard input) with every ``--set`` on top of it."""
    changes: dict[str, Any] = {}
    if path := options.get("changes"):
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        try:
            loaded = json.loads(text)
        except ValueError as error:
            raise CommandError(
                _("{path} 不是有效的 JSON：{error} / {path} is not valid JSON: {error}").format(
                    path=path, error=error
                )
            ) from None
        if not isinstance(loaded, dict):
            raise CommandError(_("修改内容应为映射 / the changes must be a mapping"))
        changes.update(loaded)
    for text in options.get("set") or []:
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise CommandError(
                _("--set 应为 字段=值：{text} / --set expects FIELD=VALUE: {text}").format(
                    text=text
                )
            )
        parts = key.strip().split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[2] in EDITABLE_ITEM_FIELDS:
            changes.setdefault("items", {}).setdefault(parts[1], {})[parts[2]] = _value(raw)
        elif len(parts) == 1:
            value = _value(raw)
            # Names and notes are text even when they look like a number.
            if parts[0] in ("name", "name_en", "validity_note", "plan_item", "veto_grade"):
                value = raw
            changes[parts[0]] = value
        else:
            raise CommandError(
                _(
                    "--set 的字段应为方案字段或 items.项目代码.字段：{key} / "
                    "--set takes a scheme field or items.ITEM.FIELD: {key}"
                ).format(key=key)
            )
    return changes


class Command(BaseCommand):
    help = (
        "考核方案的版本：列出、查看、发布、新建版本、修改草稿、比较 / "
        "Scheme versions: list, show, publish, new version, edit a draft, compare."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        sub.add_parser("list", help=_("列出所有版本 / every version"))
        show = sub.add_parser("show", help=_("一个版本的全部内容 / one version in full"))
        show.add_argument("code", help=_("方案代码 / scheme code"))
        show.add_argument("--version", type=int, help=_("版本（默认最新）/ version"))
        publish = sub.add_parser("publish", help=_("发布草稿 / publish a draft"))
        publish.add_argument("code", help=_("方案代码 / scheme code"))
        publish.add_argument("--version", type=int, required=True, help=_("版本 / version"))
        publish.add_argument("--note", default="", help=_("发布说明 / a note for the audit log"))
        new = sub.add_parser("new-version", help=_("复制为新的草稿版本 / copy into a new draft"))
        new.add_argument("code", help=_("方案代码 / scheme code"))
        new.add_argument("--from-version", type=int, help=_("复制哪个版本（默认最新）/ source"))
        edit = sub.add_parser("edit", help=_("修改草稿 / change a draft"))
        edit.add_argument("code", help=_("方案代码 / scheme code"))
        edit.add_argument("--version", type=int, required=True, help=_("版本 / version"))
        edit.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help=_(
                "方案字段或 items.项目代码.字段，值按 JSON 读 / a scheme field or items.ITEM.FIELD"
            ),
        )
        edit.add_argument(
            "--changes", help=_("JSON 文件（- 为标准输入）/ a JSON file, - for stdin")
        )
        diff = sub.add_parser("diff", help=_("比较两个版本 / compare two versions"))
        diff.add_argument("code", help=_("方案代码 / scheme code"))
        diff.add_argument("a", type=int, help=_("版本 A / version A"))
        diff.add_argument("b", type=int, help=_("版本 B / version B"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["step"].replace("-", "_"))(options)
        except SchemeVersionError as error:
            raise CommandError(str(error)) from error

    def _list(self, options: dict[str, Any]) -> None:
        kinds = dict(UnitKind.choices)
        for scheme in Scheme.objects.order_by("code", "-version"):
            published = ""
            if scheme.published_at:
                published = f"{scheme.published_at:%Y-%m-%d %H:%M} {scheme.published_by}"
            cells = [
                scheme.code,
                f"v{scheme.version}",
                _status(scheme),
                _years(scheme),
                ",".join(str(kinds.get(k, k)) for k in scheme.unit_kinds),
                scheme.name,
                published,
            ]
            self.stdout.write("\t".join(cells).rstrip())

    def _show(self, options: dict[str, Any]) -> None:
        scheme = _version(options["code"], options.get("version"))
        write = self.stdout.write
        write(f"{scheme.name}（{scheme.code} v{scheme.version}）{_status(scheme)}")
        if scheme.name_en:
            write(scheme.name_en)
        write(f"适用年度 / years: {_years(scheme)}")
        if scheme.validity_note:
            write(f"适用年度说明 / note: {scheme.validity_note}")
        write(f"总分 / total: {scheme.total:g}")
        if scheme.published_at:
            write(f"发布 / published: {scheme.published_at:%Y-%m-%d %H:%M} {scheme.published_by}")
        write(f"内容哈希 / hash: {scheme.content_hash}")
        for track in scheme.tracks:
            write(f"分线 / track {track.get('code')}: {track.get('name')} × {track.get('weight')}")
        for part in scheme.period_parts:
            write(
                f"分期 / part {part.get('code')}: {part.get('name')} "
                f"({part.get('period_type')} {part.get('index')}) × {part.get('weight')}"
            )
        if scheme.coefficient:
            write(f"系数 / coefficient {scheme.coefficient_name}: {scheme.coefficient}")
        write("")
        write("考核项目 / items:")
        for item in scheme.items.order_by("sort_order", "code"):
            zh, en = rule_text(item)
            track = f" [{item.track}]" if item.track else ""
            target = "" if item.target is None else f"，目标 {item.target:g}{item.unit}"
            write(f"  {item.code}{track} {item.name} {item.weight:g}分{target}：{zh}")
            write(f"      {en}")
        vetoes = list(scheme.vetoes.order_by("sort_order", "code"))
        if vetoes:
            write("一票否决 / vetoes:")
            for veto in vetoes:
                write(f"  {veto.code} {veto.name}: {veto.condition}")
        write("等次 / grades:")
        for grade in scheme.grades.order_by("-min_total"):
            write(f"  {grade.code} {grade.name} ≥ {grade.min_total:g}")
        if scheme.veto_grade:
            write(f"  否决后等次 / veto grade: {scheme.veto_grade}")
        for constant in scheme.constants.order_by("code"):
            write(f"常量 / constant {constant.code} = {constant.value:g}")
        if scheme.signatory_roles:
            write("签订人身份 / signatories:")
            for row in scheme.signatory_roles:
                first = "（第一责任人 / first）" if row.get("first") else ""
                write(f"  {row.get('role')} {row.get('name', '')}{first}")
        if scheme.terms:
            write("奖惩条款 / terms:")
            for number, term in enumerate(scheme.terms, start=1):
                write(f"  {number}. {term}")
        if scheme.plan_item:
            write(f"人口计划项目 / plan item: {scheme.plan_item}")

    def _publish(self, options: dict[str, Any]) -> None:
        scheme = _version(options["code"], options["version"])
        scheme = do_publish_scheme(scheme, Actor.cli(), note=options["note"])
        self.stdout.write(
            _("已发布 {code} v{version} / published").format(
                code=scheme.code, version=scheme.version
            )
        )

    def _new_version(self, options: dict[str, Any]) -> None:
        source = _version(options["code"], options.get("from_version"))
        new = do_new_version(source, Actor.cli())
        self.stdout.write(
            _("已新建版本 {code} v{version}（草稿，复制自 v{source}）/ new draft version").format(
                code=new.code, version=new.version, source=source.version
            )
        )

    def _edit(self, options: dict[str, Any]) -> None:
        scheme = _version(options["code"], options["version"])
        changes = _changes(options)
        if not changes:
            raise CommandError(_("没有要修改的内容：用 --set 或 --changes / nothing to change"))
        scheme = do_edit_draft(scheme, changes, Actor.cli())
        self.stdout.write(
            _("已保存 {code} v{version} / saved").format(code=scheme.code, version=scheme.version)
        )

    def _diff(self, options: dict[str, Any]) -> None:
        a = _version(options["code"], options["a"])
        b = _version(options["code"], options["b"])
        rows = diff_schemes(a, b)
        if not rows:
            self.stdout.write(_("两个版本的内容相同 / the two versions have the same content"))
            return
        for row in rows:
            field = row.field or {"added": "+", "removed": "-"}[row.change]
            shown = [shown_value(row.a), shown_value(row.b)]
            self.stdout.write("\t".join([row.part, row.code or "-", field, *shown]))
