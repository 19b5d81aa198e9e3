"""Taking in a metadata export (``kaohe metadata import``): all or nothing, every change audited.

The sections the bundle loader knows go through it unchanged — the same checks, messages and
audit rows as ``kaohe load`` — and the ``contracts:`` section through
:mod:`kaohe.levels.metadata_contracts`, in the same transaction: any problem anywhere, and
nothing at all is written. Problems name the file and line as written, whichever part found
them.

Merging townships into a county instance, a unit or official already stored under another
parent is refused rather than moved (two townships that both call a village ``V01`` would
otherwise overwrite each other); ``allow_moves`` lets a deliberate move through, as
``kaohe load`` does.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import yaml
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kaohe.audit.models import Channel
from kaohe.audit.services import Actor, record
from kaohe.bundles.loader import (
    BundleError,
    BundleProblem,
    PathKey,
    SourceFile,
    format_path,
    parse_bundle_text,
)
from kaohe.bundles.services import LoadReport, do_load_bundles
from kaohe.core.access import can_read_all
from kaohe.orgunits.models import Official, OrgUnit

from .metadata_contracts import ContractCounts, check_contracts, write_contracts

__all__ = ["MetadataReport", "do_import_metadata"]

OBJECT_TYPE: Final = "metadata"
_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


@dataclass
class MetadataReport:
    """What an import did (for a dry run: would have done)."""

    name: str
    dry_run: bool
    load: LoadReport
    contracts: ContractCounts = field(default_factory=ContractCounts)

    @property
    def changed(self) -> bool:
        return self.load.changed or self.contracts.changed

    def summary_lines(self) -> list[str]:
        """The loader's bilingual summary with a line for the contracts."""
        lines = self.load.summary_lines()
        c = self.contracts
        if c.created or c.updated or c.unchanged:
            line = (
                f"  责任书：新增 {c.created}，修改 {c.updated}，未变 {c.unchanged} / contracts: "
                f"{c.created} created, {c.updated} updated, {c.unchanged} unchanged"
            )
            nothing = "  没有需要修改的内容 / nothing to change"
            if c.changed and nothing in lines:
                lines.remove(nothing)
            lines.insert(len(lines) - (1 if nothing in lines else 0), line)
        return lines


def _check_actor(actor: Actor) -> None:
    """Metadata are configuration shared by every unit: only system administrators take them
    in from a page or the API (the console acts for whoever runs it)."""
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    if actor.channel in (Channel.WEB, Channel.API) and (user is None or not can_read_all(user)):
        raise PermissionDenied(
            _("只有系统管理员可以导入元数据 / only system administrators may import metadata")
        )


def _path_key(text: str) -> PathKey:
    """``schemes[0].items[3].weight`` → ``("schemes", 0, "items", 3, "weight")``."""
    parts: list[str | int] = []
    for index, name in _PATH_PART.findall(text):
        parts.append(int(index) if index else name)
    return tuple(parts)


def _relocated(
    problems: Iterable[BundleProblem], source: SourceFile, written: str
) -> list[BundleProblem]:
    """The loader's problems about the copy it read, pointed back at the file as written."""
    return [
        replace(p, file=source.name, line=source.line_of(_path_key(p.path)) if p.path else p.line)
        if p.file == written
        else p
        for p in problems
    ]


def _problem(source: SourceFile, path: PathKey, zh: str, en: str) -> BundleProblem:
    return BundleProblem(source.name, format_path(path), source.line_of(path), zh, en)


def _moves(source: SourceFile) -> list[BundleProblem]:
    """Units and officials the file puts under another parent or unit than the stored one."""
    data = source.data if isinstance(source.data, dict) else {}
    problems: list[BundleProblem] = []
    rows = data.get("units")
    stored = {code: parent for code, parent in OrgUnit.objects.values_list("code", "parent__code")}
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict) or row.get("code") not in stored:
            continue
        code, parent = row["code"], row.get("parent")
        if stored[code] != parent:
            problems.append(
                _problem(
                    source,
                    ("units", index, "parent"),
                    f"单位 {code} 已在 {stored[code] or '（顶层）'} 之下，导入文件把它放在 "
                    f"{parent or '（顶层）'} 之下；代码重复请改代码，确要移动请加 --allow-moves",
                    f"unit {code} is stored under {stored[code] or '(the top)'}; the file puts "
                    f"it under {parent or '(the top)'}: give it another code, or pass "
                    "--allow-moves to move it",
                )
            )
    rows = data.get("officials")
    serving = dict(Official.objects.values_list("code", "unit__code"))
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict) or row.get("code") not in serving:
            continue
        code, unit = row["code"], row.get("unit")
        if serving[code] != unit:
            problems.append(
                _problem(
                    source,
                    ("officials", index, "unit"),
                    f"责任人 {code} 已属于单位 {serving[code]}，导入文件把他放在 {unit}",
                    f"official {code} belongs to {serving[code]}; the file puts them in {unit}",
                )
            )
    return problems


def _ordered(problems: Sequence[BundleProblem]) -> list[BundleProblem]:
    return sorted(problems, key=lambda p: p.line or 0)


def do_import_metadata(
    text: str,
    name: str,
    actor: Actor,
    *,
    dry_run: bool = False,
    allow_moves: bool = False,
) -> MetadataReport:
    """Take in a metadata export (or any bundle) held in ``text``; ``name`` names it in
    problems and the audit log.

    Raises :class:`~kaohe.bundles.loader.BundleError` listing every problem, in which case
    nothing is written; with ``dry_run`` everything is checked and counted, then rolled back.
    """
    _check_actor(actor)
    source, problems = parse_bundle_text(text, name)
    if problems or source.data is None:
        raise BundleError(problems)
    data: Any = source.data
    contracts = data.pop("contracts", None) if isinstance(data, dict) else None
    if contracts is not None:
        problems += check_contracts(source, contracts)
    if not allow_moves:
        problems += _moves(source)
    with tempfile.TemporaryDirectory(prefix="kaohe-metadata-") as folder:
        # The loader reads files: it gets the document without the contracts.
        copy = Path(folder) / (Path(name).name or "metadata.yaml")
        copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        with transaction.atomic():
            load: LoadReport | None = None
            try:
                load = do_load_bundles([copy], actor)
            except BundleError as error:
                problems += _relocated(error.problems, source, str(copy))
            if problems or load is None:
                raise BundleError(_ordered(problems))
            counts = write_contracts(contracts or [], actor)
            if counts.refused:
                raise BundleError(
                    _problem(source, ("contracts",), *reason.split(" / ", 1))
                    for reason in counts.refused
                )
            load.files, load.dry_run = [name], dry_run
            report = MetadataReport(name, dry_run, load, counts)
            record(actor, "metadata.import", OBJECT_TYPE, name, after=_counts(report))
            if dry_run:
                transaction.set_rollback(True)
    return report


def _counts(report: MetadataReport) -> dict[str, Any]:
    sections: Mapping[str, Any] = report.load.sections
    counts = {name: vars(c) for name, c in sections.items()}
    c = report.contracts
    counts["contracts"] = {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
    return {"counts": counts, "dry_run": report.dry_run}
