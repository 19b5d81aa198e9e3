"""Turning engine results into rows for the command line, files and pages."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from kaohe.core.text_tables import render_table
from kaohe.engine.assess import AssessmentResult
from kaohe.engine.rounding import format_fixed
from kaohe.orgunits.models import UnitKind

from .services import PreparedAssessment, result_parts

# The kinds as the model names them (shown in the active language).
KIND_LABELS = dict(UnitKind.choices)

UNIT_FIELDS = [
    "kind",
    "rank",
    "unit",
    "name",
    "total",
    "grade",
    "grade_name",
    "vetoed",
    "vetoes",
    "flags",
]


def ranking_rows(prepared: PreparedAssessment, result: AssessmentResult) -> list[dict[str, Any]]:
    """One dict per unit in ranking order (kind, rank, code): the canonical result rows."""
    names = {u.code: u.name for u in prepared.units}
    spec = prepared.compiled.spec
    grades = {g.code: g.name for g in spec.grades}
    rows = []
    for row in result.units.iter_rows(named=True):
        rows.append(
            {
                "kind": row["kind"],
                "rank": int(row["rank"]),
                "unit": row["unit"],
                "name": names[row["unit"]],
                "total": format_fixed(row["total"], 2),
                "grade": row["grade"] or "",
                "grade_name": grades.get(row["grade"] or "", ""),
                "vetoed": bool(row["vetoed"]),
                "vetoes": list(row["vetoes"]),
                "flags": list(row["flags"]),
                "parts": result_parts(spec, row),
                "total_explanation_zh": row["explanation_zh"],
                "total_explanation_en": row["explanation_en"],
            }
        )
    rows.sort(key=lambda r: (r["kind"], r["rank"], r["unit"]))
    return rows


def item_rows(result: AssessmentResult, unit: str | None = None) -> list[dict[str, Any]]:
    """Item results (optionally of one unit) with figures as shown."""
    frame = result.items if unit is None else result.items.filter(unit=unit)
    return [
        {
            "unit": r["unit"],
            "part": r["part"],
            "item": r["item"],
            "actual": r["actual"],
            "target": r["target"],
            "score": format_fixed(r["score"], 2),
            "flag": r["flag"] or "",
            "explanation_zh": r["explanation_zh"],
            "explanation_en": r["explanation_en"],
        }
        for r in frame.iter_rows(named=True)
    ]


def results_document(prepared: PreparedAssessment, result: AssessmentResult) -> dict[str, Any]:
    """The whole result as one JSON-ready document (no timestamps: byte-identical on rerun)."""
    items_by_unit: dict[str, list[dict[str, Any]]] = {}
    for row in item_rows(result):
        items_by_unit.setdefault(row.pop("unit"), []).append(row)
    units = ranking_rows(prepared, result)
    for row in units:
        row["items"] = items_by_unit.get(row["unit"], [])
        if not row["parts"]:
            del row["parts"]  # a plain sum: nothing to say beyond the items
    return {
        "scheme": prepared.scheme.code,
        "scheme_version": prepared.scheme.version,
        "period": prepared.period.code,
        "inputs_hash": result.inputs_hash,
        "scheme_hash": result.scheme_hash,
        "units": units,
    }


def render_json(prepared: PreparedAssessment, result: AssessmentResult) -> str:
    return (
        json.dumps(results_document(prepared, result), ensure_ascii=False, indent=2, sort_keys=True)
        + "\n"
    )


def render_csv(prepared: PreparedAssessment, result: AssessmentResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(UNIT_FIELDS)
    for row in ranking_rows(prepared, result):
        writer.writerow(
            [
                *(row[f] for f in UNIT_FIELDS[:7]),
                "1" if row["vetoed"] else "0",
                ";".join(row["vetoes"]),
                ";".join(row["flags"]),
            ]
        )
    return out.getvalue()


def render_text(prepared: PreparedAssessment, result: AssessmentResult) -> str:
    veto_names = {v.code: v.name for v in prepared.compiled.spec.vetoes}
    rows = []
    for r in ranking_rows(prepared, result):
        rows.append(
            [
                str(KIND_LABELS.get(r["kind"], r["kind"])),
                str(r["rank"]),
                r["unit"],
                r["name"],
                r["total"],
                r["grade_name"],
                "、".join(veto_names.get(v, v) for v in r["vetoes"]),
                str(len(r["flags"])) if r["flags"] else "",
            ]
        )
    title = (
        f"{prepared.scheme.name} · {prepared.period.code}\n"
        f"inputs {result.inputs_hash[:12]} · scheme {result.scheme_hash[:12]}\n"
    )
    table = render_table(
        [
            "类型 kind",
            "名次 rank",
            "代码 code",
            "单位 unit",
            "总分 total",
            "等次 grade",
            "否决 veto",
            "待核实 flags",
        ],
        rows,
        right_align=[1, 4, 7],
    )
    return title + table + "\n"


def render_explanation(
    prepared: PreparedAssessment, result: AssessmentResult, unit: str, lang: str = "both"
) -> str:
    """A unit's result, how its total was made, and every item's explanation (part by part
    when the scheme scores period parts), as a clerk would read it."""
    row = next(r for r in ranking_rows(prepared, result) if r["unit"] == unit)
    spec = prepared.compiled.spec
    veto_names = {v.code: (v.name, v.name_en) for v in spec.vetoes}
    lines = [
        f"{row['name']}（{unit}） · {prepared.scheme.name} · {prepared.period.code}",
        f"总分 total {row['total']} · 等次 grade {row['grade_name'] or '—'} · "
        f"名次 rank {row['rank']}",
    ]
    for code in row["vetoes"]:
        zh, en = veto_names.get(code, (code, code))
        lines.append(f"一票否决：{zh} / veto: {en}")
    for language, key, indent in (
        ("zh", "total_explanation_zh", ""),
        ("en", "total_explanation_en", "  "),
    ):
        if lang in (language, "both"):
            lines += [f"{indent}{text}" for text in row[key].splitlines()]
    parts = {p.code: p for p in spec.period_parts}
    shown_part = None
    lines.append("")
    for item in item_rows(result, unit):
        if item["part"] != shown_part and item["part"] in parts:
            part = parts[item["part"]]
            lines.append(f"【{part.name}】 {part.name_en or part.code}")
        shown_part = item["part"]
        if lang in ("zh", "both"):
            lines.append(f"· {item['explanation_zh']}")
        if lang in ("en", "both"):
            lines.append(f"  {item['explanation_en']}")
    if row["flags"]:
        lines.append("")
        lines.append("待核实 / to check: " + ", ".join(row["flags"]))
    return "\n".join(lines) + "\n"
