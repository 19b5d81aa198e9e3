"""The cross-check pages: the sources, the entry grid, the import, the reconciliation and its
downloads, for each role."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from kaohe.audit.models import AuditEntry
from kaohe.checks.models import SourceValue
from kaohe.schemes.models import Indicator

from .conftest import World

pytestmark = pytest.mark.django_db
GRID = {"source": "SPOT", "element": "BIRTHS", "period": "2006", "township": "T"}
RECONCILE = {"element": "BIRTHS", "year": "2006", "township": "T"}


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


# --- the sources ------------------------------------------------------------------------------


def test_the_sources_page_lists_kind_elements_feeders_and_counts_per_year(world: World) -> None:
    page = text(world.client("admin").get("/checks/"))
    assert "卫生院出生医学证明" in page and "乡镇抽查" in page
    assert "卫生院妇产科" in page  # who feeds HOSP
    assert "2006：5" in page  # HOSP's 2006 figures of 甲镇 (V2 ×2, V4, V5, V6)
    assert "2005：1" in page
    assert "/checks/enter/?source=HOSP" in page


def test_the_sources_page_counts_only_what_the_person_sees(world: World) -> None:
    page = text(world.client("other_admin").get("/checks/"))
    assert "2006：1" in page and "2006：5" not in page
    assert "卫生院出生医学证明" in text(world.client("reviewer").get("/checks/"))
    assert "/checks/enter/?source" not in text(world.client("reviewer").get("/checks/"))
    assert "卫生院出生医学证明" not in text(world.client("no_role").get("/checks/"))


# --- the entry grid -----------------------------------------------------------------------------


def test_the_grid_has_a_row_per_village_with_what_is_stored(world: World) -> None:
    response = world.client("admin").get("/checks/enter/", GRID)
    page = text(response)
    assert response.status_code == 200
    for name in ("一村", "二村", "三村", "四村", "五村", "六村"):
        assert name in page
    assert "卫生院妇产科" not in page.split("<tbody>")[1] and "邻村" not in page
    assert 'name="v:V3" value="3"' in page and 'name="v:V1" value=""' in page
    assert 'hx-post="/checks/enter/cell/"' in page


def test_a_viewer_sees_the_grid_read_only_and_another_township_not_at_all(world: World) -> None:
    page = text(world.client("county_viewer").get("/checks/enter/", GRID))
    assert "只读" in page and 'name="v:V3"' not in page and "三村" in page
    page = text(world.client("other_admin").get("/checks/enter/", GRID))
    assert "三村" not in page and "not one you may see" not in page  # the page's language
    assert "未知或无权查看的单位 T" in page


def test_a_wrong_period_is_shown_beside_its_field(world: World) -> None:
    page = text(world.client("admin").get("/checks/enter/", {**GRID, "period": "200605"}))
    assert "SPOT 按 Yearly 报数，期间 200605 是 Monthly" in page
    assert "<tbody>" not in page


def test_saving_the_grid_stores_every_changed_row(world: World) -> None:
    post = {
        **GRID,
        "v:V1": "2",
        "o:V1": "",
        "c:V1": "入户",
        "oc:V1": "",
        "v:V3": "",  # emptied: deleted
        "o:V3": "3",
        "c:V3": "",
        "oc:V3": "",
        "v:V4": "5",  # as shown: untouched
        "o:V4": "5",
        "c:V4": "",
        "oc:V4": "",
    }
    response = world.client("admin").post("/checks/enter/", post)
    assert response.status_code == 302
    assert world.value("SPOT", "V1", "2006").comment == "入户"
    assert not SourceValue.objects.filter(source__code="SPOT", unit__code="V3").exists()
    assert AuditEntry.objects.filter(action__startswith="sourcevalue").count() == 2


def test_one_refused_row_saves_nothing_and_shows_the_refusal_beside_it(world: World) -> None:
    post = {**GRID, "v:V1": "2", "o:V1": "", "v:V2": "-3", "o:V2": ""}
    response = world.client("admin").post("/checks/enter/", post)
    page = text(response)
    assert response.status_code == 422
    assert "计数不能为负数" in page and 'id="row-V2-m"' in page
    assert 'value="-3"' in page  # what was typed stays
    assert not SourceValue.objects.filter(source__code="SPOT", unit__code__in=["V1", "V2"]).exists()
    assert not AuditEntry.objects.filter(action__startswith="sourcevalue").exists()


def test_only_those_who_may_enter_can_post_the_grid(world: World) -> None:
    post = {**GRID, "v:V1": "2", "o:V1": ""}
    assert world.client("reviewer").post("/checks/enter/", post).status_code == 403
    assert world.client("other_admin").post("/checks/enter/", post).status_code == 404
    assert not SourceValue.objects.filter(source__code="SPOT", unit__code="V1").exists()


def test_a_cell_saves_alone_and_answers_its_row(world: World) -> None:
    client = world.client("admin")
    response = client.post(
        "/checks/enter/cell/",
        {**GRID, "unit": "V2", "v:V2": "6", "c:V2": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="row-V2"' in text(response) and "已保存" in text(response)
    assert world.value("SPOT", "V2", "2006").value == Decimal(6)
    response = client.post("/checks/enter/cell/", {**GRID, "unit": "V2", "v:V2": "x"})
    assert response.status_code == 422 and "不是数值" in text(response)
    assert world.value("SPOT", "V2", "2006").value == Decimal(6)


def test_a_cell_outside_the_persons_reach_is_refused(world: World) -> None:
    cell = {**GRID, "unit": "V2", "v:V2": "6"}
    assert world.client("county_viewer").post("/checks/enter/cell/", cell).status_code == 403
    assert world.client("other_admin").post("/checks/enter/cell/", cell).status_code == 404
    hosp = {**GRID, "source": "HOSP", "period": "200605", "unit": "V1", "v:V1": "1"}
    assert world.client("hospital").post("/checks/enter/cell/", hosp).status_code == 200
    assert world.client("hospital").post("/checks/enter/cell/", cell).status_code == 404


def test_the_hospital_enters_its_feed_on_a_grid_of_its_townships_villages(world: World) -> None:
    grid = {**GRID, "source": "HOSP", "period": "200611"}
    page = text(world.client("hospital").get("/checks/enter/", grid))
    assert 'name="v:V4" value="4"' in page and "邻村" not in page


# --- the import ---------------------------------------------------------------------------------


def upload(world: World, role: str, body: str, name: str = "checks.csv") -> object:
    file = SimpleUploadedFile(name, body.encode(), content_type="text/csv")
    return world.client(role).post("/checks/import/", {"file": file})


def test_the_import_page_shows_the_summary(world: World) -> None:
    assert world.client("admin").get("/checks/import/").status_code == 200
    response = upload(world, "admin", "source,element,period,unit,value\nSPOT,BIRTHS,2006,V1,2\n")
    assert response.status_code == 200 and "新增 1" in text(response)


def test_the_import_page_lists_the_problems_and_saves_nothing(world: World) -> None:
    body = "source,element,period,unit,value\nSPOT,BIRTHS,2006,V1,2\nSPOT,BIRTHS,2006,V2,x\n"
    response = upload(world, "admin", body)
    page = text(response)
    assert response.status_code == 422 and 'id="problems"' in page and "不是数值" in page
    assert not SourceValue.objects.filter(source__code="SPOT", unit__code="V1").exists()


def test_the_import_page_is_closed_to_those_who_enter_nothing(world: World) -> None:
    for role in ("reviewer", "county_viewer", "reporter_v2", "no_role"):
        assert world.client(role).get("/checks/import/").status_code == 403, role
    assert world.client("hospital").get("/checks/import/").status_code == 200


# --- the reconciliation -----------------------------------------------------------------------


def test_the_reconciliation_highlights_under_and_over_reporting(world: World) -> None:
    page = text(world.client("admin").get("/checks/reconcile/", RECONCILE))
    assert "漏报 3 个单位，多报 1 个单位" in page
    assert "70.00%" in page
    rows = {
        chunk.split('<span class="font-monospace small">')[1][:2]: chunk
        for chunk in page.split("<tr")[2:8]
    }
    assert 'class="table-danger"' in rows["V2"] and 'class="table-warning"' in rows["V3"]
    assert 'class=""' in rows["V1"] and "无核查数" in rows["V1"]
    assert "合计（6 个单位）" in page


def test_the_reconciliation_says_what_the_scheme_scores_on(world: World) -> None:
    from kaohe.schemes.models import Scheme

    Scheme.objects.create(code="VILL", name="村考核方案", unit_kinds=["village"])
    page = text(world.client("admin").get("/checks/reconcile/", RECONCILE))
    assert "村考核方案（VILL v1）按村报数计分" in page


def test_the_reconciliation_of_an_indicator_shows_each_of_its_elements(world: World) -> None:
    Indicator.objects.create(code="BIRTH_RATE", name="人口出生率", numerator="#{BIRTHS}")
    page = text(
        world.client("admin").get(
            "/checks/reconcile/", {"indicator": "BIRTH_RATE", "year": "2006", "township": "T"}
        )
    )
    assert "人口出生率" in page and 'id="rec-BIRTHS"' in page


def test_a_reporter_reconciles_their_own_village_only(world: World) -> None:
    client = world.client("reporter_v2")
    page = text(client.get("/checks/reconcile/", {**RECONCILE, "township": "V2"}))
    assert "二村" in page and "三村" not in page
    page = text(client.get("/checks/reconcile/", RECONCILE))
    assert "未知或无权查看的单位 T" in page and "三村" not in page


def test_the_reconciliation_downloads_as_csv_and_as_a_workbook(world: World) -> None:
    client = world.client("admin")
    response = client.get("/checks/reconcile/export/", {**RECONCILE, "format": "csv"})
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["单位代码", "单位", "村报数", "卫生院出生医学证明（部门数据）"]
    assert rows[2][:7] == ["V2", "二村", "4", "6", "", "6", "2"]
    assert rows[-1][1] == "合计（6 个单位）" and rows[-1][-4] == "70.00"
    response = client.get("/checks/reconcile/export/", RECONCILE)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet["A1"].value == "出生人数 核查对照 · 甲镇 · 2006"
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[4]][:3] == ["V2", "二村", 4]


def test_a_refused_download_goes_back_to_the_page(world: World) -> None:
    response = world.client("other_admin").get("/checks/reconcile/export/", RECONCILE)
    assert response.status_code == 302 and response["Location"].startswith("/checks/reconcile/")
