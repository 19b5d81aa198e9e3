"""The demo township, built and assessed once for the module and rolled back afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from kaohe.assessments.models import AssessmentRun
from kaohe.audit.services import Actor
from kaohe.demo.services import do_assess_demo, do_build_demo


@pytest.fixture(scope="module")
def demo_runs(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[int, AssessmentRun]]:
    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.cli("test")
        summary = do_build_demo(actor)
        runs = do_assess_demo(actor, summary.years)
        yield runs
        transaction.set_rollback(True)
