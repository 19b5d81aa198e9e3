"""English beside the Chinese source: complete, compiled, and switched to from any page.

Chinese is the source language; kaohe/locale/en/LC_MESSAGES/django.po holds the English. The
compiled django.mo is committed because CI machines may lack GNU gettext, so these tests check
that it was rebuilt after the last edit of the .po. After changing a translatable string:
    python manage.py makemessages -l en --ignore='.venv/*' --ignore='node_modules/*'
    (fill in every msgstr)  python manage.py compilemessages
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
TEMPLATES = Path(settings.BASE_DIR) / "web" / "templates"
RESULTS_PAGES = (
    "web/base.html",
    "web/home.html",
    "web/ranking.html",
    "web/unit_result.html",
    "registration/login.html",
)
REBUILD = "run makemessages, translate, then compilemessages / 请更新并编译译文"


@dataclass
class Entry:
    """One message of a .po file."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The live (not obsolete) entries of a .po file, header included, strings unescaped."""
    entries: list[Entry] = []
    entry, target = Entry(), None
    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')

    def finish() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            continue  # obsolete: msgfmt leaves it out
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := keyword.match(line):
            name, index, literal = match.groups()
            target = (name, int(index or 0))
            _append(entry, target, ast.literal_eval(literal))
        elif line.startswith('"') and target is not None:
            _append(entry, target, ast.literal_eval(line))
        else:
            raise AssertionError(f"{path}: cannot read {raw!r}")
    finish()
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def expected_catalog(entries: list[Entry]) -> dict[object, str]:
    """What msgfmt compiles from ``entries``: every translated entry that is not fuzzy."""
    catalog: dict[object, str] = {}
    for e in entries:
        if ("fuzzy" in e.flags and e.msgid) or not any(e.msgstr.values()):
            continue
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if not key:
            # GNU msgfmt leaves the creation date out of the header, so builds are repeatable.
            lines = e.msgstr[0].splitlines(keepends=True)
            catalog[key] = "".join(x for x in lines if not x.startswith("POT-Creation-Date:"))
        elif e.msgid_plural is None:
            catalog[key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                catalog[(key, index)] = text
    return catalog


@pytest.fixture(scope="module")
def po() -> list[Entry]:
    return read_po(LOCALE / "django.po")


def test_every_message_has_an_english_translation(po: list[Entry]) -> None:
    messages = [e for e in po if e.msgid]
    assert len(messages) > 100
    untranslated = [e.msgid for e in messages if not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert untranslated == [], REBUILD
    assert fuzzy == [], "fuzzy translations are not compiled: check and unmark them"


def test_the_committed_mo_file_is_compiled_from_the_po_file(po: list[Entry]) -> None:
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    expected = expected_catalog(po)
    assert set(compiled) == set(expected), REBUILD
    stale = [key for key in expected if compiled[key] != expected[key]]
    assert stale == [], REBUILD


def test_translations_keep_exactly_the_placeholders_of_their_source(po: list[Entry]) -> None:
    # msgfmt --check-format (run by compilemessages) rejects a translation that drops or adds
    # one; this catches it on machines without gettext too.
    patterns = {
        "python-brace-format": re.compile(r"\{(\w*)[^{}]*\}"),
        "python-format": re.compile(r"%\((\w+)\)"),
    }
    for e in po:
        for flag, placeholder in patterns.items():
            if flag not in e.flags:
                continue
            wanted = set(placeholder.findall(e.msgid)) | set(
                placeholder.findall(e.msgid_plural or "")
            )
            for text in e.msgstr.values():
                assert set(placeholder.findall(text)) == wanted, (e.msgid, text)


def test_every_string_of_the_results_pages_is_in_the_catalogue(po: list[Entry]) -> None:
    tag = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")
    known = {e.msgid for e in po}
    for name in RESULTS_PAGES:
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        found = [double or single for double, single in tag.findall(text)]
        assert found, name
        for msgid in found:
            assert msgid in known, f"{name}: {msgid}; {REBUILD}"


@pytest.mark.django_db
def test_switching_to_english_shows_the_ranking_in_english(
    demo_runs: dict, clerk_client: Client
) -> None:
    page = f"/results/{demo_runs[2006].pk}/"
    chinese = clerk_client.get(page).content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "名次" in chinese and "总分" in chinese

    switched = clerk_client.post("/i18n/setlang/", {"language": "en", "next": page})
    assert switched.status_code == 302 and switched["Location"] == page

    english = clerk_client.get(page).content.decode()
    assert '<html lang="en">' in english
    for label in ("Rank", "Total score", "Grade", "One-vote veto", "To verify", "Log out"):
        assert f">{label}<" in english, label
    assert "名次" not in english and "总分" not in english
    assert '<option value="en" lang="en" selected>English</option>' in english
