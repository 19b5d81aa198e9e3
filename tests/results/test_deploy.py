"""``manage.py check --deploy`` under the production environment of docs/deployment.md."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KAOHE_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(KAOHE_DATA_DIR=str(tmp_path), **environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "KAOHE_PRODUCTION": "1",
    "KAOHE_SECRET_KEY": secrets.token_urlsafe(50),  # 67 characters
    "KAOHE_ALLOWED_HOSTS": "kaohe.example.org",
}


def test_the_documented_production_environment_passes_check_deploy_without_warnings(
    tmp_path: Path,
) -> None:
    result = check_deploy(tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_documentation_names_every_variable_the_check_runs_with() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for name in (*PRODUCTION, "KAOHE_DATABASE_URL", "KAOHE_REDIS_URL"):
        assert name in text, name


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"KAOHE_SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"KAOHE_DEBUG": "1"}, "security.W018"),
        ({"KAOHE_SSL_REDIRECT": "0"}, "security.W008"),
    ],
)
def test_check_deploy_would_catch_a_weakened_production_setting(
    tmp_path: Path, change: dict[str, str], warning: str
) -> None:
    result = check_deploy(tmp_path, **{**PRODUCTION, **change})

    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = check_deploy(tmp_path, KAOHE_PRODUCTION="1", KAOHE_ALLOWED_HOSTS="kaohe.example.org")

    assert result.returncode != 0
    assert "KAOHE_SECRET_KEY" in result.stderr
