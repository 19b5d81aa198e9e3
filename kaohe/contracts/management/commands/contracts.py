"""``kaohe contracts generate|targets|signatory|sign|amend|unsigned|print``: draw up, sign,
amend and print contracts.

``generate SCHEME YEAR TOWNSHIP`` drafts a contract for each unit without one;
``targets UNIT YEAR --scheme CODE --set ITEM=VALUE…`` sets targets of the draft (all or none);
``signatory UNIT YEAR --scheme CODE (--add OFFICIAL [--role LABEL] | --remove OFFICIAL)``;
``sign UNIT YEAR --scheme CODE [--on DATE]`` signs the draft;
``amend UNIT YEAR --scheme CODE --set ITEM=VALUE… --reason TEXT`` makes a new signed version;
``unsigned SCHEME YEAR TOWNSHIP`` lists the units without a signed contract;
``print UNIT YEAR --scheme CODE [--version N] [--out FILE]`` writes the Word document.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kaohe.audit.services import Actor
from kaohe.contracts.models import Contract, ContractStatus
from kaohe.contracts.printing import contract_docx, contract_filename
from kaohe.contracts.roles import label_for
from kaohe.contracts.services import (
    ContractError,
    do_add_signatory,
    do_amend,
    do_generate_contracts,
    do_remove_signatory,
    do_set_targets,
    do_sign,
    unsigned,
)
from kaohe.orgunits.models import Official, OrgUnit
from kaohe.schemes.models import Scheme, SchemeStatus


def _scheme(code: str, version: int | None = None) -> Scheme:
    """The scheme version named, else the latest published one, else the latest (which the
    services refuse to draw up from, saying why)."""
    schemes = Scheme.objects.filter(code=code)
    if version is not None:
        schemes = schemes.filter(version=version)
    scheme = (
        schemes.filter(status=SchemeStatus.PUBLISHED).order_by("-version").first()
        or schemes.order_by("-version").first()
    )
    if scheme is None:
        raise CommandError(_("没有考核方案 {code} / no scheme {code}").format(code=code))
    return scheme


def _unit(code: str) -> OrgUnit:
    try:
        return OrgUnit.objects.get(code=code)
    except OrgUnit.DoesNotExist:
        raise CommandError(_("没有单位 {code} / no unit {code}").format(code=code)) from None


def _contracts(code: str, unit: OrgUnit, year: int) -> QuerySet[Contract]:
    """The unit's contracts for the year, made from any version of the scheme ``code``."""
    if not Scheme.objects.filter(code=code).exists():
        raise CommandError(_("没有考核方案 {code} / no scheme {code}").format(code=code))
    return Contract.objects.filter(scheme__code=code, unit=unit, year=year).select_related(
        "scheme", "unit"
    )


def _current(code: str, unit: OrgUnit, year: int) -> Contract:
    contract = (
        _contracts(code, unit, year)
        .exclude(status=ContractStatus.SUPERSEDED)
        .order_by("-scheme__version", "-version")
        .first()
    )
    if contract is None:
        raise CommandError(
            _("{unit} {year} 年没有责任书 / {unit} has no contract for {year}").format(
                unit=unit.code, year=year
            )
        )
    return contract


def _official(code: str) -> Official:
    try:
        return Official.objects.get(code=code)
    except Official.DoesNotExist:
        raise CommandError(_("没有责任人 {code} / no official {code}").format(code=code)) from None


def _version(code: str, unit: OrgUnit, year: int, version: int) -> Contract:
    found = (
        _contracts(code, unit, year).filter(version=version).order_by("-scheme__version").first()
    )
    if found is None:
        raise CommandError(
            _("{unit} {year} 年没有第 {version} 版责任书 / {unit} has no version {version} for "
              "{year}").format(unit=unit.code, year=year, version=version)
        )  # fmt: skip
    return found


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
    help = "目标管理责任书 / Contracts: generate, set targets and signatories, sign, amend, list the unsigned, print."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        for name in ("generate", "unsigned"):
            p = sub.add_parser(name)
            p.add_argument("scheme", help="方案代码 / scheme code")
            p.add_argument("year", type=int)
            p.add_argument("township", help="镇代码 / township code")
            p.add_argument(
                "--scheme-version", type=int, help="方案版本，缺省为最新的已发布版本 / default"
            )
        for name in ("targets", "signatory", "sign", "amend", "print"):
            p = sub.add_parser(name)
            p.add_argument("unit", help="单位代码 / unit code")
            p.add_argument("year", type=int)
            p.add_argument("--scheme", required=True, help="方案代码 / scheme code")
            if name in ("sign", "amend"):
                p.add_argument("--on", type=datetime.date.fromisoformat, help="签订日期 YYYY-MM-DD")
            if name in ("targets", "amend"):
                p.add_argument("--set", action="append", default=[], metavar="ITEM=VALUE")
            if name == "amend":
                p.add_argument("--reason", default="", help="修订原因 / why")
            if name == "signatory":
                which = p.add_mutually_exclusive_group(required=True)
                which.add_argument("--add", metavar="OFFICIAL", help="责任人代码 / official code")
                which.add_argument("--remove", metavar="OFFICIAL", help="责任人代码")
                p.add_argument("--role", default="", help="签订身份，如 村支书 / label printed")
            if name == "print":
                p.add_argument(
                    "--version", type=int, help="版本，缺省为现行版本 / default: current"
                )
                p.add_argument(
                    "--out", help="输出文件，缺省为 <单位>-<年度>-v<版本>.docx / output file"
                )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['step']}")(options)
        except ContractError as error:
            raise CommandError(str(error)) from error

    def _generate(self, options: dict[str, Any]) -> None:
        township = _unit(options["township"])
        outcome = do_generate_contracts(
            _scheme(options["scheme"], options["scheme_version"]),
            options["year"],
            township,
            Actor.cli(),
        )
        for contract in outcome.created:
            self.stdout.write(_("已起草 / drafted: {unit}").format(unit=contract.unit.code))
        for unit in outcome.skipped:
            self.stdout.write(_("已有责任书 / has one: {unit}").format(unit=unit.code))

    def _unsigned(self, options: dict[str, Any]) -> None:
        units = unsigned(
            _scheme(options["scheme"], options["scheme_version"]),
            options["year"],
            _unit(options["township"]),
        )
        for unit in units:
            self.stdout.write(f"{unit.code}\t{unit.name}")

    def _sign(self, options: dict[str, Any]) -> None:
        contract = _current(options["scheme"], _unit(options["unit"]), options["year"])
        do_sign(contract, options["on"] or datetime.date.today(), Actor.cli())
        self.stdout.write(_("已签订 / signed: {unit}").format(unit=contract.unit.code))

    def _amend(self, options: dict[str, Any]) -> None:
        contract = _current(options["scheme"], _unit(options["unit"]), options["year"])
        changes = dict(_change(text) for text in options["set"])
        amended = do_amend(contract, changes, options["reason"], Actor.cli(), options["on"])
        self.stdout.write(
            _("已修订 / amended: {unit} v{version}").format(
                unit=amended.unit.code, version=amended.version
            )
        )

    def _targets(self, options: dict[str, Any]) -> None:
        contract = _current(options["scheme"], _unit(options["unit"]), options["year"])
        changes = dict(_change(text) for text in options["set"])
        do_set_targets(contract, changes, Actor.cli())
        self.stdout.write(
            _("已保存 {n} 个目标 / saved {n} targets: {unit}").format(
                n=len(changes), unit=contract.unit.code
            )
        )

    def _signatory(self, options: dict[str, Any]) -> None:
        contract = _current(options["scheme"], _unit(options["unit"]), options["year"])
        if options["add"]:
            official = _official(options["add"])
            label = options["role"].strip() or label_for(contract.scheme, official)
            do_add_signatory(contract, official, label, Actor.cli())
            self.stdout.write(
                _("已添加签订人 / added: {code}（{label}）").format(code=official.code, label=label)
            )
        else:
            official = _official(options["remove"])
            do_remove_signatory(contract, official, Actor.cli())
            self.stdout.write(_("已移除签订人 / removed: {code}").format(code=official.code))

    def _print(self, options: dict[str, Any]) -> None:
        code, unit = options["scheme"], _unit(options["unit"])
        if options["version"]:
            contract = _version(code, unit, options["year"], options["version"])
        else:
            contract = _current(code, unit, options["year"])
        path = Path(options["out"] or contract_filename(contract))
        try:
            path.write_bytes(contract_docx(contract))
        except OSError as error:
            raise CommandError(
                _("不能写入 {path}：{error} / cannot write {path}: {error}").format(
                    path=path, error=error.strerror or error
                )
            ) from error
        self.stdout.write(_("已输出 / written: {path}").format(path=path))
