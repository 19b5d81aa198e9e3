"""How designations are named and pictured in the audit log."""

from __future__ import annotations

from typing import Any

from .models import Designation


def designation_key(designation: Designation) -> str:
    """``SCHEME/UNIT/YEAR``: the audit key of a designation (and of its plan)."""
    return f"{designation.scheme_code}/{designation.unit.code}/{designation.year}"


def designation_snapshot(designation: Designation) -> dict[str, Any]:
    return {
        "run": designation.run_id,
        "status": designation.status,
        "rule": designation.rule,
        "rules": list(designation.rules),
        "reason_zh": designation.reason_zh,
        "reason_en": designation.reason_en,
        "origin": designation.origin,
        "revoked": designation.revoked_at is not None,
        "revoked_reason": designation.revoked_reason,
    }
