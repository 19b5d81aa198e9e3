"""The township's indicators against their targets, downloaded as CSV and Excel."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook

from kaohe.accounts.models import Role
from kaohe.accounts.services import do_grant_role
from kaohe.assessments.models import AreaIndicatorValue
from kaohe.audit.services import Actor
from kaohe.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def signed_in(name: str, role: str, unit_code: str) -> Client:
    user = User.objects.create_user(name, password="a-long-password-9")
    do_grant_role(Actor.cli("test"), user, role, OrgUnit.objects.get(code=unit_code))
    client = Client()
    client.force_login(user)
    return client


def test_a_township_administrator_downloads_the_indicators_with_their_targets(
    demo_runs: dict,
) -> None:
    run = demo_runs[2006]
    client = signed_in("twp", Role.TOWNSHIP_ADMIN, "DEMO_TWP")
    response = client.get(f"/results/{run.pk}/indicators.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    by_code = {row[0]: row for row in rows if row and row[0].isupper()}
    stored = AreaIndicatorValue.objects.get(run=run, indicator_code="PLANNED_RATE")
    planned = by_code["PLANNED_RATE"]
    assert float(planned[2]) == pytest.approx(stored.value)
    assert planned[4] == f"≥{stored.target:g}"
    assert planned[5] == ("完成" if stored.met else "未完成")

    workbook = client.get(f"/results/{run.pk}/indicators.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    codes = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert "PLANNED_RATE" in codes


def test_a_reporter_cannot_download_the_area_figures(demo_runs: dict) -> None:
    run = demo_runs[2006]
    client = signed_in("v03", Role.REPORTER, "V03")
    assert client.get(f"/results/{run.pk}/ranking.csv").status_code == 200
    assert client.get(f"/results/{run.pk}/indicators.csv").status_code == 404
    assert client.get(f"/results/{run.pk}/indicators.xlsx").status_code == 404
