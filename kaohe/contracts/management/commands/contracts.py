"""``kaohe contracts generate|sign|amend|unsigned``: draw up, sign and amend contracts.

``generate SCHEME YEAR TOWNSHIP`` drafts a contract for each unit without one;
``sign UNIT YEAR --scheme CODE [--on DATE]`` signs the draft;
``amend UNIT YEAR --scheme CODE --set ITEM=VALUE… --reason TEXT`` makes a new signed version;
``unsigned SCHEME YEAR TOWNSHIP`` lists the units without a signed contract.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.services import (
    ContractError,
    do_amend,
    do_generate_contracts,
    do_sign,
    unsigned,
)
from kaohe.orgunits.models import OrgUnit
from kaohe.schemes.models import Scheme


def _scheme(code: str) -> Scheme:
    scheme = Scheme.objects.filter(code=code).order_by("-version").first()
    if scheme is None:
        raise CommandError(_("没有考核方案 {code} / no scheme {code}").format(code=code))
    return scheme


def _unit(code: str) -> OrgUnit:
    try:
        return OrgUnit.objects.get(code=code)
    except OrgUnit.DoesNotExist:
        raise CommandError(_("没有单位 {code} / no unit {code}").format(code=code)) from None


def _current(scheme: Scheme, unit: OrgUnit, year: int) -> Contract:
    contract = (
        Contract.objects.filter(scheme=scheme, unit=unit, year=year)
        .exclude(status=ContractStatus.SUPERSEDED)
        .order_by("-version")
        .first()
    )
    if contract is None:
        raise CommandError(
            _("{unit} {year} 年没有责任书 / {unit} has no contract for {year}").format(
                unit=unit.code, year=year
            )
        )
    return contract


def _change(text: str) -> tuple[str, float]:
    code, sep, value = text.partition("=")
    try:
        if not sep:
            raise ValueError(text)
        return code.strip(), float(value)
    except ValueError:
        raise CommandError(
            _("--set 应为 项目=数值：{text} / --set expects ITEM=VALUE: {text}").format(text=text)
        ) from None


class Command(BaseCommand):
    help = "目标管理责任书 / Contracts: generate, sign, amend, list the unsigned."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        for name in ("generate", "unsigned"):
            p = sub.add_parser(name)
            p.add_argument("scheme", help="方案代码 / scheme code")
            p.add_argument("year", type=int)
            p.add_argument("township", help="镇代码 / township code")
        for name in ("sign", "amend"):
            p = sub.add_parser(name)
            p.add_argument("unit", help="单位代码 / unit code")
            p.add_argument("year", type=int)
            p.add_argument("--scheme", required=True, help="方案代码 / scheme code")
            p.add_argument("--on", type=datetime.date.fromisoformat, help="签订日期 YYYY-MM-DD")
            if name == "amend":
                p.add_argument("--set", action="append", default=[], metavar="ITEM=VALUE")
                p.add_argument("--reason", default="", help="修订原因 / why")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except ContractError as error:
            raise CommandError(str(error)) from error

    def _generate(self, options: dict[str, Any]) -> None:
        township = _unit(options["township"])
        outcome = do_generate_contracts(
            _scheme(options["scheme"]), options["year"], township, Actor.cli()
        )
        for contract in outcome.created:
            self.stdout.write(_("已起草 / drafted: {unit}").format(unit=contract.unit.code))
        for unit in outcome.skipped:
            self.stdout.write(_("已有责任书 / has one: {unit}").format(unit=unit.code))

    def _unsigned(self, options: dict[str, Any]) -> None:
        units = unsigned(_scheme(options["scheme"]), options["year"], _unit(options["township"]))
        for unit in units:
            self.stdout.write(f"{unit.code}\t{unit.name}")

    def _sign(self, options: dict[str, Any]) -> None:
        contract = _current(_scheme(options["scheme"]), _unit(options["unit"]), options["year"])
        do_sign(contract, options["on"] or datetime.date.today(), Actor.cli())
        self.stdout.write(_("已签订 / signed: {unit}").format(unit=contract.unit.code))

    def _amend(self, options: dict[str, Any]) -> None:
        contract = _current(_scheme(options["scheme"]), _unit(options["unit"]), options["year"])
        changes = dict(_change(text) for text in options["set"])
        amended = do_amend(contract, changes, options["reason"], Actor.cli(), options["on"])
        self.stdout.write(
            _("已修订 / amended: {unit} v{version}").format(
                unit=amended.unit.code, version=amended.version
            )
        )
