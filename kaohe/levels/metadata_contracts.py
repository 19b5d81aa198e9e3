"""The ``contracts:`` section of a metadata export: responsibility contracts and their versions.

The bundle loader has no contracts (a contract is drawn up and signed in Kaohe, not written
in a file), so a township's contracts travel in a section of their own, read by
``kaohe metadata import``. One entry per contract version::

    contracts:
      - scheme: VILLAGE_2006        # the scheme's code …
        scheme_version: 1           # … and version
        unit: V01
        year: 2006
        version: 2                  # 1 unless amended
        status: signed              # draft, signed or superseded
        signed_on: '2006-07-01'
        previous: 1                 # the version this one amends
        amendment_reason: 村两委换届…
        targets: {MEETINGS: 3.0, BIRTHS_VS_PLAN: 40.0}
        signatories:
          - {official: V01_SEC, role: 村支书}

:func:`check_contracts` checks every entry against the rest of the document and the database
(nothing written); :func:`write_contracts` creates the versions not yet stored and leaves alone
the ones stored alike. A stored draft is brought up to the file; a signed or superseded version
never changes (a signed one may only become superseded, when the file holds its amendment).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from django.db.models import QuerySet

from kaohe.audit.services import Actor, record
from kaohe.bundles.messages import BundleProblem, PathKey, format_path
from kaohe.bundles.reading import SourceFile
from kaohe.contracts.models import Contract, ContractSignatory, ContractStatus, ContractTarget
from kaohe.orgunits.models import Official, OrgUnit, UnitKind
from kaohe.schemes.models import Scheme

__all__ = [
    "ContractCounts",
    "check_contracts",
    "contract_entries",
    "write_contracts",
]

FIELDS: Final = (
    "scheme",
    "scheme_version",
    "unit",
    "year",
    "version",
    "status",
    "signed_on",
    "previous",
    "amendment_reason",
    "targets",
    "signatories",
)
REQUIRED: Final = ("scheme", "unit", "year")
OBJECT_TYPE: Final = "contract"

# (scheme, scheme version, unit, year, version): one contract version.
Key = tuple[str, int, str, int, int]


# --- export ----------------------------------------------------------------------------------


def _snapshot(contract: Contract) -> dict[str, Any]:
    """A stored contract version as its entry (without the key fields)."""
    targets = {
        t.item.code: t.value for t in sorted(contract.targets.all(), key=lambda t: t.item.code)
    }
    signatories = [
        {"official": s.official.code, "role": s.role}
        for s in sorted(contract.signatories.all(), key=lambda s: s.pk)
    ]
    entry: dict[str, Any] = {"status": contract.status}
    if contract.signed_on is not None:
        entry["signed_on"] = contract.signed_on.isoformat()
    if contract.previous is not None:
        entry["previous"] = contract.previous.version
    if contract.amendment_reason:
        entry["amendment_reason"] = contract.amendment_reason
    entry["targets"] = targets
    entry["signatories"] = signatories
    return entry


def contract_entries(units: QuerySet[OrgUnit]) -> list[dict[str, Any]]:
    """Every contract version of ``units``: by year, unit, scheme and version."""
    rows = (
        Contract.objects.filter(unit__in=units)
        .select_related("scheme", "unit", "previous")
        .prefetch_related("targets__item", "signatories__official")
        .order_by("year", "unit__path", "scheme__code", "scheme__version", "version")
    )
    return [
        {
            "scheme": c.scheme.code,
            "scheme_version": c.scheme.version,
            "unit": c.unit.code,
            "year": c.year,
            "version": c.version,
            **_snapshot(c),
        }
        for c in rows
    ]


# --- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """What the document and the database define that contracts may refer to."""

    schemes: Mapping[tuple[str, int], tuple[frozenset[str], tuple[str, ...]]]  # → items, kinds
    units: Mapping[str, str]  # code → kind ("" when the file's kind is not one)
    officials: frozenset[str]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Known:
        """From the document's own sections (as written) and the database."""
        schemes: dict[tuple[str, int], tuple[frozenset[str], tuple[str, ...]]] = {}
        for scheme in Scheme.objects.prefetch_related("items"):
            items = frozenset(i.code for i in scheme.items.all())
            schemes[(scheme.code, scheme.version)] = (items, tuple(scheme.unit_kinds))
        for row in _rows(data, "schemes"):
            if isinstance(row.get("code"), str) and isinstance(row.get("items"), list):
                items = frozenset(
                    i["code"] for i in row["items"] if isinstance(i, dict) and "code" in i
                )
                kinds = row.get("unit_kinds")
                schemes[(row["code"], _int(row.get("version"), 1))] = (
                    items,
                    tuple(kinds) if isinstance(kinds, list) else (),
                )
        units = dict(OrgUnit.objects.values_list("code", "kind"))
        # A kind the loader refuses is reported there: here it is unknown ("").
        units.update(
            (row["code"], row["kind"] if row.get("kind") in UnitKind.values else "")
            for row in _rows(data, "units")
            if isinstance(row.get("code"), str)
        )
        officials = set(Official.objects.values_list("code", flat=True))
        officials.update(
            row["code"] for row in _rows(data, "officials") if isinstance(row.get("code"), str)
        )
        return cls(schemes, units, frozenset(officials))


def _rows(data: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    rows = data.get(section)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class _Checker:
    """Collects the problems of the ``contracts:`` section, each with its place in the file."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.problems: list[BundleProblem] = []

    def add(self, path: PathKey, zh: str, en: str) -> None:
        self.problems.append(
            BundleProblem(self.source.name, format_path(path), self.source.line_of(path), zh, en)
        )

    def entry(self, index: int, row: Any, known: Known, seen: dict[Key, int]) -> None:
        at: PathKey = ("contracts", index)
        if not isinstance(row, dict):
            self.add(at, "应为映射（键: 值）", "expected a mapping (key: value)")
            return
        for name in row:
            if name not in FIELDS:
                self.add(
                    (*at, name),
                    f"未知字段 {name}（可用：{'、'.join(FIELDS)}）",
                    f"unknown field {name} (allowed: {', '.join(FIELDS)})",
                )
        missing = [name for name in REQUIRED if name not in row]
        if missing:
            self.add(at, f"缺少必填字段：{'、'.join(missing)}", f"missing: {', '.join(missing)}")
            return
        scheme, unit, year = row["scheme"], row["unit"], row["year"]
        if not isinstance(scheme, str) or not isinstance(unit, str):
            self.add(at, "scheme 和 unit 应为代码文本", "scheme and unit must be codes (text)")
            return
        if _int(year, -1) < 1900:
            self.add((*at, "year"), "年度应为四位整数", "the year must be a whole number like 2006")
            return
        versions = sorted(v for c, v in known.schemes if c == scheme)
        if not versions:
            self.add((*at, "scheme"), f"未知的考核方案 {scheme}", f"unknown scheme {scheme}")
            return
        scheme_version = row.get("scheme_version", versions[-1])
        if scheme_version not in versions:
            self.add(
                (*at, "scheme_version"),
                f"考核方案 {scheme} 没有第 {scheme_version} 版",
                f"scheme {scheme} has no version {scheme_version}",
            )
            return
        items, kinds = known.schemes[(scheme, scheme_version)]
        kind = known.units.get(unit)
        if kind is None:
            self.add((*at, "unit"), f"未知的单位 {unit}", f"unknown unit {unit}")
        elif kind and kinds and kind not in kinds:
            self.add(
                (*at, "unit"),
                f"单位 {unit} 是 {kind}，不在方案考核的单位类型（{'、'.join(kinds)}）中",
                f"unit {unit} is a {kind}, which the scheme does not assess ({', '.join(kinds)})",
            )
        version = row.get("version", 1)
        if _int(version, 0) < 1:
            self.add((*at, "version"), "版本应为正整数", "the version must be a whole number ≥ 1")
            return
        key: Key = (scheme, scheme_version, unit, year, version)
        if key in seen:
            self.add(
                at,
                f"与第 {seen[key] + 1} 项是同一份责任书的同一版本",
                f"the same contract version as entry {seen[key] + 1}",
            )
        seen.setdefault(key, index)
        self.status(at, row)
        self.targets(at, row.get("targets", {}), items)
        self.signatories(at, row.get("signatories", []), known.officials)
        previous = row.get("previous")
        if previous is not None and not (0 < _int(previous, 0) < version):
            self.add(
                (*at, "previous"),
                "previous 应为比本版本小的版本号",
                "previous must be a version below this one",
            )

    def status(self, at: PathKey, row: Mapping[str, Any]) -> None:
        status = row.get("status", ContractStatus.DRAFT)
        if status not in ContractStatus.values:
            allowed = ", ".join(ContractStatus.values)
            self.add(
                (*at, "status"), f"状态应为 {allowed} 之一", f"status must be one of {allowed}"
            )
            return
        signed_on = row.get("signed_on")
        if signed_on is None:
            if status != ContractStatus.DRAFT:
                self.add(
                    at, "已签订的责任书须写签订日期 signed_on", "a signed contract needs signed_on"
                )
            return
        try:
            date.fromisoformat(str(signed_on))
        except ValueError:
            self.add(
                (*at, "signed_on"),
                f"日期应写成 YYYY-MM-DD，而不是 {signed_on}",
                f"write dates as YYYY-MM-DD, not {signed_on}",
            )
        if not isinstance(row.get("amendment_reason", ""), str):
            self.add((*at, "amendment_reason"), "修订原因应为文本", "the reason must be text")

    def targets(self, at: PathKey, targets: Any, items: frozenset[str]) -> None:
        if not isinstance(targets, dict):
            self.add((*at, "targets"), "应为 项目代码: 目标值", "expected item code: target")
            return
        for item, value in targets.items():
            if item not in items:
                self.add(
                    (*at, "targets", item),
                    f"考核方案中没有项目 {item}",
                    f"the scheme has no item {item}",
                )
            elif (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                self.add((*at, "targets", item), "目标值应为数字", "a target must be a number")

    def signatories(self, at: PathKey, rows: Any, officials: frozenset[str]) -> None:
        if not isinstance(rows, list):
            self.add((*at, "signatories"), "应为列表", "expected a list")
            return
        for index, row in enumerate(rows):
            where = (*at, "signatories", index)
            if not isinstance(row, dict) or not isinstance(row.get("official"), str):
                self.add(where, "应写 {official: 代码, role: 身份}", "expected {official, role}")
            elif row["official"] not in officials:
                code = row["official"]
                self.add((*where, "official"), f"未知的责任人 {code}", f"unknown official {code}")
            elif not isinstance(row.get("role", ""), str) or len(row.get("role", "")) > 30:
                self.add((*where, "role"), "签订身份应为不超过30字的文本", "role: text, ≤ 30 chars")


def check_contracts(source: SourceFile, rows: Any) -> list[BundleProblem]:
    """Every problem of the ``contracts:`` section of ``source`` (whose data still holds the
    other sections, which the contracts may refer to), without writing anything."""
    checker = _Checker(source)
    if not isinstance(rows, list):
        checker.add(("contracts",), "应为列表", "expected a list")
        return checker.problems
    data = source.data if isinstance(source.data, dict) else {}
    known = Known.of(data)
    seen: dict[Key, int] = {}
    for index, row in enumerate(rows):
        checker.entry(index, row, known, seen)
    return checker.problems


# --- writing ---------------------------------------------------------------------------------


@dataclass
class ContractCounts:
    """How many contract versions were created, brought up to the file, or left alike."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)  # bilingual reasons

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _key_text(row: Mapping[str, Any]) -> str:
    return f"{row['scheme']}/{row['unit']}/{row['year']}/v{row.get('version', 1)}"


def _wanted(row: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as :func:`_snapshot` lays out a stored version, defaults filled in."""
    wanted: dict[str, Any] = {"status": row.get("status", ContractStatus.DRAFT)}
    if row.get("signed_on") is not None:
        wanted["signed_on"] = str(row["signed_on"])
    if row.get("previous") is not None:
        wanted["previous"] = row["previous"]
    if row.get("amendment_reason"):
        wanted["amendment_reason"] = row["amendment_reason"]
    targets = row.get("targets", {})
    wanted["targets"] = {k: float(v) for k, v in sorted(targets.items())}
    wanted["signatories"] = [
        {"official": s["official"], "role": s.get("role", "")} for s in row.get("signatories", [])
    ]
    return wanted


def write_contracts(rows: Sequence[Mapping[str, Any]], actor: Actor) -> ContractCounts:
    """Create or bring up to date every contract version of checked ``rows`` (inside the
    caller's transaction), each change audited. A stored version that is signed or superseded
    and differs is refused (``counts.refused``), and the caller rolls everything back."""
    counts = ContractCounts()
    schemes = {(s.code, s.version): s for s in Scheme.objects.prefetch_related("items")}
    latest = {}
    for code, version in sorted(schemes):
        latest[code] = version
    units = {u.code: u for u in OrgUnit.objects.all()}
    officials = {o.code: o for o in Official.objects.all()}
    ordered = sorted(rows, key=lambda r: (r.get("version", 1), _key_text(r)))
    for row in ordered:
        scheme = schemes[(row["scheme"], row.get("scheme_version", latest[row["scheme"]]))]
        unit = units[row["unit"]]
        version = row.get("version", 1)
        stored = (
            Contract.objects.filter(scheme=scheme, unit=unit, year=row["year"], version=version)
            .select_related("previous")
            .prefetch_related("targets__item", "signatories__official")
            .first()
        )
        wanted = _wanted(row)
        key = _key_text(row)
        if stored is None:
            contract = Contract(scheme=scheme, unit=unit, year=row["year"], version=version)
            action, before = "contract.import", None
        else:
            current = _snapshot(stored)
            if current == wanted:
                counts.unchanged += 1
                continue
            superseding = (
                stored.status == ContractStatus.SIGNED
                and wanted["status"] == ContractStatus.SUPERSEDED
                and {**current, "status": ContractStatus.SUPERSEDED} == wanted
            )
            if stored.status != ContractStatus.DRAFT and not superseding:
                counts.refused.append(
                    f"责任书 {key} 已{stored.get_status_display()}，与导入文件不同，不能修改 / "
                    f"the contract {key} is {stored.status} and differs from the file: a signed "
                    "contract never changes"
                )
                continue
            contract, action, before = stored, "contract.import_update", current
        _apply(contract, wanted, scheme, officials)
        fresh = Contract.objects.prefetch_related("targets__item", "signatories__official")
        record(actor, action, OBJECT_TYPE, key, before, _snapshot(fresh.get(pk=contract.pk)))
        if stored is None:
            counts.created += 1
        else:
            counts.updated += 1
    return counts


def _apply(
    contract: Contract, wanted: Mapping[str, Any], scheme: Scheme, officials: Mapping[str, Official]
) -> None:
    """Make ``contract`` (new or a draft) hold ``wanted``: fields, targets, signatories."""
    contract.status = wanted["status"]
    contract.signed_on = date.fromisoformat(wanted["signed_on"]) if "signed_on" in wanted else None
    contract.amendment_reason = wanted.get("amendment_reason", "")
    contract.previous = None
    if "previous" in wanted:
        contract.previous = Contract.objects.filter(
            scheme=scheme,
            unit=contract.unit,
            year=contract.year,
            version=wanted["previous"],
        ).first()
    contract.save()
    items = {i.code: i for i in scheme.items.all()}
    contract.targets.all().delete()
    ContractTarget.objects.bulk_create(
        ContractTarget(contract=contract, item=items[code], value=value)
        for code, value in wanted["targets"].items()
    )
    contract.signatories.all().delete()
    ContractSignatory.objects.bulk_create(
        ContractSignatory(contract=contract, official=officials[s["official"]], role=s["role"])
        for s in wanted["signatories"]
    )
