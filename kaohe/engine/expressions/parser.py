"""Text → syntax tree, with errors that say what was found, what was expected, and where.

The Lark grammar (``grammar.lark``) handles the shape of an expression; this module turns
Lark's tree into :mod:`~kaohe.engine.expressions.nodes` and checks what the grammar leaves
loose on purpose, so that it can explain the mistake precisely: the inside of operand braces,
function names and arities, and ``.periodOffset(n)``. Checks that need to know which codes
exist, and type checks, belong to the compiler.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .errors import ExpressionError, position_of, suggestion
from .folding import FLOAT_MAX
from .functions import (
    DHIS2_UNSUPPORTED,
    DHIS2_UNSUPPORTED_ITEM_FUNCTIONS,
    FUNCTIONS,
    PERIOD_OFFSET,
)
from .nodes import (
    Binary,
    Boolean,
    Call,
    ConstantRef,
    ElementRef,
    IndicatorRef,
    Node,
    Number,
    ReportingRateRef,
    SourceRef,
    TargetRef,
    Unary,
    start,
)

# DHIS2's reporting-rate metrics: the two rates in percent, and the three counts they are made
# of (reports received, received by the due day, expected).
REPORTING_RATE_METRICS: tuple[str, ...] = (
    "REPORTING_RATE",
    "REPORTING_RATE_ON_TIME",
    "ACTUAL_REPORTS",
    "ACTUAL_REPORTS_ON_TIME",
    "EXPECTED_REPORTS",
)

# What S{ELEMENT.MEASURE} reads of an element cross-checked against other sources
# (kaohe.engine.crosscheck): the report, the largest figure any source found, the checks' figure,
# the larger of report and sources, the shortfall and the excess, and statistical accuracy (%).
SOURCE_MEASURES: tuple[str, ...] = (
    "REPORTED",
    "FOUND",
    "CHECKED",
    "CORRECTED",
    "UNDER_REPORTED",
    "OVER_REPORTED",
    "ACCURACY",
)

_OPERAND_RE = re.compile(r"(#|[A-Z]+)\{([^{}\n]*)\}")
_CODE_CHAR_RE = re.compile(r"[A-Za-z0-9_\-]")
_COMMENT_RE = re.compile(r"/\*[\s\S]*?\*/")

_OPERATOR_TOKENS = {"OR": "||", "AND": "&&", "NOT": "!"}

_TreeOrToken = Tree[Token] | Token


@functools.cache
def _parser() -> Lark:
    # Built once per process: constructing the LALR tables costs tens of milliseconds,
    # parsing a typical expression a fraction of one.
    grammar = resources.files(__package__ or __name__).joinpath("grammar.lark")
    return Lark(
        grammar.read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree; raise :class:`ExpressionError` if it is malformed.

    Besides the syntax this checks everything that does not depend on a compile context:
    operand spelling, function names and arities, and ``.periodOffset(n)`` arguments.
    """
    return _parse_cached(text)


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Node:
    # Trees are immutable, so the same text (a rule expression compiled for every scheme
    # version, say) is parsed once. Errors are not cached: lru_cache does not store raises.
    if not isinstance(text, str):
        raise TypeError(f"expression text must be a str, not {type(text).__name__}")
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    try:
        return _Builder(text).build(tree.children[0])
    except RecursionError:
        raise ExpressionError(
            text, 1, 1, "表达式嵌套过深", "the expression is nested too deeply", "too_deep"
        ) from None


# --- tree → nodes ------------------------------------------------------------------------


class _Builder:
    """Converts Lark's parse tree into nodes, validating as it goes."""

    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, line: int, column: int, zh: str, en: str, code: str) -> ExpressionError:
        return ExpressionError(self.text, line, column, zh, en, code)

    def build(self, item: _TreeOrToken | None) -> Node:
        if not isinstance(item, Tree):
            raise AssertionError(f"unexpected parse tree item {item!r}")
        kind = item.data
        if kind == "binary":
            left, operator, right = item.children
            op_token = _token(operator)
            op = _OPERATOR_TOKENS.get(op_token.type, str(op_token))
            return Binary(
                line=_line(op_token),
                column=_column(op_token),
                op=op,
                symbol=str(op_token),
                left=self.build(left),
                right=self.build(right),
            )
        if kind == "unary":
            operator, operand = item.children
            op_token = _token(operator)
            return Unary(
                line=_line(op_token),
                column=_column(op_token),
                op=_OPERATOR_TOKENS.get(op_token.type, str(op_token)),
                symbol=str(op_token),
                operand=self.build(operand),
            )
        if kind == "number":
            return self.number(_token(item.children[0]))
        if kind == "boolean":
            token = _token(item.children[0])
            return Boolean(line=_line(token), column=_column(token), value=token.type == "TRUE")
        if kind == "operand":
            return self.operand(_token(item.children[0]))
        if kind == "call":
            name, args = item.children
            return self.call(_token(name), self.args(args))
        if kind == "method":
            target, name, args = item.children
            return self.method(self.build(target), _token(name), self.args(args))
        raise AssertionError(f"unexpected parse tree node {kind!r}")

    def args(self, item: _TreeOrToken | None) -> tuple[Node, ...]:
        if item is None:  # f() — maybe_placeholders gives None for the empty [args]
            return ()
        if not isinstance(item, Tree):
            raise AssertionError(f"unexpected argument list {item!r}")
        return tuple(self.build(child) for child in item.children)

    def number(self, token: Token) -> Number:
        line, column = _line(token), _column(token)
        try:
            value = Decimal(str(token))
        except InvalidOperation:  # the grammar's NUMBER pattern only admits valid decimals
            raise self.error(
                line, column, f'无效的数字 "{token}"', f'invalid number "{token}"', "syntax"
            ) from None
        if abs(value) > FLOAT_MAX:  # it would become inf, and inf is never a value here
            raise self.error(
                line,
                column,
                f"数字 {token} 太大",
                f"the number {token} is too large",
                "number_too_large",
            )
        return Number(line=line, column=column, value=value, text=str(token))

    def operand(self, token: Token) -> Node:
        line, column = _line(token), _column(token)
        match = _OPERAND_RE.fullmatch(str(token))
        if match is None:  # the grammar's OPERAND pattern is the same regex
            raise AssertionError(f"unexpected operand token {token!r}")
        prefix, body = match.group(1), match.group(2)
        body_column = column + len(prefix) + 1
        if prefix == "#":
            code, dot, rest = body.partition(".")
            self.code(code, line, body_column, token)
            disaggregation = None
            if dot:
                disaggregation = rest
                part_column = body_column + len(code) + 1
                parts = rest.split(".")
                if len(parts) > 2:
                    raise self.error(
                        line,
                        part_column + len(parts[0]) + len(parts[1]) + 2,
                        f'数据元素引用 "{token}" 的部分过多',
                        f'too many parts in the data element reference "{token}"',
                        "invalid_code",
                    )
                for part in parts:
                    if part != "*":
                        self.code(part, line, part_column, token)
                    part_column += len(part) + 1
            return ElementRef(line=line, column=column, code=code, disaggregation=disaggregation)
        if prefix == "N":
            self.code(body, line, body_column, token)
            return IndicatorRef(line=line, column=column, code=body)
        if prefix == "C":
            self.code(body, line, body_column, token)
            return ConstantRef(line=line, column=column, code=body)
        if prefix == "T":
            self.code(body, line, body_column, token)
            return TargetRef(line=line, column=column, item=body)
        if prefix == "R":
            dataset, dot, metric = body.partition(".")
            self.code(dataset, line, body_column, token)
            metric_column = body_column + len(dataset) + 1
            if not dot or metric not in REPORTING_RATE_METRICS:
                found_zh = f'"{metric}"' if dot else "缺少指标"
                found_en = f'"{metric}"' if dot else "none given"
                hint_zh, hint_en = suggestion(metric, REPORTING_RATE_METRICS) if dot else ("", "")
                raise self.error(
                    line,
                    metric_column if dot else body_column + len(dataset),
                    f"不支持的报告率指标（{found_zh}）{hint_zh}；可用："
                    f"{'、'.join(REPORTING_RATE_METRICS)}，如 R{{{dataset}.REPORTING_RATE}}",
                    f"unsupported reporting rate metric ({found_en}){hint_en}; use one of "
                    f"{', '.join(REPORTING_RATE_METRICS)}, as in R{{{dataset}.REPORTING_RATE}}",
                    "unsupported_operand",
                )
            return ReportingRateRef(line=line, column=column, dataset=dataset, metric=metric)
        if prefix == "S":
            element, dot, measure = body.partition(".")
            self.code(element, line, body_column, token)
            measure_column = body_column + len(element) + 1
            if not dot or measure not in SOURCE_MEASURES:
                found_zh = f'"{measure}"' if dot else "缺少口径"
                found_en = f'"{measure}"' if dot else "none given"
                hint_zh, hint_en = suggestion(measure, SOURCE_MEASURES) if dot else ("", "")
                raise self.error(
                    line,
                    measure_column if dot else body_column + len(element),
                    f"不支持的核查口径（{found_zh}）{hint_zh}；可用："
                    f"{'、'.join(SOURCE_MEASURES)}，如 S{{{element}.UNDER_REPORTED}}",
                    f"unsupported cross-check measure ({found_en}){hint_en}; use one of "
                    f"{', '.join(SOURCE_MEASURES)}, as in S{{{element}.UNDER_REPORTED}}",
                    "unsupported_operand",
                )
            return SourceRef(line=line, column=column, element=element, measure=measure)
        raise self.error(
            line,
            column,
            f'不支持的操作数类型 "{prefix}{{…}}"；可用：#{{数据元素}}、N{{指标}}、C{{常量}}、'
            "T{考核项目}、R{数据集.REPORTING_RATE}、S{数据元素.UNDER_REPORTED}",
            f'unsupported operand type "{prefix}{{…}}"; use #{{element}}, N{{indicator}}, '
            "C{constant}, T{item}, R{dataset.REPORTING_RATE} or S{element.UNDER_REPORTED}",
            "unsupported_operand",
        )

    def code(self, code: str, line: int, column: int, token: Token) -> None:
        """Check that ``code`` (starting at ``column``) is a valid DHIS2 code or UID."""
        if not code:
            raise self.error(
                line,
                column,
                f'"{token}" 中缺少代码',
                f'missing code in "{token}"',
                "invalid_code",
            )
        for index, char in enumerate(code):
            if not _CODE_CHAR_RE.fullmatch(char):
                shown = "空格" if char.isspace() else f'"{char}"'
                shown_en = "a space" if char.isspace() else f'"{char}"'
                raise self.error(
                    line,
                    column + index,
                    f'代码 "{code}" 中有无效字符（{shown}）；代码只能包含字母、数字、"_"和"-"',
                    f'invalid character {shown_en} in code "{code}"; codes contain only '
                    'letters, digits, "_" and "-"',
                    "invalid_code",
                )

    def call(self, name_token: Token, args: tuple[Node, ...]) -> Call:
        name = str(name_token)
        line, column = _line(name_token), _column(name_token)
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name in DHIS2_UNSUPPORTED:
                raise self.error(
                    line,
                    column,
                    f'不支持函数 "{name}"；可用函数：{_function_list()}',
                    f'the function "{name}" is not supported; available: {_function_list()}',
                    "unsupported_function",
                )
            hint_zh, hint_en = suggestion(name, FUNCTIONS)
            raise self.error(
                line,
                column,
                f'未知的函数 "{name}"{hint_zh}；可用函数：{_function_list()}',
                f'unknown function "{name}"{hint_en}; available: {_function_list()}',
                "unknown_function",
            )
        if not spec.accepts(len(args)):
            raise self.error(
                line,
                column,
                f"函数 {name} 需要 {spec.arity_zh()}，实际为 {len(args)} 个：{spec.usage_zh}",
                f"{name} takes {spec.arity_en()}, got {len(args)}: {spec.usage_en}",
                "arity",
            )
        return Call(line=line, column=column, name=name, args=args)

    def method(self, target: Node, name_token: Token, args: tuple[Node, ...]) -> Node:
        name = str(name_token)
        line, column = _line(name_token), _column(name_token)
        if name != PERIOD_OFFSET:
            not_supported = name in DHIS2_UNSUPPORTED_ITEM_FUNCTIONS
            raise self.error(
                line,
                column,
                f'{"不支持" if not_supported else "未知的"}操作数函数 ".{name}()"；'
                f"操作数后只能跟 .{PERIOD_OFFSET}(n)",
                f'{"unsupported" if not_supported else "unknown"} item function ".{name}()"; '
                f"only .{PERIOD_OFFSET}(n) may follow an operand",
                "unsupported_function" if not_supported else "unknown_function",
            )
        if len(args) != 1:
            raise self.error(
                line,
                column,
                f"{PERIOD_OFFSET} 需要 1 个参数，实际为 {len(args)} 个：如 .{PERIOD_OFFSET}(-1)",
                f"{PERIOD_OFFSET} takes 1 argument, got {len(args)}: as in .{PERIOD_OFFSET}(-1)",
                "arity",
            )
        offset = _integer_literal(args[0])
        arg_line, arg_column = start(args[0])
        if offset is None:
            raise self.error(
                arg_line,
                arg_column,
                f"{PERIOD_OFFSET} 的参数必须是整数常数，如 -1（上一期）",
                f"the argument of {PERIOD_OFFSET} must be a whole number such as -1 "
                "(the previous period)",
                "period_offset",
            )
        if offset == 0:
            raise self.error(
                arg_line,
                arg_column,
                f"{PERIOD_OFFSET}(0) 没有意义：偏移量不能为 0",
                f"{PERIOD_OFFSET}(0) means nothing: the offset must not be 0",
                "period_offset",
            )
        if isinstance(target, ElementRef | IndicatorRef):
            # DHIS2 adds up chained offsets: #{X}.periodOffset(-1).periodOffset(-1) is two
            # periods back.
            return dataclasses.replace(target, offset=target.offset + offset)
        raise self.error(
            line,
            column,
            f"{PERIOD_OFFSET} 只能用于 #{{数据元素}} 和 N{{指标}}",
            f"{PERIOD_OFFSET} applies only to #{{element}} and N{{indicator}} operands",
            "period_offset",
        )


def _integer_literal(node: Node) -> int | None:
    """The value of ``node`` if it is a whole-number literal, possibly signed; else None."""
    sign = 1
    while isinstance(node, Unary) and node.op in ("-", "+"):
        if node.op == "-":
            sign = -sign
        node = node.operand
    if isinstance(node, Number) and node.value == node.value.to_integral_value():
        return sign * int(node.value)
    return None


def _token(item: _TreeOrToken | None) -> Token:
    if not isinstance(item, Token):
        raise AssertionError(f"expected a token, got {item!r}")
    return item


def _line(token: Token) -> int:
    return token.line if token.line is not None else 1


def _column(token: Token) -> int:
    return token.column if token.column is not None else 1


def _function_list() -> str:
    return ", ".join(FUNCTIONS)


# --- syntax errors -----------------------------------------------------------------------

# Terminals that can begin a value, and binary operators; used to phrase "expected …".
_VALUE_START = frozenset({"NUMBER", "OPERAND", "TRUE", "FALSE"})
_OPERATORS = frozenset({"OR", "AND", "EQ", "CMP", "MUL", "POW"})

_HINTS: dict[str, tuple[str, str]] = {
    "=": ('比较相等请用 "=="', 'use "==" to compare'),
    "&": ('"且"请用 "&&" 或 and', 'use "&&" or "and"'),
    "|": ('"或"请用 "||" 或 or', 'use "||" or "or"'),
    '"': ("不支持文本字符串", "text strings are not supported"),
    "'": ("不支持文本字符串", "text strings are not supported"),
    "[": ("不支持方括号，请用圆括号", 'square brackets are not supported; use "(" and ")"'),
    "]": ("不支持方括号，请用圆括号", 'square brackets are not supported; use "(" and ")"'),
}

_KEYWORDS = ("and", "or", "not", "true", "false")


def _syntax_error(text: str, exc: UnexpectedInput) -> ExpressionError:
    """Translate a Lark error into a bilingual message naming what was found and expected."""
    comment = _unterminated_comment(text)
    if comment is not None:
        line, column = position_of(text, comment)
        return ExpressionError(
            text, line, column, '注释未结束：缺少 "*/"', 'unclosed comment: missing "*/"', "syntax"
        )
    if _COMMENT_RE.sub("", text).strip() == "":
        return ExpressionError(text, 1, 1, "表达式为空", "the expression is empty", "empty")

    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(text, exc)
    if isinstance(exc, UnexpectedToken):
        at_end = exc.token.type == "$END"
        bare = _bare_name(text, len(text) if at_end else exc.token.start_pos or 0)
        if bare is not None:
            return _bare_name_error(text, *bare)
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        line, column = _line(token), _column(token)
        expected_zh, expected_en = _describe_expected(_accepted(exc))
        value = str(token)
        return ExpressionError(
            text,
            line,
            column,
            f'此处不应出现 "{value}"，应为{expected_zh}',
            f'unexpected "{value}"; expected {expected_en}',
            "syntax",
        )
    # The input ended too early: point just past its last meaningful character.
    end = _end_of_content(text)
    line, column = position_of(text, end)
    accepted = _accepted(exc) if isinstance(exc, UnexpectedToken) else set()
    expected_zh, expected_en = _describe_expected(accepted)
    opened = _unclosed_parenthesis(text)
    if opened is not None and "RPAR" in accepted:
        paren_line, paren_column = position_of(text, opened)
        expected_zh += f'（第{paren_line}行第{paren_column}列的 "(" 尚未闭合）'
        expected_en += f' (the "(" at line {paren_line}, column {paren_column} is not closed)'
    return ExpressionError(
        text,
        line,
        column,
        f"表达式意外结束，应为{expected_zh}",
        f"unexpected end of the expression; expected {expected_en}",
        "syntax",
    )


# A name used as a value: not a keyword, not after "." (item functions) or inside braces, and
# not followed by "(" (a call). The grammar only has names in calls, so any such name is
# an error, and the first one is where the parser stumbled.
_BARE_NAME_RE = re.compile(r"(?<![\w.{])([A-Za-z_]\w*)\b(?!\s*\()")


def _bare_name(text: str, limit: int) -> tuple[int, str] | None:
    """The offset and text of the first bare name starting at or before ``limit``, or None."""

    def blank(match: re.Match[str]) -> str:
        return " " * len(match.group())

    # Blank comments and operands so that names inside them are not mistaken for values.
    visible = _OPERAND_RE.sub(blank, _COMMENT_RE.sub(blank, text))
    for match in _BARE_NAME_RE.finditer(visible):
        if match.start() > limit:
            return None
        if match.group(1) not in _KEYWORDS:
            return match.start(), match.group(1)
    return None


def _bare_name_error(text: str, offset: int, name: str) -> ExpressionError:
    line, column = position_of(text, offset)
    lowered = name.lower()
    if lowered in _KEYWORDS:
        zh = f'关键字须小写：应为 "{lowered}"'
        en = f'keywords are lower case: write "{lowered}"'
    elif lowered in ("null", "none", "nil"):
        zh = "没有空值常量：判断缺失请用 isNull(x)，缺失时取默认值请用 firstNonNull(x, 0)"
        en = (
            "there is no null literal: test for a missing value with isNull(x), or supply "
            "a default with firstNonNull(x, 0)"
        )
    else:
        zh = (
            f'"{name}" 不是值：数据元素写作 #{{{name}}}，指标写作 N{{{name}}}，'
            '常量写作 C{...}；函数调用须带 "("'
        )
        en = (
            f'"{name}" is not a value: write a data element as #{{{name}}}, an indicator as '
            f'N{{{name}}}, a constant as C{{...}}; a function call needs "("'
        )
    return ExpressionError(text, line, column, zh, en, "syntax")


def _unexpected_character(text: str, exc: UnexpectedCharacters) -> ExpressionError:
    offset = exc.pos_in_stream or 0
    line, column = exc.line, exc.column
    rest = text[offset:]
    char = rest[:1]
    if re.match(r"(#|[A-Z]+)\{", rest):
        # An operand the OPERAND token could not match: unclosed, or a brace inside it.
        brace = re.match(r"(#|[A-Z]+)\{[^{}\n]*", rest)
        after = brace.end() if brace else len(rest)
        if after < len(rest) and rest[after] == "{":
            line, column = position_of(text, offset + after)
            return ExpressionError(
                text,
                line,
                column,
                '操作数的花括号内不能再有 "{"',
                'an operand may not contain "{"',
                "syntax",
            )
        return ExpressionError(
            text,
            line,
            column,
            f'操作数 "{rest[:after]}" 的花括号未闭合：缺少 "}}"',
            f'the braces of the operand "{rest[:after]}" are not closed: missing "}}"',
            "syntax",
        )
    if char == "{":
        before = re.search(r"([A-Za-z]+)$", text[:offset])
        if before and before.group(1).upper() in ("N", "C", "T", "R"):
            prefix = before.group(1)
            line, column = position_of(text, before.start(1))
            return ExpressionError(
                text,
                line,
                column,
                f'操作数前缀须大写：应为 "{prefix.upper()}{{"',
                f'operand prefixes are upper case: write "{prefix.upper()}{{"',
                "syntax",
            )
    shown = _quoted(char)
    if char in _HINTS:
        hint_zh, hint_en = _HINTS[char]
        return ExpressionError(
            text,
            line,
            column,
            f"此处不应出现 {shown}：{hint_zh}",
            f"unexpected {shown}: {hint_en}",
            "syntax",
        )
    ascii_form = unicodedata.normalize("NFKC", char)
    if char and ascii_form != char and len(ascii_form) == 1 and ascii_form.isascii():
        return ExpressionError(
            text,
            line,
            column,
            f'全角字符 "{char}"：请改用半角 "{ascii_form}"',
            f'full-width character "{char}": use the ASCII "{ascii_form}" instead',
            "syntax",
        )
    expected_zh, expected_en = _describe_expected(_accepted_before(text, offset, exc))
    return ExpressionError(
        text,
        line,
        column,
        f"此处不应出现字符 {shown}，应为{expected_zh}",
        f"unexpected character {shown}; expected {expected_en}",
        "syntax",
    )


def _quoted(char: str) -> str:
    """``char`` in double quotes, or in single quotes when it is a double quote."""
    return f"'{char}'" if char == '"' else f'"{char}"'


def _accepted(exc: UnexpectedInput) -> set[str]:
    """The terminals the parser would really accept where it failed.

    LALR tables merge states, so ``exc.expected`` can list terminals (such as ")" at the top
    level) that no continuation allows; the interactive parser tries each one for real.
    """
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts())
        except UnexpectedInput:  # pragma: no cover - defensive; accepts() copies the parser
            pass
    expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
    return set(expected)


def _accepted_before(text: str, offset: int, exc: UnexpectedCharacters) -> set[str]:
    """What the parser accepts after ``text[:offset]`` (for an unexpected character)."""
    try:
        interactive = _parser().parse_interactive(text[:offset])
        interactive.exhaust_lexer()
        # Lark leaves accepts() unannotated; name its type for the strict checker.
        accepts: Callable[[], Iterable[str]] = interactive.accepts
        return set(accepts())
    except UnexpectedInput:  # pragma: no cover - the prefix lexed fine when the error arose
        return set(exc.allowed or ())


def _describe_expected(accepted: set[str]) -> tuple[str, str]:
    """Phrase a set of terminal names as "a value", "an operator", '")"' … in both languages."""
    zh: list[str] = []
    en: list[str] = []
    value_expected = bool(accepted & _VALUE_START)
    if value_expected:
        zh.append('数值、操作数（如 #{代码}）、函数调用或 "("')
        en.append('a value (a number, an operand such as #{CODE}, a function call or "(")')
    else:
        if accepted & _OPERATORS:
            zh.append("运算符")
            en.append("an operator")
        if "NAME" in accepted:
            zh.append("函数名")
            en.append("a function name")
        if "LPAR" in accepted:
            zh.append('"("')
            en.append('"("')
    if "COMMA" in accepted:
        zh.append('","')
        en.append('","')
    if "RPAR" in accepted:
        zh.append('")"')
        en.append('")"')
    if "$END" in accepted:
        zh.append("表达式结尾")
        en.append("the end of the expression")
    if not en:
        return "其他内容", "something else"
    if len(en) == 1:
        return zh[0], en[0]
    return f"{'、'.join(zh[:-1])}或{zh[-1]}", f"{', '.join(en[:-1])} or {en[-1]}"


def _unterminated_comment(text: str) -> int | None:
    """The offset of a "/*" that is never closed, or None."""
    position = 0
    while True:
        opening = text.find("/*", position)
        if opening < 0:
            return None
        closing = text.find("*/", opening + 2)
        if closing < 0:
            return opening
        position = closing + 2


def _end_of_content(text: str) -> int:
    """The offset just past the last character that is neither whitespace nor comment."""
    stripped = text.rstrip()
    while stripped.endswith("*/"):
        opening = stripped.rfind("/*")
        if opening < 0:
            break
        stripped = stripped[:opening].rstrip()
    return len(stripped)


def _unclosed_parenthesis(text: str) -> int | None:
    """The offset of the innermost "(" left open at the end of ``text``, or None."""
    stack: list[int] = []
    for offset, char in enumerate(_COMMENT_RE.sub(lambda m: " " * len(m.group()), text)):
        if char == "(":
            stack.append(offset)
        elif char == ")" and stack:
            stack.pop()
    return stack[-1] if stack else None
