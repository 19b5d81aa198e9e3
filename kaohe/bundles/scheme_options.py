"""The meaning of a scheme's optional keys: tracks, period parts, signatories, the plan item.

Part of layer 3 of checking (see :mod:`kaohe.bundles.loader`). Each function takes the
scheme's entry as the JSON Schema left it, gives back the values to store (defaults filled
in, weights as floats) and the problems found, as :data:`Issue` tuples whose paths are
relative to the scheme entry. Rows the schema already found wrong are passed over (``bad``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from kaohe.bundles.messages import PathKey
from kaohe.engine.periods import (
    FREQUENCY_ORDER,
    PeriodType,
    make_period,
    periods_within,
)
from kaohe.engine.spec import RuleType

#: One problem: (path inside the scheme entry, message kind, template values).
Issue = tuple[PathKey, str, dict[str, Any]]
#: Whether the schema found an error in the n-th row of a list.
BadRow = Callable[[int], bool]

WEIGHT_TOLERANCE = 1e-9
# Years whose calendars differ in every way that matters to counting days and weeks (leap
# years, ISO years of 52 and 53 weeks): a whole 28-year solar cycle.
_SAMPLE_YEARS = range(2001, 2029)


def _duplicate(path: PathKey, code: str, seen: dict[str, int]) -> list[Issue]:
    """Within one scheme: a code used by two rows of the same list."""
    if code in seen:
        return [(path, "duplicate_in_scheme", {"code": code, "n": seen[code] + 1})]
    seen[code] = int(path[1])
    return []


def tracks(
    rows: Sequence[Mapping[str, Any]], total: float, bad: BadRow
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The scheme's tracks (each track's total defaulting to the scheme's), codes unique."""
    found: list[dict[str, Any]] = []
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        if bad(index):
            continue
        issues += _duplicate(("tracks", index, "code"), row["code"], seen)
        found.append(
            {
                "code": row["code"],
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "weight": float(row["weight"]),
                "total": float(row.get("total", total)),
            }
        )
    return found, issues


def _known_codes(rows: Sequence[Any]) -> list[str]:
    return [r["code"] for r in rows if isinstance(r, dict) and isinstance(r.get("code"), str)]


def item_tracks(
    data: Mapping[str, Any], items: Sequence[Mapping[str, Any]], bad_item: BadRow
) -> list[Issue]:
    """Every item names a declared track when the scheme has tracks, and only then."""
    declared = _known_codes(data.get("tracks", []))
    if declared:
        choices_zh, choices_en = f"（可用：{'、'.join(declared)}）", f" ({', '.join(declared)})"
    else:
        choices_zh, choices_en = "（本方案没有声明分线 tracks）", " (the scheme declares no tracks)"
    issues: list[Issue] = []
    for index, row in enumerate(items):
        if bad_item(index):
            continue
        at: PathKey = ("items", index, "track")
        track = row.get("track")
        if track is None and declared:
            issues.append((at, "track_missing", {}))
        elif track is not None and track not in declared:
            values = {"code": track, "choices_zh": choices_zh, "choices_en": choices_en}
            issues.append((at, "track_unknown", values))
    return issues


def track_weights(
    declared: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]]
) -> list[Issue]:
    """Each track's items (bonus items excluded) add up to the track's total.

    ``declared`` are the tracks as :func:`tracks` gives them and ``items`` the stored item
    fields; call it only when every item and track is sound.
    """
    issues: list[Issue] = []
    for index, track in enumerate(declared):
        weights = [
            i["weight"]
            for i in items
            if i["track"] == track["code"] and i["rule_type"] != RuleType.BONUS.value
        ]
        added = math.fsum(weights)
        if abs(added - track["total"]) > WEIGHT_TOLERANCE:
            values = {"code": track["code"], "added": f"{added:g}", "total": f"{track['total']:g}"}
            issues.append((("tracks", index), "track_weights", values))
    return issues


@cache
def periods_per_assessment(scheme_type: str, part_type: str) -> int:
    """How many periods of ``part_type`` lie wholly inside every assessment period.

    The scheme's own type is the whole assessment period: one. An index up to this number
    names a period in any year, as the engine resolves it.
    """
    outer, inner = PeriodType(scheme_type), PeriodType(part_type)
    if inner is outer:
        return 1
    varies = inner in (PeriodType.DAILY, PeriodType.WEEKLY)
    years = _SAMPLE_YEARS if varies else _SAMPLE_YEARS[:1]
    return min(len(periods_within(make_period(outer, year), inner)) for year in years)


def period_parts(
    rows: Sequence[Mapping[str, Any]], scheme_type: str | None, bad: BadRow
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The parts of the assessment period scored separately; ``scheme_type`` if it is valid.

    A part's period type must be a DHIS2 name finer than the scheme's (or the scheme's own,
    meaning the whole period), and its index must number one of the periods of that type
    inside every assessment period.
    """
    found: list[dict[str, Any]] = []
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    periods: dict[tuple[str, int], int] = {}
    names = [p.value for p in PeriodType]
    for index, row in enumerate(rows):
        if bad(index):
            continue
        at: PathKey = ("period_parts", index)
        issues += _duplicate((*at, "code"), row["code"], seen)
        part_type, number = row["period_type"], row["index"]
        found.append(
            {
                "code": row["code"],
                "name": row["name"],
                "name_en": row.get("name_en", ""),
                "period_type": part_type,
                "index": number,
                "weight": float(row["weight"]),
            }
        )
        shown = {"value": part_type, "scheme_type": scheme_type, "index": number}
        if part_type not in names:
            joined = {"names_zh": "、".join(names), "names_en": ", ".join(names)}
            issues.append(((*at, "period_type"), "period_type", {"value": part_type, **joined}))
            continue
        if scheme_type is None:
            continue  # the scheme's own period type is wrong, and reported
        inner, outer = PeriodType(part_type), PeriodType(scheme_type)
        if inner is not outer and FREQUENCY_ORDER[inner] >= FREQUENCY_ORDER[outer]:
            issues.append(((*at, "period_type"), "period_part_coarser", shown))
            continue
        count = periods_per_assessment(scheme_type, part_type)
        if count == 0:
            issues.append(((*at, "period_type"), "period_part_fit", shown))
        elif number > count:
            issues.append(((*at, "index"), "period_part_index", {**shown, "count": count}))
        elif (part_type, number) in periods:
            n = periods[(part_type, number)] + 1
            issues.append(((*at, "index"), "period_part_twice", {**shown, "n": n}))
        else:
            periods[(part_type, number)] = index
    return found, issues


def signatory_roles(
    rows: Sequence[Mapping[str, Any]], bad: BadRow
) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Who signs the contract; when any are given, at least one is a first responsible person."""
    found = [
        {"role": row["role"], "name": row["name"], "first": bool(row.get("first", False))}
        for index, row in enumerate(rows)
        if not bad(index)
    ]
    complete = len(found) == len(rows)
    if rows and complete and not any(row["first"] for row in found):
        return found, [(("signatory_roles",), "signatory_first", {})]
    return found, []


def plan_item(code: str | None, item_codes: frozenset[str]) -> list[Issue]:
    """The plan item, when given, is one of the scheme's items."""
    if code is not None and code not in item_codes:
        return [(("plan_item",), "plan_item", {"code": code})]
    return []
