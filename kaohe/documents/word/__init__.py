"""Word documents written from a published run: 表彰通报, 批评通报 and the conference speech
draft (大会讲话稿), each a docxtpl template filled in with sentences worded from the data.

See docs/word-documents.md for the placeholders of each template and how a township supplies
its own. The builders are imported on first use, so the template script
(``python -m kaohe.documents.word.make_templates``) runs without Django.
"""

from __future__ import annotations

import importlib
from typing import Any

_BUILDERS = {
    "build_commendation": ".notices",
    "build_criticism": ".notices",
    "build_speech": ".speech",
}

__all__ = ["build_commendation", "build_criticism", "build_speech"]


def __getattr__(name: str) -> Any:
    module = _BUILDERS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)
