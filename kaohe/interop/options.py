"""The choices of an exchange, by DHIS2's names: identifier schemes, import strategies and
atomic modes, and the options of an import."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeVar

from django.utils.translation import gettext as _

__all__ = [
    "AtomicMode",
    "ExchangeOptionError",
    "IdScheme",
    "ImportOptions",
    "Strategy",
    "parse_choice",
]


class IdScheme(str, Enum):
    """How a file names data elements, units and data sets.

    ``code`` Kaohe's codes (the default); ``name`` their (Chinese) names; ``uid`` the 11-character
    identifiers another system gave them, kept per element, unit and data set
    (:class:`kaohe.interop.models.ExternalId`).
    """

    CODE = "code"
    NAME = "name"
    UID = "uid"


class Strategy(str, Enum):
    """DHIS2's ``importStrategy``."""

    CREATE_AND_UPDATE = "CREATE_AND_UPDATE"
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class AtomicMode(str, Enum):
    """DHIS2's ``atomicMode``: ``ALL`` imports nothing if any value has a conflict; ``NONE``
    imports the values that have none."""

    ALL = "ALL"
    NONE = "NONE"


class ExchangeOptionError(ValueError):
    """An option that is not one of its choices; the message is bilingual."""

    def __init__(self, name: str, given: str, allowed: list[str]) -> None:
        self.name = name
        super().__init__(
            _(
                "{name} 不能为 “{given}”，可选：{allowed} / {name} cannot be “{given}”; one of: {allowed}"
            ).format(name=name, given=given, allowed=", ".join(allowed))
        )


E = TypeVar("E", bound=Enum)

# DHIS2 also spells the UID scheme "ID"; both are accepted, in any letter case.
_SCHEME_ALIASES: Final = {"id": IdScheme.UID}


def parse_choice(kind: type[E], name: str, text: str | None, default: E) -> E:
    """The member of ``kind`` that ``text`` names (any letter case), ``default`` when empty;
    :class:`ExchangeOptionError` (naming the option ``name``) otherwise."""
    if text is None or not text.strip():
        return default
    wanted = text.strip()
    if kind is IdScheme and wanted.lower() in _SCHEME_ALIASES:
        return _SCHEME_ALIASES[wanted.lower()]  # type: ignore[return-value]
    for member in kind:
        if str(member.value).lower() == wanted.lower():
            return member
    raise ExchangeOptionError(name, wanted, [str(m.value) for m in kind])


@dataclass(frozen=True)
class ImportOptions:
    """How to import a data value set (DHIS2's parameter names in the comments).

    ``element_scheme`` / ``unit_scheme`` (``dataElementIdScheme`` / ``orgUnitIdScheme``) fall
    back to ``id_scheme`` (``idScheme``). ``delete_empty``: an empty value deletes the stored
    one instead of being a conflict. ``stored_by`` fills ``storedBy`` where the file leaves it
    empty (default: the actor's name).
    """

    fmt: str = "auto"
    encoding: str = "auto"
    strategy: Strategy = Strategy.CREATE_AND_UPDATE  # importStrategy
    atomic_mode: AtomicMode = AtomicMode.ALL  # atomicMode
    dry_run: bool = False  # dryRun
    id_scheme: IdScheme = IdScheme.CODE  # idScheme
    element_scheme: IdScheme | None = None  # dataElementIdScheme
    unit_scheme: IdScheme | None = None  # orgUnitIdScheme
    delete_empty: bool = False
    stored_by: str | None = None

    def __post_init__(self) -> None:
        # Plain strings (from a form, a command line) become their enum members here.
        for name, kind in (("strategy", Strategy), ("atomic_mode", AtomicMode)):
            value = getattr(self, name)
            if not isinstance(value, kind):
                object.__setattr__(self, name, parse_choice(kind, name, value, kind(value)))
        for name in ("id_scheme", "element_scheme", "unit_scheme"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, IdScheme):
                object.__setattr__(self, name, parse_choice(IdScheme, name, value, IdScheme.CODE))

    @property
    def elements_by(self) -> IdScheme:
        return self.element_scheme or self.id_scheme

    @property
    def units_by(self) -> IdScheme:
        return self.unit_scheme or self.id_scheme

    def as_dict(self) -> dict[str, object]:
        """The options as DHIS2 names them, for the import's record."""
        return {
            "format": self.fmt,
            "importStrategy": self.strategy.value,
            "atomicMode": self.atomic_mode.value,
            "dryRun": self.dry_run,
            "dataElementIdScheme": self.elements_by.value,
            "orgUnitIdScheme": self.units_by.value,
            "deleteEmpty": self.delete_empty,
        }
