"""``kaohe screenshots``: pictures of the dashboards (with and without scripts) and of the
documents rendered to images, from the demo built by ``kaohe demo``."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from kaohe.demo.generator import SCHEME_CODE
from kaohe.documents.screenshots import Taken, office_tools, render_documents

pytestmark = pytest.mark.browser

YEAR = 2006


def test_the_command_photographs_the_dashboards_and_every_document(
    demo_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "shots"
    said, notes = io.StringIO(), io.StringIO()
    call_command(
        "screenshots", out=str(out), dir=str(demo_folder), scheme=[SCHEME_CODE], year=[YEAR],
        pages=1, stdout=said, stderr=notes,
    )  # fmt: skip
    # Whole pages: the overview is longer than the window.
    for name, taller in (
        (f"dashboard-{SCHEME_CODE}-{YEAR}.png", True),
        (f"dashboard-{SCHEME_CODE}-{YEAR}-noscript.png", True),
        ("documents.png", False),
    ):
        with Image.open(out / name) as picture:
            assert picture.width == 1440 and picture.height >= 900, name
            assert picture.height > 900 or not taller, name
    assert len(list(out.glob("unit-*.png"))) == 2
    files = sorted((out / "documents").glob(f"{SCHEME_CODE}-{YEAR}-*.*"))
    assert files, "no document was downloaded"
    office, pdftoppm = office_tools()
    if office and pdftoppm:
        for file in files:
            pictures = list(out.glob(f"document-{file.stem}-*.png"))
            assert len(pictures) == 1, file.name
            with Image.open(pictures[0]) as picture:
                assert picture.width > 400 and picture.height > 400, file.name
        assert "HTTP" not in notes.getvalue(), notes.getvalue()
    else:
        assert "apt-get install libreoffice-writer-nogui" in notes.getvalue()
    assert "index.html" in os.listdir(out)
    assert str(out) in said.getvalue()


def test_without_libreoffice_the_documents_are_kept_and_the_reason_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no office programs on the path
    document = tmp_path / "a.docx"
    document.write_bytes(b"not really")
    taken = Taken()
    render_documents([document], tmp_path, 1, taken, lambda line: None)
    assert taken.pictures == []
    assert "LibreOffice" in taken.notes[0] and "apt-get install" in taken.notes[0]
    assert " / " in taken.notes[0]


def test_a_folder_without_a_demo_is_refused_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("screenshots", out=str(tmp_path / "o"), dir=str(tmp_path / "none"))
    assert "kaohe demo" in str(refused.value) and " / " in str(refused.value)
