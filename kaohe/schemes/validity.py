"""The years a scheme and its indicators are valid for, and the explicit override to go beyond.

A scheme (``year_from``–``year_to``) and each indicator it uses (``valid_from``–``valid_to``)
say which years they were written for; the 2006-era birth-control indicators, for example, end
with the 2021 policy change. Assessing a year outside those years is refused unless the user
gives a reason (the override); the run then keeps the reason and one warning per rule that was
stretched, with the configured note saying why it warns.
"""

from __future__ import annotations

from dataclasses import dataclass

from kaohe.schemes.models import Indicator, Scheme


class ValidityError(ValueError):
    """A scheme or indicator used outside its years without an override (bilingual)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OutOfYears:
    """One scheme or indicator used outside the years it is valid for."""

    kind: str  # "scheme" or "indicator"
    code: str
    name: str
    year_from: int | None
    year_to: int | None
    note: str

    def message(self, year: int) -> str:
        years = f"{self.year_from or '…'}–{self.year_to or '…'}"
        what_zh = "考核方案" if self.kind == "scheme" else "指标"
        text = (
            f"{what_zh} {self.name}（{self.code}）适用于 {years} 年，不适用于 {year} 年 / "
            f"{self.kind} {self.code} is valid for {years}, not for {year}"
        )
        return f"{text}：{self.note}" if self.note else text


def _outside(year: int, low: int | None, high: int | None) -> bool:
    return (low is not None and year < low) or (high is not None and year > high)


def out_of_years(scheme: Scheme, year: int, indicator_codes: set[str]) -> list[OutOfYears]:
    """The scheme itself and the indicators it uses that are not valid for ``year``."""
    found = []
    if _outside(year, scheme.year_from, scheme.year_to):
        found.append(
            OutOfYears(
                "scheme",
                scheme.code,
                scheme.name,
                scheme.year_from,
                scheme.year_to,
                scheme.validity_note,
            )
        )
    for row in Indicator.objects.filter(code__in=indicator_codes).order_by("code"):
        if _outside(year, row.valid_from, row.valid_to):
            found.append(
                OutOfYears(
                    "indicator",
                    row.code,
                    row.name,
                    row.valid_from,
                    row.valid_to,
                    row.validity_note,
                )
            )
    return found


def check_validity(
    scheme: Scheme, year: int, indicator_codes: set[str], override: str = ""
) -> list[str]:
    """The warnings of assessing ``year`` with ``scheme``; refused without an override.

    ``indicator_codes`` are the indicators the compiled scheme uses (transitively). Returns one
    bilingual warning per rule used outside its years (an empty list when all are valid);
    raises :class:`ValidityError` when there is any and ``override`` (the reason) is blank.
    """
    found = out_of_years(scheme, year, indicator_codes)
    messages = [entry.message(year) for entry in found]
    if messages and not override.strip():
        raise ValidityError(
            [
                *messages,
                "如确需使用，请说明理由（超出适用年度）/ give a reason to use it anyway "
                "(override the years it is valid for)",
            ]
        )
    return messages
