"""Finding a document's Word template and filling it in (docxtpl: Jinja placeholders in an
ordinary .docx, so an office can restyle the template in Word and keep the placeholders).

Where a template comes from, first found wins:

1. the path given by the caller (``kaohe report KIND --template FILE``);
2. ``<KAOHE_DOCUMENT_TEMPLATES>/<township code>/<kind>[.en].docx`` — one township's own;
3. ``<KAOHE_DOCUMENT_TEMPLATES>/<kind>[.en].docx`` — the installation's own;
4. ``kaohe/library/<edition>/documents/<kind>[.en].docx`` — the default of the rule-set library
   the scheme comes from (2006 or 2026; see :func:`library_edition`).

``.en`` is the English template, used when the request's language is English.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import jinja2
from django.conf import settings
from django.utils.translation import gettext as _
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from ..base import DocumentError
from .wording import EN

LIBRARY: Final = Path(__file__).resolve().parents[2] / "library"
KINDS: Final = ("commendation", "criticism", "speech")
_SCHEME_CODE = re.compile(r"^\s*-\s*code:\s*([A-Za-z0-9_]+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Chart:
    """A picture to place where its placeholder stands (PNG bytes, width in millimetres)."""

    png: bytes
    width_mm: float = 150.0


def template_name(kind: str, lang: str) -> str:
    """``speech.docx`` / ``speech.en.docx``."""
    return f"{kind}.en.docx" if lang == EN else f"{kind}.docx"


def _editions() -> list[Path]:
    """The library folders that ship document templates (named by year: ``2006``, ``2026``),
    oldest first."""
    return sorted(
        (p for p in LIBRARY.iterdir() if p.name.isdigit() and (p / "documents").is_dir()),
        key=lambda p: int(p.name),
    )


@lru_cache(maxsize=1)
def _library_schemes() -> dict[str, str]:
    """Scheme code → the library edition (folder name) whose bundles define it."""
    found: dict[str, str] = {}
    for folder in _editions():
        for path in sorted(folder.glob("*scheme*.yaml")):
            for code in _SCHEME_CODE.findall(path.read_text(encoding="utf-8")):
                found.setdefault(code, folder.name)
    return found


def library_edition(scheme_code: str, year: int) -> str:
    """The library edition whose default templates a scheme uses: the one that defines the
    scheme; for any other scheme (a township's or a county's own, or one of a library folder
    without templates), the newest edition not after ``year`` (the oldest when all are later)."""
    known = _library_schemes().get(scheme_code)
    if known:
        return known
    editions = [p.name for p in _editions()]
    earlier = [e for e in editions if int(e) <= year]
    return earlier[-1] if earlier else editions[0]


def find_template(
    kind: str, lang: str, township_code: str, scheme_code: str, year: int, given: Path | None
) -> Path:
    """The template file for a document (see the module for the order)."""
    name = template_name(kind, lang)
    if given is not None:
        if not given.is_file():
            raise DocumentError(
                _("找不到模板文件：{path} / the template file does not exist: {path}").format(
                    path=given
                ),
                field="template",
            )
        return given
    folder = str(getattr(settings, "KAOHE_DOCUMENT_TEMPLATES", "") or "")
    if folder:
        for candidate in (Path(folder) / township_code / name, Path(folder) / name):
            if candidate.is_file():
                return candidate
    default = LIBRARY / library_edition(scheme_code, year) / "documents" / name
    if not default.is_file():
        raise DocumentError(
            _(
                "缺少默认模板 {path}（运行 python -m kaohe.documents.word.make_templates 生成）/ "
                "the default template {path} is missing (make it with "
                "python -m kaohe.documents.word.make_templates)"
            ).format(path=default),
            field="template",
        )
    return default


def _environment() -> jinja2.Environment:
    # A placeholder the context does not fill is an error naming it, never a silent blank;
    # values are escaped, so a name with "<" or "&" cannot break the document's XML.
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)


def _with_images(template: DocxTemplate, value: Any) -> Any:
    if isinstance(value, Chart):
        return InlineImage(template, io.BytesIO(value.png), width=Mm(value.width_mm))
    if isinstance(value, Mapping):
        return {k: _with_images(template, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_with_images(template, v) for v in value]
    return value


def render(path: Path, context: Mapping[str, Any]) -> bytes:
    """The template at ``path`` filled in with ``context`` (charts become pictures), as .docx
    bytes. A template that cannot be read or has an error is a bilingual DocumentError."""
    try:
        template = DocxTemplate(str(path))
        template.render(_with_images(template, context), _environment(), autoescape=True)
    except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
        raise DocumentError(
            _(
                "模板 {name} 不是可用的 Word 文档：{error} / the template {name} is not a usable "
                "Word document: {error}"
            ).format(name=path.name, error=error),
            field="template",
        ) from error
    except jinja2.UndefinedError as error:
        raise DocumentError(
            _(
                "模板 {name} 使用了没有的占位符：{error} / the template {name} uses a placeholder "
                "that does not exist: {error}"
            ).format(name=path.name, error=error),
            field="template",
        ) from error
    except jinja2.TemplateError as error:
        raise DocumentError(
            _(
                "模板 {name} 的占位符写法有错误：{error} / the template {name} has a placeholder "
                "error: {error}"
            ).format(name=path.name, error=error),
            field="template",
        ) from error
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def placeholders(path: Path) -> set[str]:
    """The top-level names a template uses (for checking that every one is documented)."""
    return set(DocxTemplate(str(path)).get_undeclared_template_variables(_environment()))
