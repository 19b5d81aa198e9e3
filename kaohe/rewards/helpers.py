"""The helpers of remediation plans who share a unit's reward or penalty (同奖同罚).

A unit designated weak on year Y's results is helped through year Y+1 under a remediation plan;
when the plan says its staff share the unit's outcome (``shares_outcome``), they are among the
unit's persons when year Y+1's money is computed, each under the role of their office (so a
``split`` share of that role reaches them). Read only when :mod:`kaohe.remediation` is
installed (:func:`kaohe.rewards.inputs.plan_helpers` checks).
"""

from __future__ import annotations

from collections import defaultdict

from kaohe.assessments.models import AssessmentRun
from kaohe.engine.money import MoneyPerson


def remediation_helpers(run: AssessmentRun, unit_ids: list[int]) -> dict[int, list[MoneyPerson]]:
    """Unit id → the staff of the plans made on the year before ``run``'s year that share the
    unit's outcome (designations not withdrawn), in plan order."""
    from kaohe.remediation.models import RemediationPlan

    # One query: the plans' staff through the many-to-many table, plan and official joined.
    staff = (
        RemediationPlan.staff.through.objects.filter(
            remediationplan__shares_outcome=True,
            remediationplan__designation__unit_id__in=unit_ids,
            remediationplan__designation__scheme_code=run.scheme.code,
            remediationplan__designation__year=run.year - 1,
            remediationplan__designation__revoked_at__isnull=True,
        )
        .select_related("official", "remediationplan__designation")
        .order_by("remediationplan_id", "official__code")
    )
    helpers: dict[int, list[MoneyPerson]] = defaultdict(list)
    for row in staff:
        unit_id = row.remediationplan.designation.unit_id
        official = row.official
        if all(h.official != official.code for h in helpers[unit_id]):
            helpers[unit_id].append(
                MoneyPerson(official=official.code, name=official.name, role=str(official.role))
            )
    return dict(helpers)
