"""English beside the Chinese source: complete, compiled, and switched to from any page.

Chinese is the source language; kaohe/locale/en/LC_MESSAGES/django.po holds the English. The
compiled django.mo is committed because CI machines may lack GNU gettext, so these tests check
that it was rebuilt after the last edit of the .po. After changing a translatable string:
    python manage.py makemessages -l en --ignore='.venv/*' --ignore='node_modules/*' --ignore='tests/*'
    (fill in every msgstr)  python manage.py compilemessages
Every string of every template under kaohe/**/templates and of every gettext call in kaohe/**.py
must have a translation: the tests below read them as makemessages does, without GNU gettext.
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
from django.utils.translation.template import templatize

SOURCE = Path(settings.BASE_DIR)  # the kaohe package
LOCALE = SOURCE / "locale" / "en" / "LC_MESSAGES"
TEMPLATES = SOURCE / "web" / "templates"
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


# --- the strings of the source, read as makemessages reads them -------------------------------

# (msgctxt, msgid, msgid_plural): the key of one message of the catalogue.
Key = tuple[str | None, str, str | None]


@dataclass(frozen=True)
class Found:
    """One translatable string of the source, and where it is."""

    key: Key
    where: str

    def __str__(self) -> str:
        context, msgid, _plural = self.key
        return f"{self.where}: {msgid!r}" + (f" (context {context!r})" if context else "")


# The keywords makemessages gives xgettext for Python (Django's own and xgettext's defaults):
# name -> (index of msgctxt or None, index of msgid, index of msgid_plural or None).
_KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    **dict.fromkeys(("_", "gettext", "gettext_lazy", "gettext_noop"), (None, 0, None)),
    **dict.fromkeys(("ngettext", "ngettext_lazy"), (None, 0, 1)),
    **dict.fromkeys(("pgettext", "pgettext_lazy"), (0, 1, None)),
    **dict.fromkeys(("npgettext", "npgettext_lazy"), (0, 1, 2)),
}
# What django.utils.translation.template.templatize turns a template's translate and
# blocktranslate tags (and _("...") constants) into: one call a line, each string a literal.
_LITERAL = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_TEMPLATE_CALL = re.compile(
    rf"(?<![\w.])(_|gettext|pgettext|ngettext|npgettext)\(\s*"
    rf"({_LITERAL}(?:\s*,\s*{_LITERAL})*)\s*(?:,\s*count\s*)?\)"
)


def _key(spec: tuple[int | None, int, int | None], args: list[str | None]) -> Key | None:
    context, msgid, plural = (
        None if i is None else args[i] if i < len(args) else None for i in spec
    )
    if msgid is None or (spec[0] is not None and context is None):
        return None  # not a literal: xgettext skips it too
    if spec[2] is not None and plural is None:
        return None
    return context, msgid, plural


def _shown(path: Path) -> str:
    return str(path.relative_to(SOURCE.parent) if path.is_relative_to(SOURCE.parent) else path)


def template_strings(path: Path) -> list[Found]:
    """The messages makemessages takes from the template at ``path``."""
    found = []
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    where = _shown(path)
    for call in _TEMPLATE_CALL.finditer(code):
        name, literals = call.groups()
        args = list(ast.literal_eval(f"({literals},)"))
        if (key := _key(_KEYWORDS[name], args)) is not None:
            line = code.count("\n", 0, call.start()) + 1  # templatize keeps the lines
            found.append(Found(key, f"{where}:{line}"))
    return found


def python_strings(path: Path) -> list[Found]:
    """The messages makemessages takes from the Python module at ``path``: the calls of a
    gettext function whose strings are literals."""
    found = []
    where = _shown(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in _KEYWORDS:
            continue
        args = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        ]
        if (key := _key(_KEYWORDS[name], args)) is not None:
            line = node.args[_KEYWORDS[name][1]].lineno  # the msgid's, as in the .po
            found.append(Found(key, f"{where}:{line}"))
    return found


def _templates() -> list[Path]:
    return sorted(
        p
        for folder in SOURCE.rglob("templates")
        if folder.is_dir()
        for p in folder.rglob("*")
        if p.suffix in {".html", ".txt"} and p.is_file()
    )


def _modules() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "node_modules" not in p.parts)


def translated(po: list[Entry]) -> set[Key]:
    """The messages msgfmt compiles from ``po``: translated, and not fuzzy."""
    return {
        (e.msgctxt, e.msgid, e.msgid_plural)
        for e in po
        if e.msgid and "fuzzy" not in e.flags and e.msgstr and all(e.msgstr.values())
    }


def _untranslated(found: list[Found], po: list[Entry]) -> list[str]:
    known = translated(po)
    return sorted({str(f) for f in found if f.key not in known})


def test_every_string_of_the_results_pages_is_in_the_catalogue(po: list[Entry]) -> None:
    found = []
    for name in RESULTS_PAGES:
        page = template_strings(TEMPLATES / name)
        assert page, name
        found += page
    missing = _untranslated(found, po)
    assert missing == [], f"{REBUILD}; without English:\n" + "\n".join(missing)


def test_every_string_of_every_template_is_in_the_catalogue(po: list[Entry]) -> None:
    templates = _templates()
    assert TEMPLATES / "web" / "base.html" in templates
    found = [f for path in templates for f in template_strings(path)]
    # The reading itself works: a plain tag, a blocktranslate with a value, and a plural.
    keys = {f.key for f in found}
    assert (None, "名次", None) in keys
    assert (None, "第 %(number)s / %(pages)s 页", None) in keys
    assert any(plural is not None for _context, _msgid, plural in keys)
    missing = _untranslated(found, po)
    assert missing == [], f"{REBUILD}; without English:\n" + "\n".join(missing)


def test_every_gettext_call_of_the_code_is_in_the_catalogue(po: list[Entry]) -> None:
    found = [f for path in _modules() for f in python_strings(path)]
    assert len(found) > 100
    assert (None, "简体中文", None) in {f.key for f in found}  # settings.LANGUAGES
    missing = _untranslated(found, po)
    assert missing == [], f"{REBUILD}; without English:\n" + "\n".join(missing)


def test_reading_the_source_finds_what_makemessages_finds(tmp_path: Path) -> None:
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<p title="{% translate \'标题\' %}">{% translate "名次" context "表头" %}'
        "{% blocktranslate trimmed count n=rows with who=user %}\n  共 {{ n }} 行，{{ who }}\n"
        "{% plural %}共 {{ n }} 行，{{ who }}{% endblocktranslate %}50%</p>",
        encoding="utf-8",
    )
    module = tmp_path / "module.py"
    module.write_text(
        "from django.utils.translation import gettext_lazy as _, ngettext, pgettext\n"
        "A = _('甲 / a' ' {n}')\nB = ngettext('一个', '多个', 2)\nC = pgettext('月份', '五')\n"
        "D = _(f'{A}')\nE = print('不是')\n",
        encoding="utf-8",
    )
    assert [f.key for f in template_strings(template)] == [
        (None, "标题", None),
        ("表头", "名次", None),
        (None, "共 %(n)s 行，%(who)s", "共 %(n)s 行，%(who)s"),
    ]
    assert [f.key for f in python_strings(module)] == [
        (None, "甲 / a {n}", None),
        (None, "一个", "多个"),
        ("月份", "五", None),
    ]


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
