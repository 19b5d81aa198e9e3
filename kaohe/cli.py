"""The ``kaohe`` command: a thin front door to Kaohe's management commands.

``kaohe init``, ``kaohe load``, ``kaohe import``, ``kaohe assess``, ``kaohe explain`` and
``kaohe demo`` are the documented commands; any other Django management command (``migrate``,
``runserver``, ``createsuperuser``…) passes straight through.
"""

from __future__ import annotations

import os
import sys

# Names a user types → the management command that implements them. ``import`` is a Python
# keyword, so its module cannot be named after it.
ALIASES = {
    "import": "import_values",
}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``kaohe`` console script."""
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    if len(args) == 1:
        args.append("help")
    if args[1] == "demo":
        _point_at_demo_folder(args)
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


def _point_at_demo_folder(args: list[str]) -> None:
    """The demo lives in a folder of its own: its SQLite file goes there, chosen before Django
    reads its settings. An explicit KAOHE_DATABASE_URL still wins."""
    from pathlib import Path

    folder = "kaohe-demo"
    for i, arg in enumerate(args):
        if arg == "--dir" and i + 1 < len(args):
            folder = args[i + 1]
        elif arg.startswith("--dir="):
            folder = arg.split("=", 1)[1]
    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["KAOHE_DATA_DIR"] = str(path)


if __name__ == "__main__":
    main()
