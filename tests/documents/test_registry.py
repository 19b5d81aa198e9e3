"""The front door of the documents: the kinds, what a request is checked for, and every kind
that is installed built for the demo township through the registry and the API."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from kaohe.demo.generator import SCHEME_CODE, TOWNSHIP_CODE
from kaohe.documents import registry
from kaohe.documents.base import DOCX, XLSX, DocumentError

from .conftest import Demo

INSTALLED = [name for name in registry.KINDS if registry.available(name)]
# The kinds issue 7 asks for, by the names the three of us agreed.
EXPECTED_KINDS = {
    "ranking": ("考核结果汇总表", "xlsx"),
    "items": ("分项得分明细表", "xlsx"),
    "indicators": ("指标完成情况表", "xlsx"),
    "money": ("奖惩兑现表", "xlsx"),
    "checks": ("数据核查表", "xlsx"),
    "commendation": ("表彰通报", "docx"),
    "criticism": ("批评通报", "docx"),
    "speech": ("大会讲话稿", "docx"),
}


def client_for(demo: Demo, role: str | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(demo.users[role])
    return client


def opens_as_office_file(content: bytes, extension: str) -> bool:
    """An .xlsx or .docx is a zip holding its main part."""
    main = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}[extension]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return main in archive.namelist()


# --- the kinds -------------------------------------------------------------------------------


def test_every_kind_of_the_issue_is_registered_with_its_chinese_name_and_file_type() -> None:
    found = {name: (kind.label_zh, kind.extension) for name, kind in registry.KINDS.items()}
    assert found == EXPECTED_KINDS
    assert all(kind.label_en for kind in registry.KINDS.values())
    assert {registry.KINDS[n].content_type for n in ("ranking", "speech")} == {XLSX, DOCX}


def test_a_kind_whose_module_is_missing_is_unavailable_and_refused_in_both_languages(
    monkeypatch: pytest.MonkeyPatch, demo_db: Demo
) -> None:
    missing = registry._Lazy("kaohe.documents.no_such_module", "build_nothing")
    monkeypatch.setitem(registry.KINDS, "nothing", registry.Kind(missing, "无", "None", "xlsx"))
    assert not registry.available("nothing")
    request = registry.make_request(None, scheme=SCHEME_CODE, year=2006)
    with pytest.raises(DocumentError) as refused:
        registry.build("nothing", request)
    assert refused.value.field == "kind"
    assert "尚未安装" in str(refused.value) and "not installed" in str(refused.value)


def test_an_unknown_kind_is_refused_with_the_list_of_kinds() -> None:
    with pytest.raises(DocumentError) as refused:
        registry.kind_of("minutes")
    assert refused.value.field == "kind"
    assert "speech" in str(refused.value) and "no such kind" in str(refused.value)


# --- checking a request ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"scheme": SCHEME_CODE, "year": "twenty"}, "year"),
        ({"scheme": SCHEME_CODE, "year": "1850"}, "year"),
        ({"scheme": "NO_SUCH_SCHEME", "year": "2006"}, "scheme"),
        ({"scheme": SCHEME_CODE, "year": "2006", "township": "NOWHERE"}, "township"),
        ({"scheme": SCHEME_CODE, "year": "2006", "language": "fr"}, "lang"),
        # No township named and none with published results that year.
        ({"scheme": SCHEME_CODE, "year": "2019"}, "township"),
    ],
)
def test_a_bad_request_is_refused_naming_the_field_in_chinese_then_english(
    demo_db: Demo, asked: dict[str, str], field: str
) -> None:
    with pytest.raises(DocumentError) as refused:
        registry.make_request(None, **asked)  # type: ignore[arg-type]
    assert refused.value.field == field
    message = str(refused.value)
    assert " / " in message and message.index(" / ") > 0
    assert any("\u4e00" <= c <= "\u9fff" for c in message.split(" / ")[0])


def test_the_township_defaults_to_the_one_whose_results_were_published(demo_db: Demo) -> None:
    request = registry.make_request(None, scheme=SCHEME_CODE, year="2006", language="zh")
    assert request.root == demo_db.township
    assert request.language == "zh-hans"
    # The version that was published that year is the one the documents read.
    assert request.scheme == demo_db.published(SCHEME_CODE, 2006).scheme


def test_a_person_who_cannot_see_the_whole_township_is_told_it_does_not_exist(
    demo_db: Demo,
) -> None:
    for role in ("reporter", "other_admin", "no_role"):
        with pytest.raises(DocumentError) as refused:
            registry.make_request(
                demo_db.users[role], scheme=SCHEME_CODE, year=2006, township=TOWNSHIP_CODE
            )
        assert refused.value.field == "township", role
    found = registry.make_request(
        demo_db.users["reviewer"], scheme=SCHEME_CODE, year=2006, township=TOWNSHIP_CODE
    )
    assert found.root == demo_db.township


def test_the_townships_a_person_may_see_whole(demo_db: Demo) -> None:
    def codes(role: str) -> list[str]:
        return [t.code for t in registry.visible_townships(demo_db.users[role])]

    assert codes("township_admin") == [TOWNSHIP_CODE]
    assert codes("reviewer") == [TOWNSHIP_CODE]
    assert codes("reporter") == []
    assert TOWNSHIP_CODE not in codes("other_admin")
    assert TOWNSHIP_CODE in codes("superuser")


# --- building each kind ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", INSTALLED)
def test_each_installed_kind_is_built_for_the_demo_township(demo_db: Demo, kind: str) -> None:
    request = registry.make_request(None, scheme=SCHEME_CODE, year=2006)
    built = registry.timed_build(kind, request)
    document = built.document
    expected = registry.KINDS[kind]
    assert document.content_type == expected.content_type
    assert opens_as_office_file(document.content, expected.extension)
    name = document.filename or registry.filename_for(kind, request)
    assert name.endswith(f".{expected.extension}")


@pytest.mark.parametrize("kind", INSTALLED)
def test_the_api_answers_each_installed_kind_as_a_file(demo_db: Demo, kind: str) -> None:
    response = client_for(demo_db, "township_admin").get(
        f"/api/documents/{kind}/",
        {"scheme": SCHEME_CODE, "year": 2006, "township": TOWNSHIP_CODE},
    )
    assert response.status_code == 200, response.content[:300]
    expected = registry.KINDS[kind]
    assert response["Content-Type"] == expected.content_type
    assert "attachment" in response["Content-Disposition"]
    assert opens_as_office_file(response.content, expected.extension)


def test_the_api_lists_the_kinds_with_their_names(demo_db: Demo) -> None:
    rows = client_for(demo_db, "reporter").get("/api/documents/").json()
    assert [r["kind"] for r in rows] == list(registry.KINDS)
    speech = next(r for r in rows if r["kind"] == "speech")
    assert speech["label_zh"] == "大会讲话稿" and speech["extension"] == "docx"
    assert speech["available"] is registry.available("speech")


def test_the_api_refuses_a_bad_year_with_the_field_and_a_bilingual_detail(demo_db: Demo) -> None:
    response = client_for(demo_db, "township_admin").get(
        "/api/documents/ranking/", {"scheme": SCHEME_CODE, "year": "soon"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "year" and " / " in body["detail"]


def test_the_api_schema_describes_the_download_as_binary(demo_db: Demo) -> None:
    schema = client_for(demo_db, None).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    answers = schema["paths"]["/api/documents/{kind}/"]["get"]["responses"]
    content = answers["200"]["content"]
    assert content[XLSX]["schema"]["format"] == "binary"
    assert content[DOCX]["schema"]["format"] == "binary"
    assert "400" in answers
    names = {p["name"] for p in schema["paths"]["/api/documents/{kind}/"]["get"]["parameters"]}
    assert {"scheme", "year", "township", "lang"} <= names
