"""The main journeys through Kaohe in a real browser, on the demo township (示范镇, 2006):

* a clerk of 北胡屯村 enters December in the year grid, is told at once what is wrong with a
  figure, corrects it and submits the month; the reviewer returns it with a reason, the clerk
  corrects and submits again, the reviewer approves; the month is locked and the 2006 ranking
  and the village's explanation show the new figures;
* a clerk of 孙楼村 downloads the Excel template, fills it in with one bad cell, is refused with
  that cell named, fixes it and is accepted;
* the language switch turns the pages into English and back;
* a clerk who edits the address to open another village's pages is refused.

Every check is something a person sees on the page. Screenshots of each step go to the folder
printed at the end of the run (``screenshots: PATH``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from playwright.sync_api import Locator, Page, expect

from .conftest import PASSWORD, Shot, SignIn

pytestmark = pytest.mark.browser

YEAR = "2006"
MONTHLY = "村级计划生育月报"


# --- what a person does ------------------------------------------------------------------------


def menu(page: Page, name: str) -> None:
    """A link of the menu bar at the top of every page (in its group, opened first)."""
    nav = page.locator("#kaohe-nav")
    link = nav.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        # A hidden link has no role yet: find its group by the link's text.
        item = page.locator("a.dropdown-item", has_text=name)
        nav.locator(".dropdown", has=item).locator(".dropdown-toggle").click()
    link.click()


def open_year_grid(page: Page, year: str = YEAR) -> None:
    """数据填报 → 打开填报表: the monthly report of the clerk's village for a whole year."""
    menu(page, "数据填报")
    choose = page.locator("form", has_text="打开填报表")
    choose.get_by_label("数据集").select_option(label=f"{MONTHLY}（VILLAGE_MONTHLY）")
    choose.get_by_label("期间").fill(year)
    choose.get_by_role("button", name="打开").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MONTHLY)


def cell(page: Page, row: str, month: str) -> Locator:
    """The input of one figure of the grid, found by its row's and column's names."""
    return page.get_by_role("textbox", name=re.compile(rf"^{row} .* {month}$"))


def cell_box(page: Page, row: str, month: str) -> Locator:
    """The whole cell: the input with its message or "已保存"."""
    return page.locator("td[data-cell]", has=cell(page, row, month))


def save(page: Page, row: str, month: str, text: str) -> None:
    """Type a figure and leave the cell, as a clerk does; it saves itself."""
    cell(page, row, month).fill(text)
    cell(page, row, month).press("Tab")
    expect(cell_box(page, row, month).get_by_role("status")).to_have_text("已保存")


def row_total(page: Page, row: str) -> int:
    """The 合计 of a row of the grid."""
    line = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{row} "))
    )
    return int(line.locator("[data-total]").inner_text())


def open_submission(page: Page, unit: str, period: str, status: str = "已提交") -> None:
    """报送审核 → the submissions in ``status`` → the one of ``unit`` for ``period`` (查看)."""
    menu(page, "报送审核")
    # The queue opens on the submissions waiting for review (已提交).
    if status != "已提交":
        page.get_by_label("状态").select_option(label=status)
    line = page.get_by_role("row").filter(has_text=unit).filter(has_text=period)
    line.get_by_role("link", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{unit} · {MONTHLY} · {period}")


def status_of_submission(page: Page) -> Locator:
    return page.locator("dt", has_text="状态").locator("xpath=following-sibling::dd[1]")


# The demo assesses villages, direct units and departments; the journeys follow the villages.
VILLAGE_SCHEME = "村级"


def open_ranking(page: Page, year: str = YEAR) -> None:
    """首页 → 查看排名 of the year (the latest assessment of it)."""
    menu(page, "首页")
    line = (
        page.get_by_role("row")
        .filter(has=page.locator("td", has_text=re.compile(rf"^{year}$")))
        .filter(has=page.locator("td", has_text=VILLAGE_SCHEME))
    )
    line.get_by_role("link", name="查看排名").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"· {year}")


def ranking_row(page: Page, unit: str) -> dict[str, str]:
    """One unit's line of the ranking, by column heading."""
    headings = page.locator("table.kaohe-ranking thead th").all_inner_texts()
    line = page.locator("table.kaohe-ranking tbody tr").filter(
        has=page.get_by_role("link", name=unit, exact=True)
    )
    expect(line).to_have_count(1)
    return dict(zip(headings, line.locator("td").all_inner_texts(), strict=True))


def explanation(page: Page, item: str) -> str:
    """The explanation of one item on a unit's result page."""
    line = page.locator("#items tbody tr").filter(
        has=page.get_by_role("rowheader", name=item, exact=True)
    )
    return line.locator("td.explanation").inner_text()


# --- a month from the clerk through review into the ranking ----------------------------------


def test_a_month_goes_from_the_clerk_through_review_into_the_ranking(
    sign_in: SignIn, shot: Shot
) -> None:
    # Given: in the 2006 ranking 北胡屯村 has no veto, its births exactly on plan.
    admin = sign_in("township_admin")
    open_ranking(admin)
    ranking_before = admin.url
    before = ranking_row(admin, "北胡屯村")
    assert before["一票否决"] == ""
    shot(admin, "ranking-before")
    admin.get_by_role("link", name="北胡屯村", exact=True).click()
    plan_before = explanation(admin, "人口计划完成情况")
    figures = re.search(r"(\d+)人.*目标(\d+)人", plan_before)
    assert figures is not None, plan_before
    births, quota = figures.groups()
    assert births == quota, plan_before  # the demo's story: on plan, not a birth to spare
    shot(admin, "ranking-before-explanation")

    # When the clerk enters December, typing a figure that cannot be a count…
    clerk = sign_in("beihu")
    shot(clerk, "clerk-home")
    open_year_grid(clerk)
    expect(clerk.locator("main")).to_contain_text("北胡屯村")
    total_before = row_total(clerk, "出生人数")
    december = int(cell(clerk, "出生人数", "12月").input_value())
    cell(clerk, "出生人数", "12月").fill("-1")
    cell(clerk, "出生人数", "12月").press("Tab")
    # …she is told beside the cell at once, and the row's total leaves it out.
    message = cell_box(clerk, "出生人数", "12月").get_by_role("alert")
    expect(message).to_contain_text("计数不能为负数")
    assert row_total(clerk, "出生人数") == total_before - december
    shot(clerk, "grid-validation-message")

    # She corrects it: one more birth in December. The cell saves itself, the total follows.
    save(clerk, "出生人数", "12月", str(december + 1))
    expect(message).to_have_count(0)
    assert row_total(clerk, "出生人数") == total_before + 1
    shot(clerk, "grid-saved")

    # She submits December for review.
    menu(clerk, "报送审核")
    clerk.locator("summary", has_text="报送数据").click()
    submit = clerk.locator("details form")
    submit.get_by_label("数据集").select_option(label=MONTHLY)
    expect(submit.get_by_label("单位")).to_have_value("V02")
    submit.get_by_label("期间").fill(f"{YEAR}12")
    submit.get_by_role("button", name="提交", exact=True).click()
    expect(clerk.get_by_role("alert")).to_contain_text("已提交，等待审核")
    expect(status_of_submission(clerk)).to_have_text("已提交")
    shot(clerk, "submitted")

    # The reviewer finds it in the queue and returns it with a reason.
    reviewer = sign_in("reviewer")
    open_submission(reviewer, "北胡屯村", f"{YEAR}12")
    figure = reviewer.get_by_role("row").filter(
        has=reviewer.get_by_role("cell", name="出生人数", exact=True)
    )
    expect(figure.locator("td").last).to_have_text(str(december + 1))
    reason = "12月出生人数与符合政策生育数不一致，请核实"
    reviewer.get_by_label("退回原因").fill(reason)
    reviewer.get_by_role("button", name="退回").click()
    expect(reviewer.get_by_role("alert").first).to_contain_text("已退回")
    expect(status_of_submission(reviewer)).to_have_text("已退回")
    shot(reviewer, "returned")

    # The clerk reads why, corrects the other figure and submits again.
    open_submission(clerk, "北胡屯村", f"{YEAR}12", status="已退回")
    expect(clerk.get_by_role("alert")).to_contain_text(reason)
    shot(clerk, "clerk-sees-the-reason")
    open_year_grid(clerk)
    policy = int(cell(clerk, "符合政策生育数", "12月").input_value())
    save(clerk, "符合政策生育数", "12月", str(policy + 1))
    open_submission(clerk, "北胡屯村", f"{YEAR}12", status="已退回")
    clerk.get_by_role("button", name="提交", exact=True).click()
    expect(clerk.get_by_role("alert")).to_contain_text("已提交，等待审核")

    # The reviewer approves it.
    open_submission(reviewer, "北胡屯村", f"{YEAR}12")
    reviewer.get_by_role("button", name="审核通过").click()
    expect(reviewer.get_by_role("alert").first).to_contain_text("已审核通过")
    expect(status_of_submission(reviewer)).to_have_text("已审核通过")
    shot(reviewer, "approved")

    # Then December is locked for the clerk…
    open_year_grid(clerk)
    expect(clerk.get_by_role("columnheader", name=re.compile("12月"))).to_contain_text("已锁定")
    expect(cell(clerk, "出生人数", "12月")).to_have_count(0)
    expect(cell(clerk, "出生人数", "11月")).to_be_editable()
    shot(clerk, "december-locked")

    # …and the 2006 ranking has 北胡屯村 over its plan: vetoed, last grade, lower down.
    open_ranking(admin)
    assert admin.url != ranking_before  # a new assessment of 2006
    after = ranking_row(admin, "北胡屯村")
    assert after["一票否决"] == "超计划生育"
    assert after["等次"] == "不合格"
    assert int(after["名次"]) > int(before["名次"])
    shot(admin, "ranking-after")
    admin.get_by_role("link", name="北胡屯村", exact=True).click()
    plan_after = explanation(admin, "人口计划完成情况")
    assert plan_after.startswith(f"人口计划完成情况 {int(births) + 1}人"), plan_after
    assert plan_after != plan_before
    expect(admin.get_by_role("alert")).to_contain_text("超计划生育")
    shot(admin, "explanation-after")
    # The assessment the township looked at before is kept, marked as replaced.
    admin.goto(ranking_before)
    expect(admin.locator("main")).to_contain_text("已被替代")


# --- Excel ---------------------------------------------------------------------------------


def find_cell(sheet: Worksheet, row_name: str, column_name: str) -> str:
    """The address of the value cell under ``column_name`` on the row of ``row_name``, found
    by the headings a person reads."""
    rows = list(sheet.iter_rows())
    header = next(r for r in rows if any(c.value == column_name for c in r))
    column = next(c.column_letter for c in header if c.value == column_name)
    line = next(r for r in rows if any(c.value == row_name for c in r))
    return f"{column}{line[0].row}"


def upload(page: Page, file: Path) -> None:
    page.get_by_label("Excel 文件").set_input_files(str(file))
    page.get_by_role("button", name="上传", exact=True).click()
    page.wait_for_load_state()


def test_an_excel_template_with_one_bad_cell_is_refused_with_the_cell_named_then_accepted(
    sign_in: SignIn, shot: Shot, tmp_path: Path
) -> None:
    # Given the clerk of 孙楼村 downloads the 2006 template of the monthly report.
    clerk = sign_in("sunlou")
    menu(clerk, "数据填报")
    excel = clerk.locator("form", has_text="Excel 填报")
    excel.get_by_label("数据集").select_option(label=f"{MONTHLY}（VILLAGE_MONTHLY）")
    excel.get_by_label("期间").fill(YEAR)
    shot(clerk, "template-form")
    with clerk.expect_download() as download:
        excel.get_by_role("button", name="下载模板").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.suffix == ".xlsx"

    # When she types December's births in words, and uploads it…
    book = load_workbook(template)
    sheet = next(s for s in book.worksheets if s.sheet_state == "visible")
    address = find_cell(sheet, "出生人数", "12月")
    december = int(sheet[address].value or 0)
    sheet[address] = "三"
    book.save(template)
    excel.get_by_role("link", name="上传填好的模板").click()
    upload(clerk, template)

    # …nothing is written, and the page names that one cell.
    expect(clerk.get_by_role("heading", level=2)).to_have_text("未写入：请改正下列单元格后重新上传")
    problems = clerk.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.locator("td").nth(1)).to_have_text(address)
    expect(problems.locator("td").nth(2)).to_have_text("三")
    expect(problems.locator("td").nth(3)).to_contain_text("不是数值")
    shot(clerk, "upload-refused")

    # When she writes the figure as a number and uploads again, it is accepted…
    book = load_workbook(template)
    sheet = next(s for s in book.worksheets if s.sheet_state == "visible")
    sheet[address] = december + 1
    book.save(template)
    upload(clerk, template)
    expect(clerk.get_by_role("heading", level=2)).to_have_text("已全部写入")
    expect(clerk.locator("#problems")).to_have_count(0)
    shot(clerk, "upload-accepted")

    # …and the grid shows it.
    open_year_grid(clerk)
    expect(cell(clerk, "出生人数", "12月")).to_have_value(str(december + 1))
    shot(clerk, "grid-after-upload")


# --- the language switch -----------------------------------------------------------------------


def choose_language(page: Page, code: str) -> None:
    with page.expect_navigation():
        page.get_by_role("combobox", name=re.compile("^(语言|Language)$")).select_option(code)


def test_the_language_switch_turns_the_pages_into_english_and_back(
    sign_in: SignIn, shot: Shot
) -> None:
    page = sign_in(None)
    page.goto("/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")

    choose_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    shot(page, "login-in-english")
    page.get_by_label("Username").fill("township_admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment results")

    page.get_by_role("row").filter(
        has=page.locator("td", has_text=re.compile(rf"^{YEAR}$"))
    ).filter(has=page.locator("td", has_text=VILLAGE_SCHEME)).get_by_role(
        "link", name="View ranking"
    ).click()
    expect(page.locator("table.kaohe-ranking thead")).to_contain_text("Total score")
    page.get_by_role("link", name="北胡屯村", exact=True).click()
    expect(page.locator("#items thead")).to_contain_text("Explanation")
    expect(page.locator("#items td.explanation").first).to_contain_text("Births against the plan")
    shot(page, "explanation-in-english")

    choose_language(page, "zh-hans")
    expect(page.locator("#items thead")).to_contain_text("说明")
    expect(page.locator("#items td.explanation").first).to_contain_text("人口计划完成情况")
    expect(page.locator("#kaohe-nav")).to_contain_text("数据填报")
    shot(page, "explanation-in-chinese-again")


# --- another village's pages -------------------------------------------------------------------


def test_a_clerk_cannot_open_another_villages_pages_by_editing_the_address(
    sign_in: SignIn, shot: Shot
) -> None:
    clerk = sign_in("beihu")
    open_year_grid(clerk)
    own_grid = clerk.url
    assert "/V02/" in own_grid

    # 孙楼村 is V03: she types its code into the address of her own grid.
    refused = clerk.goto(own_grid.replace("/V02/", "/V03/"))
    assert refused is not None and refused.status == 404
    expect(clerk.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(clerk.locator("body")).not_to_contain_text("孙楼村")
    shot(clerk, "other-village-grid-refused")

    # Back where she was, the ranking shows her own village only, and the other village's
    # explanation is refused.
    clerk.go_back()
    open_ranking(clerk)
    expect(clerk.locator("table.kaohe-ranking tbody tr")).to_have_count(1)
    expect(clerk.locator("table.kaohe-ranking")).to_contain_text("北胡屯村")
    shot(clerk, "own-ranking-row-only")
    clerk.get_by_role("link", name="北胡屯村", exact=True).click()
    own_result = clerk.url
    assert own_result.rstrip("/").endswith("/V02")
    refused = clerk.goto(own_result.replace("/V02", "/V03"))
    assert refused is not None and refused.status == 404
    expect(clerk.locator("body")).not_to_contain_text("孙楼村")
    shot(clerk, "other-village-explanation-refused")

    # Nor can she download the other village's Excel template.
    refused = clerk.goto(f"/entry/VILLAGE_MONTHLY/{YEAR}/template.xlsx?units=V03")
    assert refused is not None and refused.status == 404
    expect(clerk.locator("body")).not_to_contain_text("孙楼村")
