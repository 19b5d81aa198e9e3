"""Explanations of item scores: the templates of :mod:`kaohe.engine.templates` filled in with
the figures of an :class:`~kaohe.engine.rules.ItemOutcome`.

Two renderers read the same templates, so every wording exists once:

* :func:`render_rows` builds each unit's text in plain Python: each figure is formatted once
  per unit and each branch's template is a ``str.format`` pattern. Cheapest for a township.
* :func:`render_series` / :func:`render_many` build them with Polars. The units are ordered
  by branch, so each branch's rows are one slice and each row is built once, by one
  ``pl.format`` over its branch's slice; the slices are then put back in unit order. A figure
  constant over a branch's rows (a default target, a band bound, a score of 0) is printed
  once into that branch's pattern; another is formatted through a lookup table of its few
  grid values, or with a Decimal cast when they are many. :func:`render_many` builds many
  items in one query, so Polars works on them in parallel.

:func:`render` and :func:`render_all` pick one by the number of units. Both renderers print a
figure as ``round(value × 10**decimals) / 10**decimals`` with exactly its decimals (trimmed
figures without trailing zeros), a NaN or infinite figure as nothing, and agree on every
string. :func:`~kaohe.engine.rules.score_item` leaves each figure rounded half-up to the
decimals it is printed with, so printing it rounds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from kaohe.engine.rules import FloatArray, ItemOutcome
from kaohe.engine.templates import (
    LANGUAGES,
    Figure,
    ItemTemplates,
    Plural,
    Template,
    item_templates,
    unit_words,
)

__all__ = [
    "VECTORISE_FROM",
    "item_templates",
    "render",
    "render_all",
    "render_many",
    "render_many_langs",
    "render_rows",
    "render_rows_langs",
    "render_series",
    "unit_words",
]

# From this many units on, the vectorised renderer beats building strings in Python (measured
# for 20 items in both languages: equal at about 600 units, Polars twice as fast at 2,000).
VECTORISE_FROM = 600


# --- plain Python ---------------------------------------------------------------------------


class _RowPlan:
    """An item's templates compiled for :func:`render_rows`: the figures then the plural
    choices a row needs, and per language and branch a ``str.format`` pattern reading them by
    position."""

    def __init__(self, templates: ItemTemplates) -> None:
        self.figures = templates.figures()
        self.plurals = templates.plurals()
        slots: tuple[Figure | Plural, ...] = (*self.figures, *self.plurals)
        slot = {piece: index for index, piece in enumerate(slots)}
        self.patterns = {
            lang: tuple(_pattern(t, slot) for t in templates.branches(lang)) for lang in LANGUAGES
        }


def _pattern(template: Template, slot: Mapping[Figure | Plural, int]) -> str:
    parts = []
    for piece in template:
        if isinstance(piece, str):
            parts.append(piece.replace("{", "{{").replace("}", "}}"))
        else:
            parts.append(f"{{{slot[piece]}}}")
    return "".join(parts)


# Row plans by the identity of their templates (item_templates caches those): hashing a
# frozen ItemTemplates walks all its pieces, which costs more than rendering a township.
_ROW_PLANS: dict[int, tuple[ItemTemplates, _RowPlan]] = {}


def _row_plan(templates: ItemTemplates) -> _RowPlan:
    entry = _ROW_PLANS.get(id(templates))
    if entry is None or entry[0] is not templates:
        if len(_ROW_PLANS) >= 4096:
            _ROW_PLANS.clear()
        entry = (templates, _RowPlan(templates))
        _ROW_PLANS[id(templates)] = entry
    return entry[1]


def _format_value(value: float, figure: Figure) -> str:
    """``value`` (on the figure's grid) with ``figure.decimals`` decimals; NaN → ``""``."""
    if value != value:
        return ""
    text = f"{value + 0.0:.{figure.decimals}f}"
    if figure.trimmed and figure.decimals > 0:
        text = text.rstrip("0").rstrip(".")
    return text


def _format_column(values: FloatArray, figure: Figure) -> list[str]:
    """Each value with exactly ``figure.decimals`` decimals (trimmed if asked); NaN → ``""``."""
    if figure.decimals == 0:
        # Python's round() is np.rint's half-to-even; ``v - v == 0`` holds for finite v only.
        return [str(round(v)) if v - v == 0 else "" for v in values.tolist()]
    scale = 10.0**figure.decimals
    grid = values * scale
    np.rint(grid, out=grid)
    grid /= scale
    return _format_grid(grid, figure)


def _format_grid(values: FloatArray, figure: Figure) -> list[str]:
    """Values already on the figure's grid (or not finite), printed."""
    spec = f"{{:.{figure.decimals}f}}".format
    # ``v - v == 0`` holds for finite numbers only; ``+ 0.0`` prints −0.0 as 0.
    texts = [spec(v + 0.0) if v - v == 0 else "" for v in values.tolist()]
    if figure.trimmed and figure.decimals > 0:
        texts = [t.rstrip("0").rstrip(".") for t in texts]
    return texts


def render_rows_langs(
    templates: ItemTemplates, outcome: ItemOutcome, langs: Sequence[str] = LANGUAGES
) -> dict[str, list[str]]:
    """Each unit's explanation in each of ``langs``, built in plain Python.

    Each figure is formatted once per unit and shared by the languages.
    """
    plan = _row_plan(templates)
    columns = [_format_column(_figure(outcome, f.name), f) for f in plan.figures]
    by_figure = dict(zip(plan.figures, columns, strict=True))
    for plural in plan.plurals:
        one, many = plural.one, plural.many
        columns.append([one if text == "1" else many for text in by_figure[plural.figure]])
    branches = outcome.branch.tolist()
    rows = list(zip(*columns, strict=True)) if columns else [()] * len(branches)
    result: dict[str, list[str]] = {}
    for lang in langs:
        if lang not in plan.patterns:
            templates.branches(lang)  # raises: unknown language
        patterns = plan.patterns[lang]
        result[lang] = [
            patterns[branch].format(*row) for branch, row in zip(branches, rows, strict=True)
        ]
    return result


def render_rows(templates: ItemTemplates, outcome: ItemOutcome, lang: str) -> list[str]:
    """Each unit's explanation in ``lang`` (``"zh"`` or ``"en"``), built in plain Python."""
    return render_rows_langs(templates, outcome, (lang,))[lang]


def _figure(outcome: ItemOutcome, name: str) -> FloatArray:
    try:
        return outcome.figures[name]
    except KeyError:
        raise KeyError(f"the outcome has no figure {name!r} for its explanation") from None


# --- vectorised with Polars -----------------------------------------------------------------


def _format_texts(numbers: pl.Expr, figure: Figure) -> pl.Expr:
    """Polars twin of :func:`_format_grid` for grid values (NaN and inf give null)."""
    text = numbers.cast(pl.Decimal(38, figure.decimals), strict=False).cast(pl.String)
    if figure.trimmed and figure.decimals > 0:
        text = text.str.strip_chars_end("0").str.strip_chars_end(".")
    return text


def _grid_expr(values: pl.Expr, decimals: int) -> pl.Expr:
    """Polars twin of :func:`_grid` (as float; NaN and inf stay so)."""
    return (values * 10.0**decimals).round(0, mode="half_to_even")


class _Item:
    """One item's units in branch order, each branch's figures as literals or columns."""

    def __init__(self, query: _Query, index: int, outcome: ItemOutcome) -> None:
        self.query = query
        self.index = index
        self.outcome = outcome
        branch = np.asarray(outcome.branch)
        self.counts = np.bincount(branch, minlength=1)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)]).tolist()
        self.order: npt.NDArray[np.intp] | None = None
        self.inverse = ""
        if np.count_nonzero(self.counts) > 1 and not bool((branch[1:] >= branch[:-1]).all()):
            # Units ordered by branch, so that each branch's rows are one slice; the inverse
            # permutation puts the texts back in unit order.
            self.order = np.argsort(branch, kind="stable")
            inverse = np.empty(query.size, dtype=np.int64)
            inverse[self.order] = np.arange(query.size, dtype=np.int64)
            self.inverse = query.input(f"{index}:inverse", inverse, carried=True)
        self._values: dict[str, FloatArray] = {}
        self._ranges: dict[str, tuple[float, float, npt.NDArray[Any] | None]] = {}
        self._inputs: dict[str, str] = {}
        self._columns: dict[Figure | Plural, str] = {}

    def values(self, name: str) -> FloatArray:
        """The figure ``name`` in branch order."""
        if name not in self._values:
            values = _figure(self.outcome, name)
            self._values[name] = values[self.order] if self.order is not None else values
        return self._values[name]

    def range(self, name: str) -> tuple[float, float, npt.NDArray[Any] | None]:
        """The figure's least and greatest values (NaN ignored; NaN if none) and, when that
        is a single value, how many units of each branch lack it (None: none do)."""
        if name not in self._ranges:
            values = _figure(self.outcome, name)
            low, high = float(np.fmin.reduce(values)), float(np.fmax.reduce(values))
            missing = None
            if not low < high:
                absent = np.isnan(values)
                if absent.any():
                    branch = np.asarray(self.outcome.branch)
                    missing = np.bincount(branch, weights=absent, minlength=self.counts.size)
            self._ranges[name] = (low, high, missing)
        return self._ranges[name]

    def text(self, lang: str, templates: ItemTemplates) -> pl.Expr:
        """The item's texts in ``lang``, in branch order."""
        parts = []
        for code in np.flatnonzero(self.counts).tolist():
            parts.append(self._branch(templates.branches(lang)[code], code))
        text = parts[0]
        for part in parts[1:]:
            text = text.append(part)
        return text

    def _branch(self, template: Template, code: int) -> pl.Expr:
        """One branch's texts over its slice of rows: one ``pl.format`` (or a literal)."""
        pattern: list[str] = []
        args: list[pl.Expr] = []
        for piece in template:
            shown = piece if isinstance(piece, str) else self._piece(piece, code)
            if isinstance(shown, str):
                pattern.append(shown.replace("{", "{{").replace("}", "}}"))
            else:
                pattern.append("{}")
                args.append(shown)
        length = int(self.counts[code])
        if not args:
            literal = "".join(pattern).replace("{{", "{").replace("}}", "}")
            return pl.repeat(pl.lit(literal, dtype=pl.String), length)
        return pl.format("".join(pattern), *args)

    def _piece(self, piece: Figure | Plural, code: int) -> str | pl.Expr:
        """A figure (or plural) as a literal when constant over the branch, else a column."""
        figure = piece.figure if isinstance(piece, Plural) else piece
        if isinstance(piece, Plural) and figure.decimals and not figure.trimmed:
            return piece.many  # "1.00" is not "1"
        start, length = self.starts[code], int(self.counts[code])
        low, high, missing = self.range(figure.name)
        constant: float | None = None
        if not low < high:  # one value (or none) over all units: no need to reorder them
            absent = length if low != low else 0 if missing is None else int(missing[code])
            if absent in (0, length):
                constant = low if absent == 0 else np.nan
        else:
            values = self.values(figure.name)[start : start + length]
            first = float(values[0])
            same = (values == first).all() if first == first else np.isnan(values).all()
            constant = first if same else None
        if constant is not None:
            scale = 10.0**figure.decimals
            text = _format_grid(_grid(np.array([constant]), figure.decimals) / scale, figure)[0]
            if isinstance(piece, Plural):
                return piece.one if text == "1" else piece.many
            return text
        if piece not in self._columns:
            self._columns[piece] = self._column(piece)
        return pl.col(self._columns[piece]).slice(start, length)

    def _input(self, name: str) -> pl.Expr:
        """The figure ``name`` (in branch order) as a column of the query."""
        if name not in self._inputs:
            self._inputs[name] = self.query.input(f"{self.index}:{name}", self.values(name))
        return pl.col(self._inputs[name])

    def _column(self, piece: Figure | Plural) -> str:
        """Add the stage-1 column of ``piece``: a formatted figure or plural word."""
        name = f"{self.index}:{len(self._columns)}"
        figure = piece.figure if isinstance(piece, Plural) else piece
        grid = _grid_expr(self._input(figure.name), figure.decimals)
        if isinstance(piece, Plural):
            # A figure printed without decimals (or trimmed) prints as "1" on 10**decimals.
            chosen = (
                pl.when(grid == 10.0**figure.decimals)
                .then(pl.lit(piece.one))
                .otherwise(pl.lit(piece.many))
            )
            self.query.stage1.append(chosen.alias(name))
            return name
        bounds = np.array(self.range(figure.name)[:2])
        if np.isinf(bounds).any():  # the table spans the finite values only
            values = self.values(figure.name)
            finite = np.where(np.isinf(values), np.nan, values)
            bounds = np.array([np.fmin.reduce(finite), np.fmax.reduce(finite)])
        low, high = _grid(bounds, figure.decimals)
        if low != low or high != high:  # no finite value at all
            low = high = 0.0
        if high - low < self.query.size:
            # Fewer grid values than units: format each once and gather the texts by index.
            table = np.arange(low, high + 1.0) / 10.0**figure.decimals
            texts = _format_texts(pl.lit(pl.Series(table)), figure)
            text = texts.gather((grid - low).cast(pl.UInt32, strict=False))
        else:
            text = _format_texts(grid / 10.0**figure.decimals, figure)
        self.query.stage1.append(text.fill_null("").alias(name))
        return name


class _Query:
    """One vectorised rendering of many items, in three steps over one frame of inputs.

    Stage 1 makes each item's formatted figure columns (in the item's branch order), stage 2
    each (item, language) text in branch order, and a last ``with_columns`` puts the texts
    back in unit order. Polars runs the columns of each step in parallel.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.inputs: list[pl.Series] = []
        self.stage1: list[pl.Expr] = []
        # Each text in branch order, with the column that puts it back in unit order ("": none).
        self.texts: list[tuple[pl.Expr, str]] = []
        self.carried: list[str] = []

    def input(self, name: str, values: npt.NDArray[Any], *, carried: bool = False) -> str:
        """Add a numeric input column; ``carried`` ones pass through stage 1 unchanged."""
        self.inputs.append(pl.Series(f"_in:{name}", values))
        if carried:
            self.stage1.append(pl.col(f"_in:{name}").alias(name))
            self.carried.append(name)
            return name
        return f"_in:{name}"

    def add(
        self, index: int, templates: ItemTemplates, outcome: ItemOutcome, langs: Sequence[str]
    ) -> None:
        """Add the texts of item ``index`` in each of ``langs`` (in that order)."""
        if self.size == 0:
            self.texts.extend((pl.lit(""), "") for _ in langs)
            return
        if np.shape(outcome.branch) != (self.size,):
            raise ValueError(
                f"{templates.code}: {np.shape(outcome.branch)} units, expected {self.size}"
            )
        item = _Item(self, index, outcome)
        inverse = item.inverse if item.order is not None else ""
        self.texts.extend((item.text(lang, templates), inverse) for lang in langs)

    def run(self) -> list[pl.Series]:
        if self.size == 0:
            return [pl.Series(values=[], dtype=pl.String) for _ in self.texts]
        # A column of the right height, so that a stage of literals alone has its length.
        self.inputs.append(pl.Series("_height", np.zeros(self.size, dtype=np.int8)))
        names = [f"_t{k}" for k in range(len(self.texts))]
        # Two eager selects: as one lazy query Polars fuses them and spends more than it saves.
        frame = (
            pl.DataFrame(self.inputs)
            .select([*self.stage1, pl.col("_height")])
            .select(
                [text.alias(name) for (text, _), name in zip(self.texts, names, strict=True)]
                + [pl.col(name) for name in self.carried]
            )
        )
        # The texts of items whose units were reordered by branch are appended slices: put
        # them in unit order, on single chunks (gathering from many chunks is ten times slower).
        back = [
            (name, inverse) for (_, inverse), name in zip(self.texts, names, strict=True) if inverse
        ]
        if back:
            frame = frame.rechunk().with_columns(
                pl.col(name).gather(pl.col(inverse)) for name, inverse in back
            )
        return [frame.get_column(name) for name in names]


def _grid(values: FloatArray, decimals: int) -> FloatArray:
    """round(values × 10**decimals), NaN where not finite: the figure as an integer count of
    its last printed digit. Both renderers print ``grid / 10**decimals``."""
    scaled = np.rint(values * 10.0**decimals)
    scaled[~np.isfinite(scaled)] = np.nan
    return scaled


def render_many_langs(
    items_templates: Sequence[ItemTemplates],
    outcomes: Sequence[ItemOutcome],
    langs: Sequence[str] = LANGUAGES,
) -> dict[str, list[pl.Series]]:
    """Every item's explanations in each of ``langs``, vectorised in one Polars query.

    Each item's figures are formatted once and shared by the languages.
    """
    if len(items_templates) != len(outcomes):
        raise ValueError(f"{len(items_templates)} templates for {len(outcomes)} outcomes")
    if not outcomes:
        return {lang: [] for lang in langs}
    query = _Query(int(np.asarray(outcomes[0].branch).shape[0]))
    for index, (templates, outcome) in enumerate(zip(items_templates, outcomes, strict=True)):
        query.add(index, templates, outcome, langs)
    texts = query.run()
    return {
        lang: [
            texts[item * len(langs) + k].alias(f"{lang}:{t.code}")
            for item, t in enumerate(items_templates)
        ]
        for k, lang in enumerate(langs)
    }


def render_many(
    items_templates: Sequence[ItemTemplates], outcomes: Sequence[ItemOutcome], lang: str
) -> list[pl.Series]:
    """Every item's explanations in ``lang``, vectorised in one Polars query."""
    return render_many_langs(items_templates, outcomes, (lang,))[lang]


def render_series(templates: ItemTemplates, outcome: ItemOutcome, lang: str) -> pl.Series:
    """Each unit's explanation in ``lang``, vectorised with Polars."""
    return render_many([templates], [outcome], lang)[0]


def render_all(
    items_templates: Sequence[ItemTemplates],
    outcomes: Sequence[ItemOutcome],
    langs: Sequence[str] = LANGUAGES,
    vectorise_from: int = VECTORISE_FROM,
) -> dict[str, list[pl.Series]]:
    """Every item's explanations in each of ``langs`` (String Series in unit order).

    Below ``vectorise_from`` units the texts are built in plain Python, from it on with one
    Polars query; the strings are the same either way.
    """
    size = int(np.asarray(outcomes[0].branch).shape[0]) if outcomes else 0
    if size >= vectorise_from:
        return render_many_langs(items_templates, outcomes, langs)
    result: dict[str, list[pl.Series]] = {lang: [] for lang in langs}
    for templates, outcome in zip(items_templates, outcomes, strict=True):
        texts = render_rows_langs(templates, outcome, langs)
        for lang in langs:
            name = f"{lang}:{templates.code}"
            result[lang].append(pl.Series(name, texts[lang], dtype=pl.String))
    return result


def render(
    templates: ItemTemplates,
    outcome: ItemOutcome,
    lang: str,
    vectorise_from: int = VECTORISE_FROM,
) -> pl.Series:
    """Each unit's explanation in ``lang``: :func:`render_rows` for fewer than
    ``vectorise_from`` units, else :func:`render_series`."""
    return render_all([templates], [outcome], (lang,), vectorise_from)[lang][0]
