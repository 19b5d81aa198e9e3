"""The outlier page (list, reasons, CSV export, follow-up buttons) and the ranges page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from kaohe.audit.models import AuditEntry
from kaohe.elements.models import DataElement
from kaohe.quality.models import MinMaxRange

from .conftest import World

pytestmark = pytest.mark.django_db
QUERY = {"township": "T", "element": "BIRTHS", "from": "202501", "to": "202512"}


def test_the_page_opens_with_a_form_and_no_list(world: World) -> None:
    response = world.client("admin").get("/quality/outliers/")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<option value="T" selected>甲镇</option>' in text
    assert 'id="results"' not in text


def test_the_list_shows_the_value_its_series_the_score_and_why(world: World) -> None:
    text = world.client("admin").get("/quality/outliers/", QUERY).content.decode()
    assert "1 个异常值" in text
    assert "一村" in text and "202512" in text
    assert "中位数 1 · MAD 0.5" in text
    assert "修正 z 分数 0.6745 × 8 / 0.5 = 10.79，超过阈值 3.5" in text
    assert "标记跟进" in text
    # the series that were not judged, and why
    assert "二村" in text and "半数以上的值相同" in text
    assert "三村" in text and "数据太少" in text
    assert "邻村" not in text


def test_a_request_the_person_may_not_make_is_explained_beside_the_field(world: World) -> None:
    response = world.client("reporter_v1").get("/quality/outliers/", QUERY)
    assert response.status_code == 200
    text = response.content.decode()
    assert "未知或无权查看的单位" in text and 'id="results"' not in text
    bad = world.client("admin").get("/quality/outliers/", {**QUERY, "from": "2025-13"})
    assert "invalid-feedback" in bad.content.decode()


def test_the_list_in_english_gives_english_reasons(world: World) -> None:
    client = world.client("admin")
    client.cookies["django_language"] = "en"
    text = client.get("/quality/outliers/", QUERY, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "modified z-score 0.6745 × 8 / 0.5 = 10.79: beyond the threshold 3.5" in text


def test_the_export_is_csv_with_every_flagged_value(world: World) -> None:
    response = world.client("admin").get("/quality/outliers/export/", {**QUERY, "method": "z"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "outliers-T-202501-202512-z.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["unit"], r["period"], r["value"]) for r in rows} == {
        ("V1", "202512", "9"),
        ("V2", "202512", "1"),
    }
    assert all(r["method"] == "z" and r["reason_zh"] and r["reason_en"] for r in rows)


def test_a_bad_export_request_goes_back_to_the_page_with_the_reason(world: World) -> None:
    response = world.client("admin").get("/quality/outliers/export/", {**QUERY, "to": "2024"})
    assert response.status_code == 302
    assert response["Location"].startswith("/quality/outliers/?")


def test_the_follow_up_button_marks_the_value_and_keeps_it(world: World) -> None:
    stored = world.value("V1", "202512")
    client = world.client("admin")
    response = client.post(
        "/quality/outliers/follow-up/",
        {
            "value": stored.pk,
            "token": stored.last_updated.isoformat(),
            "follow_up": "1",
            "back": "township=T&element=BIRTHS&from=202501&to=202512",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "/quality/outliers/?township=T&element=BIRTHS&from=202501&to=202512#results"
    )
    fresh = world.value("V1", "202512")
    assert (fresh.value, fresh.follow_up) == (Decimal(9), True)
    assert AuditEntry.objects.filter(object_key="BIRTHS/202512/V1", channel="web").exists()
    text = client.get("/quality/outliers/", QUERY).content.decode()
    assert "需跟进" in text and "取消跟进" in text


def test_who_may_press_the_follow_up_button(world: World) -> None:
    stored = world.value("V1", "202512")
    body = {"value": stored.pk, "follow_up": "1"}
    assert (
        world.client("county_viewer").post("/quality/outliers/follow-up/", body).status_code == 403
    )
    assert world.client("reporter_v4").post("/quality/outliers/follow-up/", body).status_code == 404
    assert world.client("other_admin").post("/quality/outliers/follow-up/", body).status_code == 404
    assert world.value("V1", "202512").follow_up is False
    assert world.client("reviewer").post("/quality/outliers/follow-up/", body).status_code == 302
    assert world.value("V1", "202512").follow_up is True


def test_a_county_viewer_sees_the_list_without_buttons(world: World) -> None:
    text = world.client("county_viewer").get("/quality/outliers/", QUERY).content.decode()
    assert "一村" in text and "标记跟进" not in text


def test_the_ranges_page_lists_ranges_and_offers_the_forms_to_administrators(world: World) -> None:
    MinMaxRange.objects.create(
        unit=world.unit("V1"),
        element=DataElement.objects.get(code="BIRTHS"),
        min_value=0,
        max_value=4,
    )
    admin = world.client("admin").get("/quality/ranges/").content.decode()
    assert "一村" in admin and "按历史数据生成" in admin and "删除" in admin
    reviewer = world.client("reviewer").get("/quality/ranges/").content.decode()
    assert "一村" in reviewer and "按历史数据生成" not in reviewer and "删除" not in reviewer
    other = world.client("other_admin").get("/quality/ranges/").content.decode()
    assert "一村" not in other


def test_generating_setting_and_deleting_from_the_ranges_page(world: World) -> None:
    client = world.client("admin")
    response = client.post(
        "/quality/ranges/generate/",
        {"township": "T", "element": "BIRTHS", "from": "202501", "to": "202512", "k": "5"},
    )
    assert response.status_code == 302
    assert set(MinMaxRange.objects.values_list("unit__code", flat=True)) == {"V1", "V4"}
    client.post(
        "/quality/ranges/save/",
        {"unit": "V2", "element": "BIRTHS", "min_value": "0", "max_value": "2"},
    )
    row = MinMaxRange.objects.get(unit__code="V2")
    assert (row.max_value, row.generated) == (Decimal(2), False)
    assert world.client("reviewer").post(f"/quality/ranges/{row.pk}/delete/").status_code == 403
    assert world.client("other_admin").post(f"/quality/ranges/{row.pk}/delete/").status_code == 404
    assert client.post(f"/quality/ranges/{row.pk}/delete/").status_code == 302
    assert not MinMaxRange.objects.filter(pk=row.pk).exists()


def test_a_refused_range_write_is_shown_as_a_message(world: World) -> None:
    client = world.client("reviewer")
    response = client.post(
        "/quality/ranges/save/",
        {"unit": "V2", "element": "BIRTHS", "min_value": "0", "max_value": "2"},
        follow=True,
    )
    assert response.status_code == 403
    assert not MinMaxRange.objects.exists()
    bad = world.client("admin").post(
        "/quality/ranges/save/",
        {"unit": "V2", "element": "BIRTHS", "min_value": "3", "max_value": "2"},
        follow=True,
    )
    assert "最大值 2 小于最小值 3" in bad.content.decode()
