"""``kaohe report KIND --scheme --year [--township] [--lang] [--out]`` on the demo township."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kaohe.demo.generator import SCHEME_CODE, TOWNSHIP_CODE
from kaohe.documents import registry

from .conftest import Demo

INSTALLED = [name for name in registry.KINDS if registry.available(name)]


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("kind", INSTALLED)
def test_the_command_writes_each_installed_kind_to_the_file_named(
    demo_db: Demo, tmp_path: Path, kind: str
) -> None:
    target = tmp_path / f"out.{registry.KINDS[kind].extension}"
    said = report(
        kind, "--scheme", SCHEME_CODE, "--year", "2006", "--township", TOWNSHIP_CODE,
        "--out", str(target),
    )  # fmt: skip
    assert target.exists() and str(target) in said
    assert "已生成" in said and "wrote" in said
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist()


def test_without_out_the_file_takes_its_own_name_in_a_folder(demo_db: Demo, tmp_path: Path) -> None:
    kind = INSTALLED[0]
    report(kind, "--scheme", SCHEME_CODE, "--year", "2006", "--out", str(tmp_path))
    made = list(tmp_path.iterdir())
    assert len(made) == 1 and made[0].suffix == f".{registry.KINDS[kind].extension}"


def office_text(path: Path) -> bytes:
    """Every part of an .xlsx or .docx but its properties (which hold the time it was made)."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if not n.startswith("docProps/"))
        return b"".join(archive.read(n) for n in names)


def test_english_is_asked_for_with_lang(demo_db: Demo, tmp_path: Path) -> None:
    kind = INSTALLED[0]
    first, again, english = tmp_path / "zh1", tmp_path / "zh2", tmp_path / "en"
    for target, lang in ((first, "zh-hans"), (again, "zh-hans"), (english, "en")):
        report(
            kind, "--scheme", SCHEME_CODE, "--year", "2006", "--lang", lang, "--out", str(target)
        )
    assert office_text(first) == office_text(again)
    assert office_text(first) != office_text(english)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["minutes", "--scheme", SCHEME_CODE, "--year", "2006"], "no such kind"),
        (["ranking", "--scheme", "NOPE", "--year", "2006"], "no scheme"),
        (["ranking", "--scheme", SCHEME_CODE, "--year", "next"], "whole number"),
        (["ranking", "--scheme", SCHEME_CODE, "--year", "2006", "--lang", "fr"], "zh-hans or en"),
        (["ranking", "--scheme", SCHEME_CODE, "--year", "2006", "--township", "X"], "township"),
    ],
)
def test_bad_arguments_are_refused_in_both_languages_and_write_nothing(
    demo_db: Demo, tmp_path: Path, args: list[str], words: str
) -> None:
    target = tmp_path / "never"
    with pytest.raises(CommandError) as refused:
        report(*args, "--out", str(target))
    assert words in str(refused.value) and " / " in str(refused.value)
    assert not target.exists()


def test_a_ranking_of_a_year_without_published_results_is_refused(
    demo_db: Demo, tmp_path: Path
) -> None:
    with pytest.raises(CommandError) as refused:
        report("ranking", "--scheme", SCHEME_CODE, "--year", "2004", "--township", TOWNSHIP_CODE,
               "--out", str(tmp_path / "x.xlsx"))  # fmt: skip
    assert "/" in str(refused.value)
    assert not (tmp_path / "x.xlsx").exists()
