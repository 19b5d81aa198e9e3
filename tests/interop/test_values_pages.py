"""The exchange pages: import by upload, export download, the import record and mappings."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kaohe.interop.models import CategoryComboMapping, ExternalId, ValueImport

from .conftest import FIXTURES, World, set_value, stored

pytestmark = pytest.mark.django_db


def upload(world: World, role: str, text: str, **fields: object) -> object:
    data = {
        "file": SimpleUploadedFile("births.csv", text.encode(), content_type="text/csv"),
        "fmt": "auto",
        "strategy": "CREATE_AND_UPDATE",
        "id_scheme": "code",
        "atomic_mode": "ALL",
        **fields,
    }
    return world.client(role).post("/interop/import/", data)


@pytest.mark.parametrize(
    ("role", "import_form", "export_form"),
    [
        ("admin", True, True),
        ("reporter_v1", True, True),
        ("county_viewer", False, True),
        ("no_role", False, False),
    ],
)
def test_the_page_offers_each_role_what_it_may_do(
    world: World, role: str, import_form: bool, export_form: bool
) -> None:
    text = world.client(role).get("/interop/").content.decode()
    assert ('action="/interop/import/"' in text) is import_form
    assert ('action="/interop/export/"' in text) is export_form


def test_an_upload_is_imported_and_its_summary_and_record_are_shown(world: World) -> None:
    response = upload(world, "reporter_v1", "BIRTHS,202601,V1,,,3\n")
    text = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "导入结果" in text and "新增 1" in text
    record = ValueImport.objects.get()
    assert f"/interop/imports/{record.pk}/" in text
    assert stored() == {("BIRTHS", "202601", "V1"): "3"}


def test_a_refused_upload_lists_its_conflicts_in_the_pages_language(world: World) -> None:
    response = upload(world, "reporter_v1", "BIRTHS,202601,V2,,,3\nNOPE,202601,V1,,,1\n")
    text = response.content.decode()  # type: ignore[attr-defined]
    assert "未导入" in text and "未知的数据元素代码" in text and "unknown data element" not in text
    assert "二村" not in text
    assert not ValueImport.objects.exists()


def test_a_dry_run_upload_writes_nothing(world: World) -> None:
    upload(world, "admin", "BIRTHS,202601,V1,,,3\n", dry_run="on")
    assert stored() == {}


def test_those_who_may_not_enter_figures_cannot_upload(world: World) -> None:
    assert upload(world, "county_viewer", "BIRTHS,202601,V1,,,3\n").status_code == 403  # type: ignore[attr-defined]


def test_the_export_downloads_a_file_and_a_bad_request_goes_back_to_the_form(
    world: World,
) -> None:
    set_value("V1", "BIRTHS", "202601", 3)
    client = world.client("admin")
    response = client.get(
        "/interop/export/", {"township": "T", "start": "202601", "end": "202601", "fmt": "csv"}
    )
    assert response["Content-Disposition"].startswith("attachment")
    assert (
        b"".join(response.streaming_content).decode().splitlines()[1].startswith("BIRTHS,202601,V1")
    )
    response = client.get("/interop/export/", {"township": "T", "start": "2026Q5", "end": "202601"})
    assert response.status_code == 302 and response["Location"].startswith("/interop/?")
    other = world.client("other_admin").get(
        "/interop/export/", {"township": "T", "start": "202601", "end": "202601"}
    )
    assert other.status_code == 302


def test_an_import_record_is_seen_by_its_author_and_the_system_administrator_only(
    world: World,
) -> None:
    set_value("V1", "BIRTHS", "202601", 1)
    upload(world, "reporter_v1", "BIRTHS,202601,V1,,,3\n")
    url = f"/interop/imports/{ValueImport.objects.get().pk}/"
    text = world.client("reporter_v1").get(url).content.decode()
    assert "更新" in text and ">1<" in text and ">3<" in text
    assert world.client("system").get(url).status_code == 200
    assert world.client("admin").get(url).status_code == 404


def test_mappings_are_listed_for_role_holders_and_changed_by_system_administrators(
    world: World,
) -> None:
    client = world.client("system")
    response = client.post(
        "/interop/mappings/combos/",
        {"source_element": "BIRTHS", "combo": "male", "element": "BIRTHS_BOYS", "note": "男"},
    )
    assert response.status_code == 302
    client.post("/interop/mappings/external/", {"kind": "unit", "code": "V1", "uid": "DiszpKrYNg8"})
    text = world.client("reporter_v1").get("/interop/mappings/").content.decode()
    assert "DiszpKrYNg8" in text and "BIRTHS_BOYS" in text
    assert 'action="/interop/mappings/combos/"' not in text
    assert 'action="/interop/mappings/combos/"' in client.get("/interop/mappings/").content.decode()
    assert (
        world.client("admin").post("/interop/mappings/combos/", {"combo": "x"}).status_code == 403
    )
    mapping = CategoryComboMapping.objects.get()
    assert (
        world.client("admin").post(f"/interop/mappings/combos/{mapping.pk}/delete/").status_code
        == 403
    )
    client.post(f"/interop/mappings/combos/{mapping.pk}/delete/")
    assert not CategoryComboMapping.objects.exists()
    external = ExternalId.objects.get()
    client.post(f"/interop/mappings/external/{external.pk}/delete/")
    assert not ExternalId.objects.exists()


def test_a_mappings_file_uploads_and_downloads(world: World) -> None:
    client = world.client("system")
    text = (
        "kaohe_mappings: 1\nexternal_ids:\n  unit: {V1: DiszpKrYNg8}\n"
        "combos:\n  - {source_element: BIRTHS, combo: male, element: BIRTHS_BOYS}\n"
    )
    client.post(
        "/interop/mappings/upload/",
        {"file": SimpleUploadedFile("m.yaml", text.encode(), content_type="application/x-yaml")},
    )
    assert ExternalId.objects.count() == 1 and CategoryComboMapping.objects.count() == 1
    download = world.client("reporter_v1").get("/interop/mappings/download/").content.decode()
    assert "DiszpKrYNg8" in download and "BIRTHS_BOYS" in download
    assert world.client("no_role").get("/interop/mappings/download/").status_code == 404


def test_the_adx_fixture_uploads_through_the_page_with_its_mappings(world: World) -> None:
    client = world.client("system")
    client.post(
        "/interop/mappings/upload/",
        {
            "file": SimpleUploadedFile(
                "m.yaml",
                b"kaohe_mappings: 1\ncombos:\n"
                b"  - {source_element: BIRTHS, adx: SEX=MALE, element: BIRTHS_BOYS}\n"
                b"  - {source_element: BIRTHS, adx: SEX=FEMALE, element: BIRTHS_GIRLS}\n",
            )
        },
    )
    response = client.post(
        "/interop/import/",
        {
            "file": SimpleUploadedFile("births.xml", (FIXTURES / "adx_births.xml").read_bytes()),
            "fmt": "auto",
            "strategy": "CREATE_AND_UPDATE",
            "id_scheme": "code",
            "atomic_mode": "ALL",
        },
    )
    assert "成功" in response.content.decode()
    assert stored()[("BIRTHS_GIRLS", "202601", "V2")] == "3"
