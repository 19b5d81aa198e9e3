"""Layer 3 for schemes: items, vetoes, grades, tracks, period parts, and frozen versions.

A scheme version that is published never changes, and one used by an assessment run keeps
its scoring content; both are refused here, before anything is written, naming what changed.
The optional keys' own rules are in :mod:`kaohe.bundles.scheme_options`, and those of the
keys that configure what follows from the results (appeals, weak units, money, what a veto
means for officials) in :mod:`kaohe.bundles.outcome_options`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from kaohe.bundles import outcome_options, scheme_options
from kaohe.bundles.checking import Checker, Entry, codes_of
from kaohe.bundles.messages import PathKey
from kaohe.bundles.records import (
    GRADE_FIELDS,
    UNSCORED_KEYS,
    VETO_CONSEQUENCES,
    VETO_FIELDS,
    SchemeRecord,
    document_changes,
)
from kaohe.bundles.schema_errors import SCHEME_PARTS
from kaohe.bundles.scheme_options import WEIGHT_TOLERANCE
from kaohe.engine.expressions import CompileContext, ExpressionError, ExprType
from kaohe.engine.periods import PeriodType
from kaohe.engine.spec import (
    Direction,
    GradeSpec,
    IndicatorSpec,
    ItemSpec,
    PerCaseRule,
    RuleType,
    SchemeSpec,
    VetoSpec,
)
from kaohe.schemes.specs import (
    SINGLE_INDICATOR_RE,
    RuleParamsError,
    correction_specs,
    period_part_specs,
    rule_params_from_dict,
    scheme_hash,
    track_specs,
    with_indicators,
)

SCHEME_PERIOD_TYPES = (PeriodType.YEARLY.value, PeriodType.FINANCIAL_OCT.value)


class SchemeChecker(Checker):
    """The checks of the ``schemes`` section."""

    def schemes(self) -> list[SchemeRecord]:
        records = []
        for entry in self.unique("schemes", key=lambda e: (e.code, e.data.get("version", 1))):
            before = len(self.problems)
            record = self._scheme(entry)
            if record is not None and len(self.problems) == before:
                records.append(record)
                self._frozen(entry, record)
        return records

    def _frozen(self, entry: Entry, record: SchemeRecord) -> None:
        """A published scheme version never changes; a used one keeps its scoring content."""
        stored = self.state.schemes.get((record.code, record.version))
        if stored is None:
            return
        at = ("version",) if "version" in entry.data else ("code",)
        changes = document_changes(stored.document, record.document)
        if stored.indicators != record.spec.indicators and not changes:
            changes = ["indicators"]  # only what the indicators it uses compute has changed
        if stored.published:
            if record.status == "draft":
                changes.append("status")
            if changes:
                number = max(v for c, v in self.state.schemes if c == record.code)
                number = max(number, *self.versions.get(record.code, {0})) + 1
                self.add(
                    entry,
                    at,
                    "scheme_published",
                    code=record.code,
                    version=record.version,
                    changed=", ".join(changes),
                    next=number,
                )
            return
        scoring = set(changes) - set(UNSCORED_KEYS)
        if stored.used and scoring:
            self.add(entry, at, "scheme_used", code=record.code, version=record.version)

    def _scheme(self, entry: Entry) -> SchemeRecord | None:
        data = entry.data
        before = len(self.problems)
        version = data.get("version", 1)
        self.scheme_rows[(entry.code, version)] = data
        self.period_type(entry, SCHEME_PERIOD_TYPES)
        self.years(entry, "year_from", "year_to")
        constants = {k: float(v) for k, v in data.get("constants", {}).items()}
        context = CompileContext(
            elements=self.element_codes,
            indicators=self.indicator_codes,
            constants=constants,
            items=codes_of(data["items"]),
            datasets=self.dataset_codes,
        )
        spoiled = any(
            self.bad(entry, part, i)
            for part in SCHEME_PARTS
            for i, _ in enumerate(data.get(part, []))
        )
        items, item_specs = self._items(entry, context)
        total = data.get("total", 100)
        tracks, parts, signatories = self._options(entry, context, items, total)
        vetoes: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for index, row in enumerate(data.get("vetoes", [])):
            if self.bad(entry, "vetoes", index):
                continue
            self.once(entry, ("vetoes", index, "code"), row["code"], seen)
            at = ("vetoes", index, "condition")
            self.compiles(entry, at, row["condition"], context, ExprType.BOOLEAN)
            vetoes.append(
                {
                    **{k: row[k] for k in VETO_FIELDS[:4]},
                    "sort_order": index,
                    VETO_CONSEQUENCES: outcome_options.consequences(row),
                }
            )
        grades = self._grades(entry)
        corrections = self._corrections(entry)
        designations, money = self._outcomes(entry)
        if (veto_grade := data.get("veto_grade")) is not None:
            if veto_grade not in codes_of(data.get("grades", [])):
                self.add(entry, ("veto_grade",), "veto_grade", code=veto_grade)
        fields = {
            "name": data["name"],
            "name_en": data.get("name_en", ""),
            "period_type": data.get("period_type", PeriodType.YEARLY.value),
            "total": total,
            "unit_kinds": list(data["unit_kinds"]),
            "aggregate_from": list(data.get("aggregate_from", [])),
            "year_from": data.get("year_from"),
            "year_to": data.get("year_to"),
            "veto_grade": veto_grade or "",
            "description": data.get("description", ""),
            "tracks": tracks,
            "coefficient": data.get("coefficient", ""),
            "coefficient_name": data.get("coefficient_name", ""),
            "period_parts": parts,
            "corrections": corrections,
            "extra_indicators": list(data.get("extra_indicators", [])),
            "signatory_roles": signatories,
            "terms": list(data.get("terms", [])),
            "plan_item": data.get("plan_item", ""),
            "validity_note": data.get("validity_note", ""),
            "appeal_days": data.get("appeal_days"),
            "designation_rules": designations,
            "money_rules": money,
        }
        if len(self.problems) > before or spoiled:
            return None
        spec = SchemeSpec(
            code=entry.code,
            name=fields["name"],
            version=version,
            total=float(total),
            items=tuple(item_specs),
            vetoes=tuple(
                VetoSpec(v["code"], v["name"], v["name_en"], v["condition"]) for v in vetoes
            ),
            grades=tuple(
                GradeSpec(g["code"], g["name"], g["name_en"], float(g["min_total"]))
                for g in sorted(grades, key=lambda g: (-g["min_total"], g["code"]))
            ),
            veto_grade=veto_grade or None,
            constants=dict(sorted(constants.items())),
            unit_kinds=tuple(fields["unit_kinds"]),
            # Built as the stored rows are (kaohe.schemes.specs), so the two hash alike.
            tracks=track_specs(tracks, float(total)),
            coefficient=fields["coefficient"].strip() or None,
            coefficient_name=fields["coefficient_name"],
            period_parts=period_part_specs(parts),
            corrections=correction_specs(corrections),
            extra_indicators=tuple(fields["extra_indicators"]),
        )
        try:
            spec = with_indicators(spec, self._lookup_indicators)
        except (ValueError, ExpressionError) as exc:
            self.add(entry, (), "scheme_indicators", str(exc))
            return None
        return SchemeRecord(
            entry.code,
            version,
            fields,
            constants,
            items,
            vetoes,
            grades,
            spec,
            scheme_hash(spec),
            entry.where(),
            data.get("status"),
        )

    def _corrections(self, entry: Entry) -> list[dict[str, Any]]:
        """The elements scored on corrected figures: each known, each once."""
        found: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for index, row in enumerate(entry.data.get("corrections", [])):
            if self.bad(entry, "corrections", index):
                continue
            at = ("corrections", index, "element")
            self.once(entry, at, row["element"], seen)
            self.known(entry, at, "element", row["element"], self.element_codes)
            found.append({"element": row["element"], "method": row.get("method", "larger")})
        return found

    def _options(
        self, entry: Entry, context: CompileContext, items: list[dict[str, Any]], total: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Check tracks, weights, the coefficient, period parts, signatories, the plan item.

        Gives back the tracks, period parts and signatory roles to store.
        """
        data = entry.data
        tracks, issues = scheme_options.tracks(
            data.get("tracks", []), total, self.bad_row(entry, "tracks")
        )
        self.report(entry, issues)
        issues = scheme_options.item_tracks(data, data["items"], self.bad_row(entry, "items"))
        self.report(entry, issues)
        complete = len(items) == len(data["items"])
        if data.get("tracks"):  # each track adds up on its own
            if complete and not issues and len(tracks) == len(data["tracks"]):
                self.report(entry, scheme_options.track_weights(tracks, items))
        elif complete:
            self._weights(entry, items, total)
        if "coefficient" in data:
            self.compiles(entry, ("coefficient",), data["coefficient"], context, ExprType.NUMBER)
        scheme_type = data.get("period_type", PeriodType.YEARLY.value)
        parts, issues = scheme_options.period_parts(
            data.get("period_parts", []),
            scheme_type if scheme_type in SCHEME_PERIOD_TYPES else None,
            self.bad_row(entry, "period_parts"),
        )
        self.report(entry, issues)
        signatories, issues = scheme_options.signatory_roles(
            data.get("signatory_roles", []), self.bad_row(entry, "signatory_roles")
        )
        self.report(entry, issues)
        self.report(entry, scheme_options.plan_item(data.get("plan_item"), context.items))
        return tracks, parts, signatories

    def _outcomes(self, entry: Entry) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Check the designation and money rules against the engine and the scheme's codes."""
        data = entry.data
        codes = outcome_options.SchemeCodes.of(data)
        designations, issues = outcome_options.designation_rules(
            data.get("designation_rules", []), codes, self.bad_row(entry, "designation_rules")
        )
        self.report(entry, issues)
        money, issues = outcome_options.money_rules(
            data.get("money_rules", []), codes, self.bad_row(entry, "money_rules")
        )
        self.report(entry, issues)
        return designations, money

    def _weights(self, entry: Entry, items: Sequence[Mapping[str, Any]], total: float) -> None:
        """Without tracks: the items (bonus items excluded) add up to the scheme's total."""
        added = math.fsum(i["weight"] for i in items if i["rule_type"] != RuleType.BONUS.value)
        if abs(added - total) > WEIGHT_TOLERANCE:
            self.add(entry, ("items",), "weights", added=f"{added:g}", total=f"{total:g}")

    def _lookup_indicators(self, codes: frozenset[str]) -> dict[str, IndicatorSpec]:
        return {code: self.indicator_specs[code] for code in codes if code in self.indicator_specs}

    def _items(
        self, entry: Entry, context: CompileContext
    ) -> tuple[list[dict[str, Any]], list[ItemSpec]]:
        items: list[dict[str, Any]] = []
        specs: list[ItemSpec] = []
        seen: dict[str, int] = {}
        for index, row in enumerate(entry.data["items"]):
            if self.bad(entry, "items", index):
                continue
            at: PathKey = ("items", index)
            self.once(entry, (*at, "code"), row["code"], seen)
            ok = self.compiles(entry, (*at, "actual"), row["actual"], context, ExprType.NUMBER)
            try:
                rule = rule_params_from_dict(row["rule"], row.get("params", {}))
            except RuleParamsError as exc:
                keys = exc.key.replace("[", ".").replace("]", "").split(".") if exc.key else []
                key_path = tuple(int(k) if k.isdigit() else k for k in keys if k)
                zh, en = exc.message_zh, exc.message_en
                self.add(entry, (*at, "params", *key_path), "rule_params", zh=zh, en=en)
                ok = False
            else:
                for k, term in enumerate(rule.also if isinstance(rule, PerCaseRule) else ()):
                    term_at = (*at, "params", "also", k, "expression")
                    ok = (
                        self.compiles(entry, term_at, term.expression, context, ExprType.NUMBER)
                        and ok
                    )
            if row["rule"] == RuleType.BONUS.value and row["weight"] != 0:
                self.add(entry, (*at, "weight"), "bonus_weight")
            decimals, unit = self._display(row)
            fields = {
                "code": row["code"],
                "name": row["name"],
                "name_en": row["name_en"],
                "section": row.get("section", ""),
                "sort_order": index,
                "weight": row["weight"],
                "rule_type": row["rule"],
                "params": row.get("params", {}),
                "actual": row["actual"],
                "target": row.get("target"),
                "direction": row.get("direction", Direction.HIGHER.value),
                "track": row.get("track", ""),
                "decimals": decimals,
                "unit": unit,
                "description": row.get("description", ""),
            }
            items.append(fields)
            if ok:
                target = None if fields["target"] is None else float(fields["target"])
                specs.append(
                    ItemSpec(
                        code=row["code"],
                        name=row["name"],
                        name_en=row["name_en"],
                        weight=float(row["weight"]),
                        rule=rule,
                        actual=row["actual"],
                        target=target,
                        direction=Direction(fields["direction"]),
                        decimals=decimals,
                        unit=unit,
                        section=fields["section"],
                        track=fields["track"],
                    )
                )
        return items, specs

    def _display(self, row: Mapping[str, Any]) -> tuple[int, str]:
        """An item's decimals and unit label, taken from its indicator when left out."""
        decimals, unit = row.get("decimals"), row.get("unit")
        match = SINGLE_INDICATOR_RE.match(row["actual"])
        indicator = self.indicator_specs.get(match[1]) if match else None
        if indicator is not None:
            decimals = indicator.decimals if decimals is None else decimals
            unit = indicator.unit if unit is None else unit
        return (2 if decimals is None else decimals), (unit or "")

    def _grades(self, entry: Entry) -> list[dict[str, Any]]:
        grades = []
        seen: dict[str, int] = {}
        totals: dict[float, int] = {}
        for index, row in enumerate(entry.data.get("grades", [])):
            if self.bad(entry, "grades", index):
                continue
            self.once(entry, ("grades", index, "code"), row["code"], seen)
            if (other := totals.setdefault(row["min_total"], index)) != index:
                at = ("grades", index, "min_total")
                self.add(entry, at, "grade_min_total", value=f"{row['min_total']:g}", n=other + 1)
            grades.append({k: row[k] for k in GRADE_FIELDS})
        return grades
