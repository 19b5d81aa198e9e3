"""What a user is told about a bad bundle: the bilingual messages, problems and the error.

Every message a user can see is in :data:`MESSAGES`, as a (Chinese, English) pair of
``str.format`` templates keyed by kind. A :class:`BundleProblem` is one filled-in message
with its place (file, path, line); :class:`BundleError` carries every problem of a load.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

PathKey = tuple[str | int, ...]

#: Every problem a user can be shown: kind → (Chinese, English) templates for ``str.format``.
MESSAGES: dict[str, tuple[str, str]] = {
    "file_missing": ("文件不存在", "file not found"),
    "file_not_utf8": ("文件不是 UTF-8 编码的文本", "the file is not UTF-8 text"),
    "file_unreadable": ("无法读取文件：{reason}", "cannot read the file: {reason}"),
    "file_empty": ("文件是空的", "the file is empty"),
    "yaml": (
        "YAML 格式错误（第{line}行第{column}列）：{problem}",
        "malformed YAML at line {line}, column {column}: {problem}",
    ),
    "duplicate_key": (
        "键 {key} 重复（第{first}行已出现）",
        "duplicate key {key} (already at line {first})",
    ),
    "required": ("缺少必填字段 {names_zh}", "missing required field(s): {names_en}"),
    "unknown_field": ("未知字段 {key}{hint_zh}", "unknown field {key}{hint_en}"),
    "type": ("应为{want_zh}，而不是{got_zh}{hint_zh}", "expected {want_en}, got {got_en}{hint_en}"),
    "enum": (
        "应为以下之一：{choices_zh}，而不是{got_zh}",
        "must be one of: {choices_en}; got {got_en}",
    ),
    "const": ("应为 {want}，而不是{got_zh}", "must be {want}, got {got_en}"),
    "minimum": ("不能小于 {want}", "must be at least {want}"),
    "maximum": ("不能大于 {want}", "must be at most {want}"),
    "exclusiveMinimum": ("应大于 {want}", "must be greater than {want}"),
    "minItems": ("至少需要 {want} 项", "needs at least {want} entries"),
    "minProperties": ("至少需要 {want} 项", "needs at least {want} entries"),
    "maxProperties": ("最多只能有 {want} 项", "may have at most {want} entries"),
    "minLength": ("不能为空", "must not be empty"),
    "maxLength": ("不能超过 {want} 个字符", "must be at most {want} characters"),
    "uniqueItems": ("列表中有重复项", "the list has duplicate entries"),
    "date_format": (
        "日期应写成 YYYY-MM-DD，如 2026-01-31",
        "write dates as YYYY-MM-DD, e.g. 2026-01-31",
    ),
    "expr_code_format": (
        "代码只能包含字母、数字和下划线",
        "a code may contain only letters, digits and '_'",
    ),
    "code_format": (
        "代码须以字母或数字开头，只能包含字母、数字、下划线、连字符和点",
        "a code must start with a letter or digit and contain only letters, digits, '_', '-', '.'",
    ),
    "decimal_format": (
        '应写成数字，如 1000 或 "1000.50"',
        'write a number, e.g. 1000 or "1000.50"',
    ),
    "schema": ("不符合格式要求：{text}", "{text}"),
    "duplicate_code": (
        "代码 {code} 重复（已在 {at} 定义）",
        "duplicate code {code} (already defined at {at})",
    ),
    "duplicate_in_scheme": (
        "代码 {code} 重复（与第 {n} 项相同）",
        "duplicate code {code} (the same as entry {n})",
    ),
    "unknown": (
        "未知的{what_zh} {code}（配置包和数据库中都没有）",
        "unknown {what_en} {code} (neither in the bundle nor in the database)",
    ),
    "bad_date": ("日期 {value} 不存在", "{value} is not a valid date"),
    "closed_before_opened": ("撤销日期早于设立日期", "closed before it was opened"),
    "years_order": ("不能早于 {start}（{low}）", "must not be before {start} ({low})"),
    "unit_cycle": ("上级单位循环：{cycle}", "circular parent units: {cycle}"),
    "period_type": (
        "{value} 不是 DHIS2 期间类型，可用：{names_zh}",
        "{value} is not a DHIS2 period type name; use one of: {names_en}",
    ),
    "scheme_period_type": (
        "考核年度只能是 Yearly（自然年）或 FinancialOct（10月1日起的统计年度）",
        "an assessment year must be Yearly or FinancialOct (1 October to 30 September)",
    ),
    "element_twice": ("数据元素 {code} 重复", "element {code} is listed twice"),
    "expression": ("表达式有误", "invalid expression"),
    "indicator_cycle": ("指标循环引用：{cycle}", "circular indicator reference: {cycle}"),
    "rule_params": ("{zh}", "{en}"),
    "bonus_weight": (
        "加分项的分值应为 0（最多加多少分由 params.cap 规定）",
        "a bonus item's weight must be 0 (params.cap sets the most it can add)",
    ),
    "weights": (
        "考核项目分值合计 {added}，不等于方案总分 {total}（加分项不计）",
        "the items' weights add up to {added}, not the scheme's total of {total} (bonus items excluded)",
    ),
    "track_unknown": (
        "分线 {code} 不是本方案的分线{choices_zh}",
        "track {code} is not one of this scheme's tracks{choices_en}",
    ),
    "track_missing": (
        "方案分线考核（tracks），每个考核项目都要写所属的线（track）",
        "the scheme declares tracks: every item needs a track",
    ),
    "track_weights": (
        "分线 {code} 的考核项目分值合计 {added}，不等于该线总分 {total}（加分项不计）",
        "the items of track {code} add up to {added}, not the track's total of {total}"
        " (bonus items excluded)",
    ),
    "period_part_coarser": (
        "分期的期间类型 {value} 不比方案的考核期间 {scheme_type} 更短",
        "period type {value} is not finer than the scheme's assessment period {scheme_type}",
    ),
    "period_part_fit": (
        "{value} 期间不能完整地落在一个考核期间（{scheme_type}）内",
        "a {value} period does not fit inside one {scheme_type} assessment period",
    ),
    "period_part_index": (
        "一个考核期间（{scheme_type}）只有 {count} 个 {value} 期间，序号 {index} 超出范围",
        "one {scheme_type} assessment period holds {count} {value} period(s): index {index}"
        " is out of range",
    ),
    "period_part_twice": (
        "与第 {n} 项是同一期间（{value} 第 {index} 期）",
        "the same period as entry {n} ({value} number {index})",
    ),
    "signatory_first": (
        "签订人中至少要有一位第一责任人（first: true）",
        "at least one signatory must be the first responsible person (first: true)",
    ),
    "plan_item": (
        "人口计划项目 {code} 不是本方案的考核项目",
        "plan_item {code} is not one of this scheme's items",
    ),
    "grade_min_total": (
        "最低总分 {value} 与第 {n} 个等次相同，各等次的最低总分必须不同",
        "min_total {value} is the same as grade {n}'s; grades need distinct min_totals",
    ),
    "veto_grade": (
        "等次 {code} 不是本方案的等次",
        "grade {code} is not one of this scheme's grades",
    ),
    "scheme_indicators": (
        "方案用到的指标有误",
        "an indicator the scheme uses is invalid",
    ),
    "scheme_used": (
        "方案已用于考核，请提高版本号（{code} v{version} 的内容与已存的不同）",
        "the scheme has been used in assessments: load it as a new version "
        "({code} v{version} differs from the stored one)",
    ),
    "scheme_published": (
        "方案 {code} v{version} 已发布，不能修改（改动：{changed}）；"
        "请给修改后的方案一个新的版本号，如 version: {next}",
        "the scheme {code} v{version} is published and cannot change (changed: {changed}):"
        " give the changed scheme a new version:, e.g. version: {next}",
    ),
    "outcome_rule": ("{zh}", "{en}"),
    "rule_grade": (
        "等次 {code} 不是本方案的等次{choices_zh}",
        "grade {code} is not one of this scheme's grades{choices_en}",
    ),
    "rule_veto": (
        "否决项 {code} 不是本方案的一票否决项{choices_zh}",
        "veto {code} is not one of this scheme's vetoes{choices_en}",
    ),
    "rule_item": (
        "考核项目 {code} 不是本方案的考核项目{choices_zh}",
        "item {code} is not one of this scheme's items{choices_en}",
    ),
    "rule_role": (
        "角色 {code} 既不是责任人的角色，也不是本方案签订人（signatory_roles）的角色{choices_zh}",
        "role {code} is neither an official's role nor one of the scheme's signatory_roles"
        "{choices_en}",
    ),
    "rule_unit_kind": (
        "单位类型 {code} 不在本方案考核的单位类型（{kinds}）中",
        "unit kind {code} is not one the scheme assesses ({kinds})",
    ),
    "target_item": (
        "方案 {scheme} v{version} 中没有考核项目 {code}",
        "the scheme {scheme} v{version} has no item {code}",
    ),
    "target_year": (
        "{year} 年不在方案的适用年度（{low}–{high}）内",
        "{year} is outside the scheme's years ({low}–{high})",
    ),
    "target_kind": (
        "单位 {code} 是 {kind}，不在方案考核的单位类型（{kinds}）中",
        "unit {code} is a {kind}, which the scheme does not assess ({kinds})",
    ),
    "validation_side": ("{zh}", "{en}"),
    "validation_period_type": (
        "校验周期 {value} 与数据集 {dataset} 的报告周期 {wanted} 不同",
        "period type {value} differs from data set {dataset}'s, {wanted}",
    ),
    "target_twice": (
        "单位 {code} 的 {year} 年目标重复（已在 {at} 给出）",
        "a second {year} target for unit {code} (already given at {at})",
    ),
}

#: How an "unknown …" problem names what it could not find: (Chinese, English).
REFERENCE_NAMES = {
    "parent": ("上级单位", "parent unit"),
    "unit": ("单位", "unit"),
    "element": ("数据元素", "data element"),
    "scheme": ("考核方案", "scheme"),
    "version": ("方案版本", "scheme version"),
    "indicator": ("指标", "indicator"),
    "dataset": ("数据集", "data set"),
}


# --- problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleProblem:
    """One thing wrong with a bundle: where (file, path in the document, line) and what.

    ``path`` reads like ``schemes[0].items[3].weight``; ``line`` is 1-based, or ``None`` when
    the problem has no place in a file. ``detail`` holds extra lines (an expression with a
    caret under the mistake), shown indented. ``kind`` is the key in :data:`MESSAGES`.
    """

    file: str
    path: str
    line: int | None
    message_zh: str
    message_en: str
    detail: str = ""
    kind: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: " if self.path else f"{where}: "
        text += f"{self.message_zh} / {self.message_en}"
        if self.detail:
            text += "\n" + "\n".join("    " + line for line in self.detail.splitlines())
        return text


def make_problem(
    file: str, path: PathKey, line: int | None, kind: str, detail: str = "", /, **values: Any
) -> BundleProblem:
    """A problem of ``kind`` (a :data:`MESSAGES` key) with its templates filled in."""
    zh, en = MESSAGES[kind]
    return BundleProblem(
        file, format_path(path), line, zh.format(**values), en.format(**values), detail, kind
    )


class BundleError(Exception):
    """A bundle that cannot be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: Iterable[BundleProblem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def format_path(parts: Sequence[str | int]) -> str:
    """``("schemes", 0, "items", 3, "weight")`` → ``schemes[0].items[3].weight``."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
